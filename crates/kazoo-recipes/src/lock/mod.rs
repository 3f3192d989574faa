//! Locks: Lock, ReadLock and WriteLock, compatible with Python kazoo's znode layout.
//!
//! - [`Lock`]: an exclusive lock; [`WriteLock`] and [`ReadLock`]: the two sides of a shared
//!   lock (readers share it, a writer excludes everyone). All three on the same path work
//!   together, and together with Python kazoo's `Lock`, `WriteLock` and `ReadLock` (and, with
//!   [`LockOptions::extra_lock_patterns`], Curator's `InterProcessMutex`).
//! - Every grant is a [`LockGuard`] with a [`crate::fencing::FencingToken`] and a
//!   [`crate::fencing::LostSignal`].
//! - [`BlockingLock`], [`BlockingReadLock`] and [`BlockingWriteLock`] for code without an async
//!   runtime.
//!
//! Layout (see `KAZOO_COMPAT.md`): contenders are `{path}/{uuid}__lock__{seq}` (readers
//! `__rlock__`), ephemeral-sequential, data = identifier. A contender is blocked by earlier
//! `__lock__` nodes and, unless it is a reader, by earlier `__rlock__` nodes; it watches only
//! the blocking contender right before it.
//!
//! ```no_run
//! # async fn f() -> Result<(), kazoo_recipes::lock::LockError> {
//! use kazoo_recipes::lock::{ReadLock, WriteLock};
//! let client = kazoo_client::Client::connect("127.0.0.1:2181").await?;
//! let reader = ReadLock::new(&client, "/locks/table");
//! let writer = WriteLock::new(&client, "/locks/table");
//! let r = reader.acquire().await?;
//! assert!(writer.try_acquire().await?.is_none()); // a reader holds it
//! r.release().await?;
//! let w = writer.acquire().await?;
//! w.release().await?;
//! # Ok(()) }
//! ```

mod blocking;
pub(crate) mod contender;
pub(crate) mod delete;
mod error;
mod guard;
mod kinds;
mod names;
pub(crate) mod wait;

pub use blocking::{BlockingLock, BlockingLockGuard, BlockingReadLock, BlockingWriteLock};
pub use error::LockError;
pub use guard::LockGuard;
pub use kinds::{Lock, LockOptions, ReadLock, WriteLock};
