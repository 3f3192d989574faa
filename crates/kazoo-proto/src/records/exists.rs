//! The exists request and its reply (a missing node is reported as error NoNode).

use super::field::record;
use crate::stat::Stat;

record! {
    /// `ExistsRequest`: the body of exists (3).
    pub struct ExistsRequest {
        /// The node's path.
        pub path: String,
        /// Leave a data watch (fires on create, delete and data change).
        pub watch: bool,
    }
}

record! {
    /// `ExistsResponse`: the node's metadata.
    pub struct ExistsResponse {
        /// The node's metadata.
        pub stat: Stat,
    }
}
