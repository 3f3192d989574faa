//! The one error type of the client: every ZooKeeper server code plus the client-side cases.

use kazoo_proto::{DecodeError, ErrorCode};
use std::sync::Arc;

/// Result alias used throughout the client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a ZooKeeper call.
///
/// Server codes map one to one onto variants named after them (kazoo's exception names).
/// The predicates tell callers what to do next:
///
/// ```
/// use kazoo_client::Error;
/// let e = Error::ConnectionLoss;
/// assert!(e.is_retryable());
/// assert!(e.is_connection_loss());
/// assert!(!Error::NoNode { path: "/a".into() }.is_retryable());
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- server codes -------------------------------------------------------------------
    /// -1: the server reported a system error.
    #[error("server system error")]
    SystemError,
    /// -2: runtime inconsistency (also the code of ops that followed a failing multi op).
    #[error("runtime inconsistency")]
    RuntimeInconsistency,
    /// -3: data inconsistency.
    #[error("data inconsistency")]
    DataInconsistency,
    /// -4: the connection was lost before the reply arrived; the request may or may not have
    /// been applied.
    #[error("connection lost")]
    ConnectionLoss,
    /// -5: marshalling error reported by the server.
    #[error("marshalling error")]
    MarshallingError,
    /// -6: the server does not implement the operation.
    #[error(
        "operation {op} is not implemented by the server (needs ZooKeeper {min_version} or newer)"
    )]
    Unimplemented {
        /// The operation that was refused.
        op: &'static str,
        /// The first server release that has it.
        min_version: &'static str,
    },
    /// -7: the operation timed out on the server.
    #[error("operation timed out on the server")]
    OperationTimeout,
    /// -8: invalid arguments.
    #[error("bad arguments")]
    BadArguments,
    /// -13: the new configuration has no quorum.
    #[error("new config has no quorum")]
    NewConfigNoQuorum,
    /// -14: another reconfiguration is in progress.
    #[error("reconfiguration in progress")]
    ReconfigInProgress,
    /// -100: generic API error.
    #[error("API error")]
    ApiError,
    /// -101: the node does not exist.
    #[error("no node: {path}")]
    NoNode {
        /// The path the request named (chroot-relative).
        path: String,
    },
    /// -102: not authorized.
    #[error("not authorized: {path}")]
    NoAuth {
        /// The path the request named.
        path: String,
    },
    /// -103: the version given does not match the node's.
    #[error("bad version: {path}")]
    BadVersion {
        /// The path the request named.
        path: String,
    },
    /// -108: ephemeral nodes cannot have children.
    #[error("ephemeral nodes may not have children: {path}")]
    NoChildrenForEphemerals {
        /// The path the request named.
        path: String,
    },
    /// -110: the node exists already.
    #[error("node exists: {path}")]
    NodeExists {
        /// The path the request named.
        path: String,
    },
    /// -111: the node has children.
    #[error("node not empty: {path}")]
    NotEmpty {
        /// The path the request named.
        path: String,
    },
    /// -112: the session expired; every ephemeral node of it is gone.
    #[error("session expired")]
    SessionExpired,
    /// -113: invalid callback.
    #[error("invalid callback")]
    InvalidCallback,
    /// -114: invalid ACL.
    #[error("invalid ACL")]
    InvalidAcl,
    /// -115: authentication failed.
    #[error("authentication failed")]
    AuthFailed,
    /// -118: the session moved to another server.
    #[error("session moved")]
    SessionMoved,
    /// -119: a write was sent while connected to a read-only server.
    #[error("server is read-only")]
    NotReadOnly,
    /// -120: ephemeral on a local session.
    #[error("ephemeral on local session")]
    EphemeralOnLocalSession,
    /// -121: no such watcher to remove.
    #[error("no watcher: {path}")]
    NoWatcher {
        /// The path the request named.
        path: String,
    },
    /// -122: request timed out on the server.
    #[error("request timed out on the server")]
    RequestTimeout,
    /// -123: reconfiguration is disabled.
    #[error("reconfiguration disabled on the server")]
    ReconfigDisabled,
    /// -124: the server requires SASL authentication.
    #[error("the server requires SASL authentication and closed the session")]
    SessionClosedRequireSasl,
    /// -125: quota exceeded.
    #[error("quota exceeded: {path}")]
    QuotaExceeded {
        /// The path the request named.
        path: String,
    },
    /// -127: the server throttled the request.
    #[error("request throttled by the server")]
    Throttled,
    /// A server code this library does not know.
    #[error("unknown server error code {0}")]
    UnknownServerError(i32),

    // ---- client-side cases --------------------------------------------------------------
    /// The path is not a valid ZooKeeper path.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The offending path.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// The client configuration is invalid (host string, timeouts, chroot...).
    #[error("configuration error: {0}")]
    Config(String),
    /// Data or a request is larger than the server accepts (`jute.maxbuffer`).
    #[error("request of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No reply arrived within the request timeout.
    #[error("request timed out on the client")]
    Timeout,
    /// The client was closed (or never started).
    #[error("client is closed")]
    Closed,
    /// The server sent bytes that do not follow the protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A reply could not be decoded.
    #[error("malformed reply: {0}")]
    Decode(#[from] DecodeError),
    /// A socket-level error (connect refused, reset...).
    #[error("I/O error: {0}")]
    Io(Arc<std::io::Error>),
    /// TLS could not be set up: unusable settings, a server certificate that fails
    /// verification (wrong CA, wrong name), or a refused handshake (see
    /// [`crate::tls::TlsError`]).
    #[error("{0}")]
    Tls(crate::tls::TlsError),
    /// A transaction failed; `index` is the first failing op, `error` its error.
    #[error("transaction op {index} failed: {error}")]
    Transaction {
        /// Index of the failing op in the transaction.
        index: usize,
        /// The error of that op.
        error: Box<Error>,
    },
    /// The op of a failed transaction was rolled back because another op failed (kazoo's
    /// `RolledBackError`).
    #[error("rolled back: another op of the transaction failed")]
    RolledBack,
    /// The operation was interrupted or cancelled by the caller.
    #[error("operation interrupted")]
    Interrupted,
    /// A retry policy gave up.
    #[error("retries exhausted after {attempts} attempts: {last}")]
    RetryFailed {
        /// Number of attempts made.
        attempts: usize,
        /// The last error seen.
        last: Box<Error>,
    },
}

impl Error {
    /// Builds the error for a server code on a request that named `path`.
    pub fn from_code(code: ErrorCode, path: &str) -> Error {
        let path = || path.to_owned();
        match code {
            ErrorCode::Ok => Error::UnknownServerError(0),
            ErrorCode::SystemError => Error::SystemError,
            ErrorCode::RuntimeInconsistency => Error::RuntimeInconsistency,
            ErrorCode::DataInconsistency => Error::DataInconsistency,
            ErrorCode::ConnectionLoss => Error::ConnectionLoss,
            ErrorCode::MarshallingError => Error::MarshallingError,
            ErrorCode::Unimplemented => Error::Unimplemented {
                op: "request",
                min_version: "a newer release",
            },
            ErrorCode::OperationTimeout => Error::OperationTimeout,
            ErrorCode::BadArguments => Error::BadArguments,
            ErrorCode::NewConfigNoQuorum => Error::NewConfigNoQuorum,
            ErrorCode::ReconfigInProgress => Error::ReconfigInProgress,
            ErrorCode::ApiError => Error::ApiError,
            ErrorCode::NoNode => Error::NoNode { path: path() },
            ErrorCode::NoAuth => Error::NoAuth { path: path() },
            ErrorCode::BadVersion => Error::BadVersion { path: path() },
            ErrorCode::NoChildrenForEphemerals => Error::NoChildrenForEphemerals { path: path() },
            ErrorCode::NodeExists => Error::NodeExists { path: path() },
            ErrorCode::NotEmpty => Error::NotEmpty { path: path() },
            ErrorCode::SessionExpired => Error::SessionExpired,
            ErrorCode::InvalidCallback => Error::InvalidCallback,
            ErrorCode::InvalidAcl => Error::InvalidAcl,
            ErrorCode::AuthFailed => Error::AuthFailed,
            ErrorCode::SessionMoved => Error::SessionMoved,
            ErrorCode::NotReadOnly => Error::NotReadOnly,
            ErrorCode::EphemeralOnLocalSession => Error::EphemeralOnLocalSession,
            ErrorCode::NoWatcher => Error::NoWatcher { path: path() },
            ErrorCode::RequestTimeout => Error::RequestTimeout,
            ErrorCode::ReconfigDisabled => Error::ReconfigDisabled,
            ErrorCode::SessionClosedRequireSasl => Error::SessionClosedRequireSasl,
            ErrorCode::QuotaExceeded => Error::QuotaExceeded { path: path() },
            ErrorCode::Throttled => Error::Throttled,
            ErrorCode::UnknownSession => Error::SessionExpired,
            ErrorCode::Unknown(c) => Error::UnknownServerError(c),
            _ => Error::UnknownServerError(code.code()),
        }
    }

    /// The server code this error corresponds to, if it came from the server.
    pub fn code(&self) -> Option<ErrorCode> {
        use ErrorCode as C;
        Some(match self {
            Error::SystemError => C::SystemError,
            Error::RuntimeInconsistency => C::RuntimeInconsistency,
            Error::DataInconsistency => C::DataInconsistency,
            Error::ConnectionLoss => C::ConnectionLoss,
            Error::MarshallingError => C::MarshallingError,
            Error::Unimplemented { .. } => C::Unimplemented,
            Error::OperationTimeout => C::OperationTimeout,
            Error::BadArguments => C::BadArguments,
            Error::NewConfigNoQuorum => C::NewConfigNoQuorum,
            Error::ReconfigInProgress => C::ReconfigInProgress,
            Error::ApiError => C::ApiError,
            Error::NoNode { .. } => C::NoNode,
            Error::NoAuth { .. } => C::NoAuth,
            Error::BadVersion { .. } => C::BadVersion,
            Error::NoChildrenForEphemerals { .. } => C::NoChildrenForEphemerals,
            Error::NodeExists { .. } => C::NodeExists,
            Error::NotEmpty { .. } => C::NotEmpty,
            Error::SessionExpired => C::SessionExpired,
            Error::InvalidCallback => C::InvalidCallback,
            Error::InvalidAcl => C::InvalidAcl,
            Error::AuthFailed => C::AuthFailed,
            Error::SessionMoved => C::SessionMoved,
            Error::NotReadOnly => C::NotReadOnly,
            Error::EphemeralOnLocalSession => C::EphemeralOnLocalSession,
            Error::NoWatcher { .. } => C::NoWatcher,
            Error::RequestTimeout => C::RequestTimeout,
            Error::ReconfigDisabled => C::ReconfigDisabled,
            Error::SessionClosedRequireSasl => C::SessionClosedRequireSasl,
            Error::QuotaExceeded { .. } => C::QuotaExceeded,
            Error::Throttled => C::Throttled,
            Error::UnknownServerError(c) => C::Unknown(*c),
            _ => return None,
        })
    }

    /// True when the connection dropped or a reply did not come in time: the request may have
    /// been applied or not.
    pub fn is_connection_loss(&self) -> bool {
        matches!(self, Error::ConnectionLoss | Error::Io(_) | Error::Timeout)
    }

    /// True when the session is gone for good (expired, auth failed, closed): retrying on this
    /// client cannot succeed.
    pub fn is_session_terminal(&self) -> bool {
        matches!(
            self,
            Error::SessionExpired
                | Error::AuthFailed
                | Error::Closed
                | Error::SessionClosedRequireSasl
        )
    }

    /// True for errors KazooRetry retries by default: connection loss, operation timeouts and
    /// server-side throttling.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::ConnectionLoss
                | Error::Io(_)
                | Error::Timeout
                | Error::OperationTimeout
                | Error::RequestTimeout
                | Error::Throttled
                | Error::SessionMoved
        )
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(Arc::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_code_maps_back() {
        for c in ErrorCode::ALL {
            if c == ErrorCode::Ok || c == ErrorCode::UnknownSession {
                continue;
            }
            let e = Error::from_code(c, "/x");
            assert_eq!(e.code(), Some(c), "{c:?}");
        }
    }
}
