//! Node creation: create, create2, createContainer and createTTL requests and their responses.

use super::field::record;
use crate::acl::Acl;
use crate::stat::Stat;
use crate::types::CreateMode;
use bytes::Bytes;

record! {
    /// `CreateRequest`: the body of create (1), create2 (15) and createContainer (19).
    ///
    /// ```
    /// use kazoo_proto::{Acl, CreateMode, CreateRequest, Encode};
    /// let req = CreateRequest {
    ///     path: "/app".into(),
    ///     data: "v".into(),
    ///     acl: Acl::open_unsafe(),
    ///     mode: CreateMode::Persistent,
    /// };
    /// assert_eq!(req.encoded_len(), (4 + 4) + (4 + 1) + (4 + 4 + 4 + 5 + 4 + 6) + 4);
    /// ```
    pub struct CreateRequest {
        /// The node's path (server-absolute, with the chroot prepended).
        pub path: String,
        /// Initial data.
        pub data: Bytes,
        /// Initial ACL (must not be empty).
        pub acl: Vec<Acl>,
        /// The create mode (wire field `flags`).
        pub mode: CreateMode,
    }
}

record! {
    /// `CreateTTLRequest`: the body of createTTL (21), for the TTL create modes (3.5.3+, needs
    /// `extendedTypesEnabled=true` on the server).
    pub struct CreateTtlRequest {
        /// The node's path.
        pub path: String,
        /// Initial data.
        pub data: Bytes,
        /// Initial ACL.
        pub acl: Vec<Acl>,
        /// The create mode (wire field `flags`), a TTL mode.
        pub mode: CreateMode,
        /// Time to live in milliseconds.
        pub ttl: i64,
    }
}

record! {
    /// `CreateResponse`: the reply to create (1), the actual path (with a sequence suffix for
    /// sequential modes).
    pub struct CreateResponse {
        /// The created node's path.
        pub path: String,
    }
}

record! {
    /// `Create2Response`: the reply to create2, createContainer and createTTL.
    pub struct Create2Response {
        /// The created node's path.
        pub path: String,
        /// The new node's metadata.
        pub stat: Stat,
    }
}
