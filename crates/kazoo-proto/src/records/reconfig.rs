//! Dynamic reconfiguration (3.5+). The reply is a `GetDataResponse` holding the new config.

use super::field::record;

record! {
    /// `ReconfigRequest`: the body of reconfig (16). Either the incremental fields
    /// (`joining_servers`, `leaving_servers`) or `new_members` are set; unset ones are sent as
    /// null, as the Java admin client does.
    pub struct ReconfigRequest {
        /// Comma-separated server specs to add, or `None`.
        pub joining_servers: Option<String>,
        /// Comma-separated server ids to remove, or `None`.
        pub leaving_servers: Option<String>,
        /// The complete new membership (non-incremental), or `None`.
        pub new_members: Option<String>,
        /// Only apply if the current config version is this, -1 for any.
        pub cur_config_id: i64,
    }
}
