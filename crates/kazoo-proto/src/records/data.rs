//! Reading and writing a node's data: getData and setData.

use super::field::record;
use crate::stat::Stat;
use bytes::Bytes;

record! {
    /// `GetDataRequest`: the body of getData (4), also used inside multiRead.
    pub struct GetDataRequest {
        /// The node's path.
        pub path: String,
        /// Leave a data watch.
        pub watch: bool,
    }
}

record! {
    /// `GetDataResponse`: the reply to getData and to reconfig (which returns the new
    /// configuration as data). `data` is a slice of the received frame, not a copy.
    pub struct GetDataResponse {
        /// The node's data (a null buffer on the wire reads as empty).
        pub data: Bytes,
        /// The node's metadata.
        pub stat: Stat,
    }
}

record! {
    /// `SetDataRequest`: the body of setData (5).
    pub struct SetDataRequest {
        /// The node's path.
        pub path: String,
        /// New data.
        pub data: Bytes,
        /// Expected data version, -1 for any.
        pub version: i32,
    }
}

record! {
    /// `SetDataResponse`: the node's metadata after the write.
    pub struct SetDataResponse {
        /// The node's new metadata.
        pub stat: Stat,
    }
}
