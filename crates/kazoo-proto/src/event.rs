//! Watch notifications: event types, keeper states and the `WatcherEvent` record.

use crate::codec::{buffer_len, Decode, DecodeError, Encode, Reader, WriteExt};
use bytes::{BufMut, BytesMut};

/// What happened to the watched node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// -1: a session state change, not a node event.
    None,
    /// 1
    NodeCreated,
    /// 2
    NodeDeleted,
    /// 3
    NodeDataChanged,
    /// 4
    NodeChildrenChanged,
    /// 5
    DataWatchRemoved,
    /// 6
    ChildWatchRemoved,
    /// 7
    PersistentWatchRemoved,
}

impl EventType {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            EventType::None => -1,
            EventType::NodeCreated => 1,
            EventType::NodeDeleted => 2,
            EventType::NodeDataChanged => 3,
            EventType::NodeChildrenChanged => 4,
            EventType::DataWatchRemoved => 5,
            EventType::ChildWatchRemoved => 6,
            EventType::PersistentWatchRemoved => 7,
        }
    }
    /// Maps a wire value.
    pub fn from_code(c: i32) -> Result<EventType, DecodeError> {
        Ok(match c {
            -1 => EventType::None,
            1 => EventType::NodeCreated,
            2 => EventType::NodeDeleted,
            3 => EventType::NodeDataChanged,
            4 => EventType::NodeChildrenChanged,
            5 => EventType::DataWatchRemoved,
            6 => EventType::ChildWatchRemoved,
            7 => EventType::PersistentWatchRemoved,
            value => {
                return Err(DecodeError::UnknownValue {
                    what: "event type",
                    value,
                })
            }
        })
    }
}

/// ZooKeeper's session state as carried by watch events (`Watcher.Event.KeeperState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeeperState {
    /// -1 (unused by servers since 3.1).
    Unknown,
    /// 0: disconnected.
    Disconnected,
    /// 1 (unused).
    NoSyncConnected,
    /// 3: connected.
    SyncConnected,
    /// 4: authentication failed.
    AuthFailed,
    /// 5: connected to a read-only server.
    ConnectedReadOnly,
    /// 6: SASL authenticated.
    SaslAuthenticated,
    /// -112: the session expired.
    Expired,
    /// 7: the client was closed.
    Closed,
}

impl KeeperState {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            KeeperState::Unknown => -1,
            KeeperState::Disconnected => 0,
            KeeperState::NoSyncConnected => 1,
            KeeperState::SyncConnected => 3,
            KeeperState::AuthFailed => 4,
            KeeperState::ConnectedReadOnly => 5,
            KeeperState::SaslAuthenticated => 6,
            KeeperState::Expired => -112,
            KeeperState::Closed => 7,
        }
    }
    /// Maps a wire value.
    pub fn from_code(c: i32) -> Result<KeeperState, DecodeError> {
        Ok(match c {
            -1 => KeeperState::Unknown,
            0 => KeeperState::Disconnected,
            1 => KeeperState::NoSyncConnected,
            3 => KeeperState::SyncConnected,
            4 => KeeperState::AuthFailed,
            5 => KeeperState::ConnectedReadOnly,
            6 => KeeperState::SaslAuthenticated,
            -112 => KeeperState::Expired,
            7 => KeeperState::Closed,
            value => {
                return Err(DecodeError::UnknownValue {
                    what: "keeper state",
                    value,
                })
            }
        })
    }
}

/// A watch notification (`WatcherEvent` record, sent with xid -1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchedEvent {
    /// What happened.
    pub event_type: EventType,
    /// The session state when it happened.
    pub state: KeeperState,
    /// The node's path (server-absolute on the wire; the client strips its chroot).
    pub path: String,
}

impl Encode for WatchedEvent {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.event_type.code());
        b.put_i32(self.state.code());
        b.put_jute_string(&self.path);
    }
    fn encoded_len(&self) -> usize {
        8 + buffer_len(self.path.as_bytes())
    }
}

impl Decode for WatchedEvent {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(WatchedEvent {
            event_type: EventType::from_code(r.read_i32()?)?,
            state: KeeperState::from_code(r.read_i32()?)?,
            path: r.read_string()?,
        })
    }
}
