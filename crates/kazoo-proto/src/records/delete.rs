//! Node deletion. The reply has no body.

use super::field::record;

record! {
    /// `DeleteRequest`: the body of delete (2).
    ///
    /// ```
    /// use kazoo_proto::{DeleteRequest, Encode};
    /// let req = DeleteRequest { path: "/a".into(), version: -1 };
    /// assert_eq!(&req.to_bytes()[..], &[0, 0, 0, 2, b'/', b'a', 0xff, 0xff, 0xff, 0xff]);
    /// ```
    pub struct DeleteRequest {
        /// The node's path.
        pub path: String,
        /// Expected data version, -1 for any.
        pub version: i32,
    }
}
