//! Authentication: the `AuthPacket` (op 100, xid -4) that adds credentials to a session.

use super::field::record;
use bytes::Bytes;

record! {
    /// `AuthPacket`: adds an identity to the session, e.g. scheme `digest` with
    /// `user:password`. The reply is a header only; AuthFailed closes the session.
    ///
    /// ```
    /// use kazoo_proto::AuthPacket;
    /// let p = AuthPacket::new("digest", "alice:secret");
    /// assert_eq!(p.auth_type, 0);
    /// ```
    pub struct AuthPacket {
        /// Always 0.
        pub auth_type: i32,
        /// The auth scheme.
        pub scheme: String,
        /// The credential bytes.
        pub auth: Bytes,
    }
}

impl AuthPacket {
    /// An auth packet for `scheme` with the given credential.
    pub fn new(scheme: impl Into<String>, auth: impl Into<Bytes>) -> AuthPacket {
        AuthPacket {
            auth_type: 0,
            scheme: scheme.into(),
            auth: auth.into(),
        }
    }
}
