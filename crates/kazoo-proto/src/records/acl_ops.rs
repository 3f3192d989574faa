//! Reading and writing a node's ACL: getACL and setACL.

use super::field::record;
use crate::acl::Acl;
use crate::stat::Stat;

record! {
    /// `GetACLRequest`: the body of getACL (6).
    pub struct GetAclRequest {
        /// The node's path.
        pub path: String,
    }
}

record! {
    /// `GetACLResponse`: the node's ACL and metadata.
    pub struct GetAclResponse {
        /// The ACL entries.
        pub acl: Vec<Acl>,
        /// The node's metadata.
        pub stat: Stat,
    }
}

record! {
    /// `SetACLRequest`: the body of setACL (7).
    pub struct SetAclRequest {
        /// The node's path.
        pub path: String,
        /// The new ACL.
        pub acl: Vec<Acl>,
        /// Expected ACL version (`aversion`), -1 for any.
        pub version: i32,
    }
}

record! {
    /// `SetACLResponse`: the node's metadata after the change.
    pub struct SetAclResponse {
        /// The node's new metadata.
        pub stat: Stat,
    }
}
