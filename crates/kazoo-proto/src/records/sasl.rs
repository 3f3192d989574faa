//! SASL token exchange (op 102): the client sends `GetSASLRequest`, the server answers
//! `SetSASLResponse`.

use super::field::record;
use bytes::Bytes;

record! {
    /// `GetSASLRequest`: the body of a sasl (102) request, carrying the client's token.
    pub struct GetSaslRequest {
        /// The client's SASL token.
        pub token: Bytes,
    }
}

record! {
    /// `SetSASLRequest`: defined by the server's schema; not sent by clients.
    pub struct SetSaslRequest {
        /// A SASL token.
        pub token: Bytes,
    }
}

record! {
    /// `SetSASLResponse`: the server's challenge or final token.
    pub struct SetSaslResponse {
        /// The server's SASL token.
        pub token: Bytes,
    }
}
