//! Listing the session's ephemeral nodes (getEphemerals, 3.6+).

use super::field::record;

record! {
    /// `GetEphemeralsRequest`: the body of getEphemerals (103).
    pub struct GetEphemeralsRequest {
        /// Only nodes whose path starts with this prefix; `/` for all.
        pub prefix_path: String,
    }
}

record! {
    /// `GetEphemeralsResponse`: full paths of the session's ephemeral nodes.
    pub struct GetEphemeralsResponse {
        /// Ephemeral node paths.
        pub ephemerals: Vec<String>,
    }
}
