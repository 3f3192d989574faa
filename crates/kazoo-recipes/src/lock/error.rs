//! The error of the lock family (locks, semaphore, election): kazoo's `LockTimeout` and
//! `CancelledError`, the semaphore's max-leases check, and client errors.

use std::time::Duration;

/// What can go wrong with a lock, semaphore or election.
///
/// ```
/// use kazoo_recipes::lock::LockError;
/// let e = LockError::Cancelled { path: "/locks/a".into() };
/// assert!(e.is_cancelled());
/// assert!(!e.is_timeout());
/// let e: LockError = kazoo_client::Error::ConnectionLoss.into();
/// assert!(matches!(e, LockError::Client(_)));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The wait ended before the grant (kazoo's `LockTimeout`).
    #[error("not acquired within {after:?}: {path}")]
    Timeout {
        /// The lock or semaphore path.
        path: String,
        /// The time limit that passed.
        after: Duration,
    },
    /// A pending acquire was cancelled (kazoo's `CancelledError`).
    #[error("acquire cancelled: {path}")]
    Cancelled {
        /// The lock or semaphore path.
        path: String,
    },
    /// The semaphore node stores another maximum number of leases than this instance's
    /// (kazoo raises `ValueError`).
    #[error("inconsistent max leases on {path}: the node says {stored}, this instance {ours}")]
    InconsistentMaxLeases {
        /// The semaphore path.
        path: String,
        /// The number stored in the node.
        stored: i64,
        /// This instance's number.
        ours: u32,
    },
    /// A ZooKeeper call failed.
    #[error(transparent)]
    Client(#[from] kazoo_client::Error),
}

impl LockError {
    /// True for [`LockError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, LockError::Timeout { .. })
    }

    /// True for [`LockError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, LockError::Cancelled { .. })
    }
}
