//! The sync request, which makes the connected server catch up with the leader.

use super::field::record;

record! {
    /// `SyncRequest`: the body of sync (9).
    pub struct SyncRequest {
        /// The path to sync.
        pub path: String,
    }
}

record! {
    /// `SyncResponse`: the path that was synced.
    pub struct SyncResponse {
        /// The synced path.
        pub path: String,
    }
}
