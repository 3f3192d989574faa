//! The blocking semaphore: a thin wrapper running [`Semaphore`] on the blocking client's
//! runtime. Call it from plain threads, not from async code.

use super::{Semaphore, SemaphoreGuard, SemaphoreOptions};
use crate::fencing::Grant;
use crate::lock::LockError;
use kazoo_client::blocking::Client;
use std::time::Duration;
use tokio::runtime::Handle;

/// A blocking [`Semaphore`]. Clones share the semaphore object, so
/// [`BlockingSemaphore::cancel`] from another thread stops an acquire in progress.
///
/// ```no_run
/// use kazoo_recipes::semaphore::{BlockingSemaphore, SemaphoreOptions};
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let sem = BlockingSemaphore::with_options(&zk, "/pools/db", SemaphoreOptions::new(2));
/// let lease = sem.acquire()?;
/// lease.release()?;
/// # Ok::<(), kazoo_recipes::lock::LockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingSemaphore {
    inner: Semaphore,
    rt: Handle,
}

impl BlockingSemaphore {
    /// A semaphore on `path` allowing `max_leases` holders.
    pub fn new(client: &Client, path: &str, max_leases: u32) -> BlockingSemaphore {
        BlockingSemaphore::with_options(client, path, SemaphoreOptions::new(max_leases))
    }

    /// A semaphore on `path` with `options`.
    pub fn with_options(
        client: &Client,
        path: &str,
        options: SemaphoreOptions,
    ) -> BlockingSemaphore {
        BlockingSemaphore {
            inner: Semaphore::with_options(client.as_async(), path, options),
            rt: client.runtime_handle(),
        }
    }

    fn guard(&self, inner: SemaphoreGuard) -> BlockingSemaphoreGuard {
        BlockingSemaphoreGuard {
            inner,
            rt: self.rt.clone(),
        }
    }

    /// See [`Semaphore::acquire`].
    pub fn acquire(&self) -> Result<BlockingSemaphoreGuard, LockError> {
        let g = self.rt.block_on(self.inner.acquire())?;
        Ok(self.guard(g))
    }

    /// See [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> Result<Option<BlockingSemaphoreGuard>, LockError> {
        let g = self.rt.block_on(self.inner.try_acquire())?;
        Ok(g.map(|g| self.guard(g)))
    }

    /// See [`Semaphore::acquire_timeout`].
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<BlockingSemaphoreGuard, LockError> {
        let g = self.rt.block_on(self.inner.acquire_timeout(timeout))?;
        Ok(self.guard(g))
    }

    /// See [`Semaphore::cancel`]; callable from any thread.
    pub fn cancel(&self) {
        self.inner.cancel()
    }

    /// See [`Semaphore::release`].
    pub fn release(&self) -> Result<bool, LockError> {
        self.rt.block_on(self.inner.release())
    }

    /// See [`Semaphore::lease_holders`].
    pub fn lease_holders(&self) -> Result<Vec<String>, LockError> {
        self.rt.block_on(self.inner.lease_holders())
    }

    /// See [`Semaphore::is_acquired`].
    pub fn is_acquired(&self) -> bool {
        self.inner.is_acquired()
    }

    /// The async semaphore underneath.
    pub fn as_async(&self) -> &Semaphore {
        &self.inner
    }
}

/// A held blocking semaphore lease; dropping it releases the lease in the background.
///
/// ```no_run
/// # fn f(sem: kazoo_recipes::semaphore::BlockingSemaphore) -> Result<(), kazoo_recipes::lock::LockError> {
/// let lease = sem.acquire()?;
/// println!("token {}", lease.token());
/// lease.release()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard releases the lease"]
pub struct BlockingSemaphoreGuard {
    inner: SemaphoreGuard,
    rt: Handle,
}

impl std::ops::Deref for BlockingSemaphoreGuard {
    type Target = Grant;
    fn deref(&self) -> &Grant {
        self.inner.grant()
    }
}

impl BlockingSemaphoreGuard {
    /// See [`SemaphoreGuard::grant`]; the guard dereferences to the grant too.
    pub fn grant(&self) -> &Grant {
        self.inner.grant()
    }

    /// See [`SemaphoreGuard::release`].
    pub fn release(self) -> Result<(), LockError> {
        let BlockingSemaphoreGuard { inner, rt } = self;
        rt.block_on(inner.release())
    }
}
