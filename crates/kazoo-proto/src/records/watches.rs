//! Watch management: checkWatches, removeWatches, addWatch (persistent watches), and the
//! SetWatches / SetWatches2 records a client sends after reconnecting to re-register its watches.

use super::field::{record, Field};
use crate::codec::{DecodeError, Reader};
use crate::types::Zxid;
use bytes::{BufMut, BytesMut};

/// Which watches checkWatches / removeWatches address (`WatcherType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatcherType {
    /// 1: child watches.
    Children,
    /// 2: data (and exists) watches.
    Data,
    /// 3: any watch.
    Any,
}

impl WatcherType {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            WatcherType::Children => 1,
            WatcherType::Data => 2,
            WatcherType::Any => 3,
        }
    }
    /// Maps a wire value.
    pub fn from_code(value: i32) -> Result<WatcherType, DecodeError> {
        match value {
            1 => Ok(WatcherType::Children),
            2 => Ok(WatcherType::Data),
            3 => Ok(WatcherType::Any),
            value => Err(DecodeError::UnknownValue {
                what: "watcher type",
                value,
            }),
        }
    }
}

/// The kind of watch addWatch leaves (`AddWatchMode`, 3.6+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddWatchMode {
    /// 0: a persistent watch on the node (data and children changes, not removed on firing).
    Persistent,
    /// 1: a persistent watch on the node and every descendant.
    PersistentRecursive,
}

impl AddWatchMode {
    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            AddWatchMode::Persistent => 0,
            AddWatchMode::PersistentRecursive => 1,
        }
    }
    /// Maps a wire value.
    pub fn from_code(value: i32) -> Result<AddWatchMode, DecodeError> {
        match value {
            0 => Ok(AddWatchMode::Persistent),
            1 => Ok(AddWatchMode::PersistentRecursive),
            value => Err(DecodeError::UnknownValue {
                what: "add watch mode",
                value,
            }),
        }
    }
}

impl Field for WatcherType {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(self.code());
    }
    fn size(&self) -> usize {
        4
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        WatcherType::from_code(r.read_i32()?)
    }
}

impl Field for AddWatchMode {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(self.code());
    }
    fn size(&self) -> usize {
        4
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        AddWatchMode::from_code(r.read_i32()?)
    }
}

record! {
    /// `CheckWatchesRequest`: the body of checkWatches (17, 3.5+). Fails with NoWatcher when the
    /// session has no such watch on the path.
    pub struct CheckWatchesRequest {
        /// The node's path.
        pub path: String,
        /// Which watches.
        pub watcher_type: WatcherType,
    }
}

record! {
    /// `RemoveWatchesRequest`: the body of removeWatches (18, 3.5+).
    pub struct RemoveWatchesRequest {
        /// The node's path.
        pub path: String,
        /// Which watches to remove.
        pub watcher_type: WatcherType,
    }
}

record! {
    /// `AddWatchRequest`: the body of addWatch (106, 3.6+). The reply body is an
    /// [`ErrorResponse`](super::ErrorResponse) with code 0.
    ///
    /// ```
    /// use kazoo_proto::{AddWatchMode, AddWatchRequest, Encode};
    /// let req = AddWatchRequest { path: "/a".into(), mode: AddWatchMode::PersistentRecursive };
    /// assert_eq!(&req.to_bytes()[..], &[0, 0, 0, 2, b'/', b'a', 0, 0, 0, 1]);
    /// ```
    pub struct AddWatchRequest {
        /// The node's path.
        pub path: String,
        /// Persistent or persistent-recursive.
        pub mode: AddWatchMode,
    }
}

record! {
    /// `SetWatches`: the body of setWatches (101, xid -8), re-registering one-shot watches after a
    /// reconnect. The server fires those whose node changed after `relative_zxid`.
    pub struct SetWatches {
        /// The last zxid the client saw.
        pub relative_zxid: Zxid,
        /// Paths with a data watch.
        pub data_watches: Vec<String>,
        /// Paths with an exists watch (node absent).
        pub exist_watches: Vec<String>,
        /// Paths with a child watch.
        pub child_watches: Vec<String>,
    }
}

record! {
    /// `SetWatches2`: the body of setWatches2 (105, xid -8, 3.6+), which also carries the
    /// persistent and persistent-recursive watches.
    pub struct SetWatches2 {
        /// The last zxid the client saw.
        pub relative_zxid: Zxid,
        /// Paths with a data watch.
        pub data_watches: Vec<String>,
        /// Paths with an exists watch.
        pub exist_watches: Vec<String>,
        /// Paths with a child watch.
        pub child_watches: Vec<String>,
        /// Paths with a persistent watch.
        pub persistent_watches: Vec<String>,
        /// Paths with a persistent-recursive watch.
        pub persistent_recursive_watches: Vec<String>,
    }
}
