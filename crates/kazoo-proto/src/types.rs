//! Small protocol types: ids and create modes.

use crate::codec::DecodeError;

/// A ZooKeeper transaction id.
pub type Zxid = i64;
/// A request id within one connection.
pub type Xid = i32;
/// A session id as the server assigns it.
pub type SessionId = i64;

/// Special xids the server and client use for messages that are not replies to a request.
pub mod xid {
    use super::Xid;
    /// A watch notification from the server.
    pub const NOTIFICATION: Xid = -1;
    /// A ping and its reply.
    pub const PING: Xid = -2;
    /// An auth packet and its reply.
    pub const AUTH: Xid = -4;
    /// A SetWatches / SetWatches2 packet and its reply.
    pub const SET_WATCHES: Xid = -8;
}

/// How a node is created: persistence, sequencing, containers and TTLs.
///
/// ```
/// use kazoo_proto::CreateMode;
/// let m = CreateMode::from_flags(true, true);
/// assert_eq!(m, CreateMode::EphemeralSequential);
/// assert_eq!(m.flag(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CreateMode {
    /// 0: persistent.
    #[default]
    Persistent,
    /// 1: removed when the session ends.
    Ephemeral,
    /// 2: persistent, with a sequence suffix appended to the name.
    PersistentSequential,
    /// 3: ephemeral, with a sequence suffix.
    EphemeralSequential,
    /// 4: a container, removed by the server once its last child is gone (3.5.3+).
    Container,
    /// 5: persistent with a TTL (3.5.3+, needs `extendedTypesEnabled`).
    PersistentWithTtl,
    /// 6: persistent-sequential with a TTL.
    PersistentSequentialWithTtl,
}

impl CreateMode {
    /// Every mode.
    pub const ALL: [CreateMode; 7] = [
        CreateMode::Persistent,
        CreateMode::Ephemeral,
        CreateMode::PersistentSequential,
        CreateMode::EphemeralSequential,
        CreateMode::Container,
        CreateMode::PersistentWithTtl,
        CreateMode::PersistentSequentialWithTtl,
    ];

    /// The mode for kazoo's `ephemeral` / `sequence` flags.
    pub fn from_flags(ephemeral: bool, sequential: bool) -> CreateMode {
        match (ephemeral, sequential) {
            (false, false) => CreateMode::Persistent,
            (true, false) => CreateMode::Ephemeral,
            (false, true) => CreateMode::PersistentSequential,
            (true, true) => CreateMode::EphemeralSequential,
        }
    }

    /// The wire flag.
    pub fn flag(self) -> i32 {
        match self {
            CreateMode::Persistent => 0,
            CreateMode::Ephemeral => 1,
            CreateMode::PersistentSequential => 2,
            CreateMode::EphemeralSequential => 3,
            CreateMode::Container => 4,
            CreateMode::PersistentWithTtl => 5,
            CreateMode::PersistentSequentialWithTtl => 6,
        }
    }

    /// Maps a wire flag to the mode.
    pub fn from_flag(flag: i32) -> Result<CreateMode, DecodeError> {
        CreateMode::ALL
            .into_iter()
            .find(|m| m.flag() == flag)
            .ok_or(DecodeError::UnknownValue {
                what: "create mode",
                value: flag,
            })
    }

    /// True for ephemeral modes.
    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }
    /// True for sequential modes.
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl
        )
    }
    /// True for container nodes.
    pub fn is_container(self) -> bool {
        self == CreateMode::Container
    }
    /// True for TTL modes.
    pub fn is_ttl(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        )
    }
}
