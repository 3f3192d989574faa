//! whoAmI (op 107, 3.7+): the identities the server attached to the session. The request has no
//! body.

use super::field::{field_via_codec, record};

record! {
    /// `ClientInfo`: one authenticated identity of the session.
    pub struct ClientInfo {
        /// The scheme, e.g. `ip`, `digest`, `sasl`.
        pub auth_scheme: String,
        /// The user or id within the scheme.
        pub user: String,
    }
}

field_via_codec!(ClientInfo, 8);

record! {
    /// `WhoAmIResponse`: the session's identities.
    pub struct WhoAmIResponse {
        /// The identities.
        pub client_info: Vec<ClientInfo>,
    }
}
