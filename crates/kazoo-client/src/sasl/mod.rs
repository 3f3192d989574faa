//! SASL authentication over ZooKeeper's op 102, run on every connection after the handshake
//! and before anything else: [`SaslCredentials`] (what the builder takes), the sans-io
//! [`DigestMd5`] mechanism, and the exchange that frames its tokens.
//!
//! GSSAPI (Kerberos) is not implemented: no maintained pure-Rust GSSAPI exists, and the
//! bindings to the system's MIT/Heimdal libraries need those libraries and a KDC at build and
//! test time.

mod digest_md5;
mod directives;
pub(crate) mod exchange;
#[cfg(test)]
mod session_tests;

pub use digest_md5::{DigestMd5, ZOOKEEPER_DIGEST_HOST, ZOOKEEPER_SERVICE};

use std::fmt;

/// A SASL mechanism as the exchange drives it.
pub(crate) trait SaslMechanism: Send {
    /// The IANA name, for logs.
    fn name(&self) -> &'static str;
    /// The first token to send (empty when the server speaks first).
    fn initial_response(&mut self) -> Vec<u8>;
    /// Consumes a server token; returns the next token to send, or `None` when done.
    fn step(&mut self, server_token: &[u8]) -> Result<Option<Vec<u8>>, SaslError>;
    /// True once the mechanism authenticated both sides.
    fn is_complete(&self) -> bool;
}

#[derive(Clone)]
enum Mechanism {
    DigestMd5 { username: String, password: String },
}

/// SASL credentials for a client (kazoo's `sasl_options`). Only DIGEST-MD5 for now.
///
/// The server must have a JAAS `Server` section with ZooKeeper's `DigestLoginModule` and
/// `authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider`; the session
/// then carries the ACL id `sasl:<username>`. `Debug` never shows the password.
///
/// ```
/// use kazoo_client::sasl::SaslCredentials;
/// let creds = SaslCredentials::digest_md5("alice", "secret");
/// assert_eq!(creds.mechanism(), "DIGEST-MD5");
/// assert!(!format!("{creds:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct SaslCredentials {
    mechanism: Mechanism,
}

impl fmt::Debug for SaslCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mechanism {
            Mechanism::DigestMd5 { username, .. } => f
                .debug_struct("SaslCredentials")
                .field("mechanism", &"DIGEST-MD5")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

impl SaslCredentials {
    /// DIGEST-MD5 with a user and password of the server's JAAS `Server` section
    /// (`user_<name>="<password>"`).
    ///
    /// ```
    /// let creds = kazoo_client::sasl::SaslCredentials::digest_md5("alice", "secret");
    /// assert_eq!(creds.username(), "alice");
    /// ```
    pub fn digest_md5(username: &str, password: &str) -> SaslCredentials {
        SaslCredentials {
            mechanism: Mechanism::DigestMd5 {
                username: username.to_owned(),
                password: password.to_owned(),
            },
        }
    }

    /// The mechanism's IANA name.
    ///
    /// ```
    /// let creds = kazoo_client::sasl::SaslCredentials::digest_md5("alice", "secret");
    /// assert_eq!(creds.mechanism(), "DIGEST-MD5");
    /// ```
    pub fn mechanism(&self) -> &'static str {
        match self.mechanism {
            Mechanism::DigestMd5 { .. } => "DIGEST-MD5",
        }
    }

    /// The user authenticated as.
    ///
    /// ```
    /// let creds = kazoo_client::sasl::SaslCredentials::digest_md5("alice", "secret");
    /// assert_eq!(creds.username(), "alice");
    /// ```
    pub fn username(&self) -> &str {
        match &self.mechanism {
            Mechanism::DigestMd5 { username, .. } => username,
        }
    }

    /// A fresh mechanism for one connection.
    pub(crate) fn start(&self) -> Box<dyn SaslMechanism> {
        match &self.mechanism {
            Mechanism::DigestMd5 { username, password } => {
                Box::new(DigestMd5::new(username, password))
            }
        }
    }
}

/// Why a SASL mechanism gave up. Messages never contain credentials.
///
/// ```
/// use kazoo_client::sasl::SaslError;
/// assert!(SaslError::ServerNotAuthenticated.to_string().contains("rspauth"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslError {
    /// The server's token does not follow the mechanism's grammar.
    MalformedChallenge(String),
    /// The server asks for something this client does not implement.
    Unsupported(String),
    /// The server's `rspauth` is wrong: it does not know the password, or someone in the
    /// middle answered in its place.
    ServerNotAuthenticated,
    /// A token arrived after the exchange finished or failed.
    UnexpectedToken,
}

impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaslError::MalformedChallenge(m) => write!(f, "malformed SASL challenge: {m}"),
            SaslError::Unsupported(m) => write!(f, "unsupported SASL challenge: {m}"),
            SaslError::ServerNotAuthenticated => write!(
                f,
                "the server's SASL rspauth does not match: it failed to prove it knows the password"
            ),
            SaslError::UnexpectedToken => {
                write!(f, "unexpected SASL token after the exchange ended")
            }
        }
    }
}

impl std::error::Error for SaslError {}
