//! Listing children: getChildren, getChildren2 and getAllChildrenNumber.

use super::field::record;
use crate::stat::Stat;

record! {
    /// `GetChildrenRequest`: the body of getChildren (8), also used inside multiRead.
    pub struct GetChildrenRequest {
        /// The node's path.
        pub path: String,
        /// Leave a child watch.
        pub watch: bool,
    }
}

record! {
    /// `GetChildrenResponse`: the children's names (not paths), in no particular order.
    pub struct GetChildrenResponse {
        /// Child names.
        pub children: Vec<String>,
    }
}

record! {
    /// `GetChildren2Request`: the body of getChildren2 (12), which also returns the parent's stat.
    pub struct GetChildren2Request {
        /// The node's path.
        pub path: String,
        /// Leave a child watch.
        pub watch: bool,
    }
}

record! {
    /// `GetChildren2Response`: the children's names and the parent's metadata.
    pub struct GetChildren2Response {
        /// Child names.
        pub children: Vec<String>,
        /// The parent's metadata.
        pub stat: Stat,
    }
}

record! {
    /// `GetAllChildrenNumberRequest`: the body of getAllChildrenNumber (104, 3.6+).
    pub struct GetAllChildrenNumberRequest {
        /// The node's path.
        pub path: String,
    }
}

record! {
    /// `GetAllChildrenNumberResponse`: the number of descendants of the node.
    pub struct GetAllChildrenNumberResponse {
        /// Number of descendants (all levels).
        pub total_number: i32,
    }
}
