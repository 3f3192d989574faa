//! [`LockGuard`]: proof of a held lock, with its fencing token and lost signal; releases the
//! lock when dropped.

use super::contender::Core;
use super::LockError;
use crate::fencing::Grant;
use std::fmt;
use std::sync::Arc;
use tokio::runtime::Handle;

/// A held lock (plain, read or write). Release it with [`LockGuard::release`]; dropping it
/// releases it too, in a task spawned on the runtime that acquired it (Rust has no async
/// drop), so prefer the explicit release where you can wait for it.
///
/// The guard only releases *its* grant: after the lock was released another way (through
/// [`super::Lock::release`]) and acquired again, dropping an old guard does nothing.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::lock::Lock;
/// let lock = Lock::new(&client, "/locks/nightly");
/// let guard = lock.acquire().await?;
/// println!("holding {} with token {}", guard.node_path(), guard.token());
/// tokio::select! {
///     reason = guard.lost_signal().lost() => eprintln!("lost the lock: {reason}"),
///     _ = async { /* the work */ } => {}
/// }
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[must_use = "dropping the guard releases the lock"]
pub struct LockGuard {
    core: Arc<Core>,
    generation: u64,
    grant: Grant,
    rt: Handle,
    done: bool,
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("path", &self.core.path)
            .field("node", &self.grant.node_path())
            .field("token", &self.grant.token())
            .field("lost", &self.grant.lost_reason())
            .finish()
    }
}

impl LockGuard {
    pub(crate) fn new(core: Arc<Core>, generation: u64, grant: Grant, rt: Handle) -> LockGuard {
        LockGuard {
            core,
            generation,
            grant,
            rt,
            done: false,
        }
    }

    /// The grant: token, lost signal, guarded transactions. The guard also dereferences to
    /// it, so `guard.token()`, `guard.lost_signal()`, `guard.is_lost()` and
    /// `guard.node_path()` (our contender node) read the grant directly.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// Releases the lock: the lost signal fires with `Released`, then our node is deleted
    /// (through connection losses, until it is gone). Returns once it is deleted.
    pub async fn release(mut self) -> Result<(), LockError> {
        self.done = true;
        self.core.release(Some(self.generation)).await.map(|_| ())
    }
}

impl std::ops::Deref for LockGuard {
    type Target = Grant;
    fn deref(&self) -> &Grant {
        &self.grant
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let core = self.core.clone();
        let generation = self.generation;
        self.rt.spawn(async move {
            if let Err(e) = core.release(Some(generation)).await {
                tracing::warn!(path = %core.path, error = %e, "releasing a dropped lock guard failed");
            }
        });
    }
}
