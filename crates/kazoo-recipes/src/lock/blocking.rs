//! Blocking locks: thin wrappers that run the async locks on the blocking client's runtime.
//! Call them from plain threads, not from async code (tokio forbids blocking its workers).

use super::{Lock, LockError, LockGuard, LockOptions, ReadLock, WriteLock};
use crate::fencing::Grant;
use kazoo_client::blocking::Client;
use std::ops::Deref;
use std::time::Duration;
use tokio::runtime::Handle;

/// A blocking [`Lock`]: the same lock, each method blocking the calling thread. Clones share
/// the lock object, so [`BlockingLock::cancel`] from another thread stops a pending acquire.
///
/// ```no_run
/// use kazoo_recipes::lock::{BlockingLock, LockOptions};
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let lock = BlockingLock::with_options(&zk, "/locks/db", LockOptions::new().identifier("me"));
/// let guard = lock.acquire()?;
/// // ... exclusive work ...
/// guard.release()?;
/// # Ok::<(), kazoo_recipes::lock::LockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingLock {
    inner: Lock,
    rt: Handle,
}

impl BlockingLock {
    /// A lock on `path` with default options.
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::blocking::Client) {
    /// let lock = kazoo_recipes::lock::BlockingLock::new(&zk, "/locks/db");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> BlockingLock {
        BlockingLock::with_options(client, path, LockOptions::new())
    }

    /// A lock on `path` with `options`.
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::blocking::Client) {
    /// use kazoo_recipes::lock::{BlockingLock, LockOptions};
    /// let lock = BlockingLock::with_options(&zk, "/locks/db", LockOptions::new().ephemeral(true));
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> BlockingLock {
        BlockingLock::from_async(Lock::with_options(client.as_async(), path, options), client)
    }

    /// Wraps an async lock whose client is `client`'s.
    fn from_async(inner: Lock, client: &Client) -> BlockingLock {
        BlockingLock {
            inner,
            rt: client.runtime_handle(),
        }
    }

    fn guard(&self, g: LockGuard) -> BlockingLockGuard {
        BlockingLockGuard {
            inner: g,
            rt: self.rt.clone(),
        }
    }

    /// See [`Lock::acquire`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let guard = lock.acquire()?;
    /// # Ok(()) }
    /// ```
    pub fn acquire(&self) -> Result<BlockingLockGuard, LockError> {
        let g = self.rt.block_on(self.inner.acquire())?;
        Ok(self.guard(g))
    }

    /// See [`Lock::try_acquire`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// if let Some(guard) = lock.try_acquire()? { guard.release()?; }
    /// # Ok(()) }
    /// ```
    pub fn try_acquire(&self) -> Result<Option<BlockingLockGuard>, LockError> {
        let g = self.rt.block_on(self.inner.try_acquire())?;
        Ok(g.map(|g| self.guard(g)))
    }

    /// See [`Lock::acquire_timeout`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let guard = lock.acquire_timeout(std::time::Duration::from_secs(3))?;
    /// # Ok(()) }
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<BlockingLockGuard, LockError> {
        let g = self.rt.block_on(self.inner.acquire_timeout(timeout))?;
        Ok(self.guard(g))
    }

    /// See [`Lock::cancel`]; callable from any thread.
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) {
    /// let other = lock.clone();
    /// let t = std::thread::spawn(move || other.acquire().map(|_| ()));
    /// lock.cancel();
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.inner.cancel()
    }

    /// See [`Lock::release`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// lock.release()?;
    /// # Ok(()) }
    /// ```
    pub fn release(&self) -> Result<bool, LockError> {
        self.rt.block_on(self.inner.release())
    }

    /// See [`Lock::contenders`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// println!("{:?}", lock.contenders()?);
    /// # Ok(()) }
    /// ```
    pub fn contenders(&self) -> Result<Vec<String>, LockError> {
        self.rt.block_on(self.inner.contenders())
    }

    /// See [`Lock::is_acquired`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) { let _ = lock.is_acquired(); }
    /// ```
    pub fn is_acquired(&self) -> bool {
        self.inner.is_acquired()
    }

    /// See [`Lock::grant`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) { let _ = lock.grant(); }
    /// ```
    pub fn grant(&self) -> Option<Grant> {
        self.inner.grant()
    }

    /// See [`Lock::path`].
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) { println!("{}", lock.path()); }
    /// ```
    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// The async lock underneath.
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::BlockingLock) { let _async = lock.as_async().clone(); }
    /// ```
    pub fn as_async(&self) -> &Lock {
        &self.inner
    }
}

/// A blocking [`WriteLock`]; dereferences to [`BlockingLock`] for every method.
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let lock = kazoo_recipes::lock::BlockingWriteLock::new(&zk, "/locks/table");
/// lock.acquire()?.release()?;
/// # Ok::<(), kazoo_recipes::lock::LockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingWriteLock(BlockingLock);

impl BlockingWriteLock {
    /// A write lock on `path` with default options.
    pub fn new(client: &Client, path: &str) -> BlockingWriteLock {
        BlockingWriteLock::with_options(client, path, LockOptions::new())
    }

    /// A write lock on `path` with `options`.
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> BlockingWriteLock {
        let lock = WriteLock::with_options(client.as_async(), path, options);
        BlockingWriteLock(BlockingLock::from_async(lock.deref().clone(), client))
    }
}

impl Deref for BlockingWriteLock {
    type Target = BlockingLock;
    fn deref(&self) -> &BlockingLock {
        &self.0
    }
}

/// A blocking [`ReadLock`]; dereferences to [`BlockingLock`] for every method.
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let lock = kazoo_recipes::lock::BlockingReadLock::new(&zk, "/locks/table");
/// lock.acquire()?.release()?;
/// # Ok::<(), kazoo_recipes::lock::LockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingReadLock(BlockingLock);

impl BlockingReadLock {
    /// A read lock on `path` with default options.
    pub fn new(client: &Client, path: &str) -> BlockingReadLock {
        BlockingReadLock::with_options(client, path, LockOptions::new())
    }

    /// A read lock on `path` with `options`.
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> BlockingReadLock {
        let lock = ReadLock::with_options(client.as_async(), path, options);
        BlockingReadLock(BlockingLock::from_async(lock.deref().clone(), client))
    }
}

impl Deref for BlockingReadLock {
    type Target = BlockingLock;
    fn deref(&self) -> &BlockingLock {
        &self.0
    }
}

/// A held blocking lock. [`BlockingLockGuard::release`] blocks until our node is deleted;
/// dropping the guard releases in the background on the client's runtime.
///
/// ```no_run
/// # fn f(lock: kazoo_recipes::lock::BlockingLock) -> Result<(), kazoo_recipes::lock::LockError> {
/// let guard = lock.acquire()?;
/// if guard.lost_signal().wait_blocking(Some(std::time::Duration::from_secs(1))).is_none() {
///     println!("still ours after a second, token {}", guard.token());
/// }
/// guard.release()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard releases the lock"]
pub struct BlockingLockGuard {
    inner: LockGuard,
    rt: Handle,
}

impl std::ops::Deref for BlockingLockGuard {
    type Target = Grant;
    fn deref(&self) -> &Grant {
        self.inner.grant()
    }
}

impl BlockingLockGuard {
    /// See [`LockGuard::grant`]; the guard dereferences to the grant too
    /// ([`crate::fencing::LostSignal::wait_blocking`] waits for its lost signal).
    pub fn grant(&self) -> &Grant {
        self.inner.grant()
    }

    /// See [`LockGuard::release`].
    pub fn release(self) -> Result<(), LockError> {
        let BlockingLockGuard { inner, rt } = self;
        rt.block_on(inner.release())
    }
}
