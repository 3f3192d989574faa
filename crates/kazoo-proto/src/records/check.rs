//! The version check used inside multi (and standalone from 3.9).

use super::field::record;

record! {
    /// `CheckVersionRequest`: the body of check (13).
    pub struct CheckVersionRequest {
        /// The node's path.
        pub path: String,
        /// Required data version.
        pub version: i32,
    }
}
