//! The async lock types: [`Lock`] (exclusive), [`ReadLock`] and [`WriteLock`] (the two sides
//! of a shared lock), and their [`LockOptions`].

use super::contender::{Core, Kind, Settings};
use super::guard::LockGuard;
use super::names::{LOCK_NAME, READ_LOCK_NAME};
use super::LockError;
use crate::fencing::Grant;
use bytes::Bytes;
use kazoo_client::{Client, Error};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

const EXCLUSIVE: Kind = Kind {
    node_name: LOCK_NAME,
    blockers: &[LOCK_NAME],
};
const WRITE: Kind = Kind {
    node_name: LOCK_NAME,
    blockers: &[LOCK_NAME, READ_LOCK_NAME],
};
const READ: Kind = Kind {
    node_name: READ_LOCK_NAME,
    blockers: &[LOCK_NAME],
};

/// Options of a lock (kazoo's `Lock(client, path, identifier, extra_lock_patterns)` and
/// `acquire(ephemeral=...)`).
///
/// ```
/// use kazoo_recipes::lock::LockOptions;
/// let opts = LockOptions::new()
///     .identifier("worker-7")
///     .extra_lock_patterns(["-lock-"]) // also honour Curator's InterProcessMutex nodes
///     .lost_on_suspend(true);
/// ```
#[derive(Debug, Clone)]
pub struct LockOptions {
    identifier: String,
    extra_patterns: Vec<String>,
    ephemeral: bool,
    lost_on_suspend: bool,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            identifier: String::new(),
            extra_patterns: Vec::new(),
            ephemeral: true,
            lost_on_suspend: false,
        }
    }
}

impl LockOptions {
    /// No identifier, no extra patterns, ephemeral nodes, suspensions not counted as loss.
    pub fn new() -> LockOptions {
        LockOptions::default()
    }

    /// The identifier stored (UTF-8) as our contender node's data; [`Lock::contenders`]
    /// lists them.
    pub fn identifier(mut self, identifier: impl Into<String>) -> LockOptions {
        self.identifier = identifier.into();
        self
    }

    /// Names of other implementations' contender nodes that take part too, such as Curator's
    /// `-lock-` (its nodes are `_c_<uuid>-lock-<seq>`). A child takes part when its name ends
    /// with one of the patterns followed by a sequence suffix. Patterns are literal text
    /// (kazoo puts them into a regular expression unescaped; the patterns in use have no
    /// special characters).
    pub fn extra_lock_patterns<I, S>(mut self, patterns: I) -> LockOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Ephemeral contender nodes (the default). With `false` the node is persistent
    /// (kazoo's `acquire(ephemeral=False)`): it survives the session, so a lost session does
    /// not release the lock, and nothing but [`Lock::release`] does.
    pub fn ephemeral(mut self, yes: bool) -> LockOptions {
        self.ephemeral = yes;
        self
    }

    /// Fire the grant's lost signal as soon as the connection is suspended (see
    /// [`crate::fencing::GrantOptions::lost_on_suspend`]).
    pub fn lost_on_suspend(mut self, yes: bool) -> LockOptions {
        self.lost_on_suspend = yes;
        self
    }

    fn settings(self) -> Settings {
        Settings {
            identifier: Bytes::from(self.identifier.into_bytes()),
            extra_patterns: self.extra_patterns,
            ephemeral: self.ephemeral,
            lost_on_suspend: self.lost_on_suspend,
        }
    }
}

/// An exclusive lock, znode-compatible with Python kazoo's `Lock`: a contender is the node
/// `{path}/{uuid}__lock__{seq}` (ephemeral and sequential, data = identifier), the lowest
/// sequence holds the lock, every other contender watches only the one right before it.
///
/// Guarantees:
/// - mutual exclusion with every other `Lock` or [`WriteLock`] on the same path, Python's
///   included; [`ReadLock`] contenders wait for it, but, as in kazoo, it does not wait for
///   readers that came first (pair [`ReadLock`] with [`WriteLock`] for a shared lock);
/// - fairness: contenders are served in the order their nodes were created;
/// - each grant comes with a [`crate::fencing::FencingToken`] (our node's creation zxid, so
///   tokens of successive grants strictly increase) and a lost signal (see [`LockGuard`]);
/// - no orphan nodes: a create whose reply was lost is found again by our unique prefix, and a
///   failed, timed out or cancelled acquire deletes its node, retrying until it is gone;
/// - no watch left on the server after a release, timeout or cancel;
/// - not re-entrant, as kazoo: a second acquire on the same object while it holds the lock
///   returns `None` at once ([`Lock::try_acquire`]), times out ([`Lock::acquire_timeout`]) or
///   waits until the first grant is released and then contends anew ([`Lock::acquire`]).
///
/// `Lock` is a cheap handle (clones share one lock object), so a pending acquire can be
/// cancelled from another task with [`Lock::cancel`].
///
/// ```no_run
/// # async fn f() -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::lock::{Lock, LockOptions};
/// use std::time::Duration;
/// let client = kazoo_client::Client::connect("127.0.0.1:2181").await?;
/// let lock = Lock::with_options(&client, "/locks/db", LockOptions::new().identifier("host-1"));
/// let guard = lock.acquire_timeout(Duration::from_secs(5)).await?;
/// // ... only one process at a time gets here ...
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Lock {
    core: Arc<Core>,
}

impl Lock {
    /// A lock on `path` with default options.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let lock = kazoo_recipes::lock::Lock::new(&client, "/locks/db");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> Lock {
        Lock::with_options(client, path, LockOptions::new())
    }

    /// A lock on `path` with `options`.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// use kazoo_recipes::lock::{Lock, LockOptions};
    /// let lock = Lock::with_options(&client, "/locks/db", LockOptions::new().identifier("me"));
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> Lock {
        Lock::of_kind(client, path, EXCLUSIVE, options)
    }

    fn of_kind(client: &Client, path: &str, kind: Kind, options: LockOptions) -> Lock {
        Lock {
            core: Arc::new(Core::new(client, path, kind, options.settings())),
        }
    }

    /// Waits until the lock is ours (kazoo's `acquire()`). Fails with
    /// [`LockError::Cancelled`] after [`Lock::cancel`], or with a client error that retrying
    /// cannot cure (the client was closed, no permission...). Connection losses and session
    /// expiries are ridden out.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let guard = lock.acquire().await?;
    /// guard.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn acquire(&self) -> Result<LockGuard, LockError> {
        self.core
            .acquire(true, None)
            .await?
            .ok_or(LockError::Client(Error::Interrupted))
    }

    /// Takes the lock if nobody holds it or waits for it, without waiting (kazoo's
    /// `acquire(blocking=False)`): `Ok(None)` otherwise, and our node is deleted again.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// match lock.try_acquire().await? {
    ///     Some(guard) => guard.release().await?,
    ///     None => println!("busy"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn try_acquire(&self) -> Result<Option<LockGuard>, LockError> {
        self.core.acquire(false, None).await
    }

    /// Waits at most `timeout` (kazoo's `acquire(timeout=...)`); then fails with
    /// [`LockError::Timeout`] (where kazoo returns `False` for a re-entrant call or a retry
    /// deadline, this returns the same error) and our node is deleted again.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// use std::time::Duration;
    /// match lock.acquire_timeout(Duration::from_secs(2)).await {
    ///     Ok(guard) => guard.release().await?,
    ///     Err(e) if e.is_timeout() => println!("still busy"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<LockGuard, LockError> {
        self.core
            .acquire(true, Some(timeout))
            .await?
            .ok_or(LockError::Client(Error::Interrupted))
    }

    /// Cancels a pending acquire (kazoo's `cancel()`): it fails with
    /// [`LockError::Cancelled`] after deleting its node. As in kazoo the request stays set
    /// until an acquire sees it: called while no acquire is pending, it cancels the next one.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) {
    /// let waiter = lock.clone();
    /// let pending = tokio::spawn(async move { waiter.acquire().await });
    /// lock.cancel();
    /// assert!(pending.await.unwrap().unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.core.cancel();
    }

    /// Releases the lock if this object holds it (kazoo's `release()`): `Ok(true)` when it
    /// did. The lost signal of the grant fires with `Released`, then the node is deleted.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let _guard = lock.acquire().await?;
    /// assert!(lock.release().await?);
    /// assert!(!lock.release().await?);
    /// # Ok(()) }
    /// ```
    pub async fn release(&self) -> Result<bool, LockError> {
        self.core.release(None).await
    }

    /// The identifiers of the current contenders, the holder first (kazoo's
    /// `contenders()`; a contender without identifier appears as an empty string). A plain
    /// lock lists `__lock__` contenders (and those of its extra patterns); read and write
    /// locks list readers too.
    ///
    /// ```no_run
    /// # async fn f(lock: kazoo_recipes::lock::Lock) -> Result<(), kazoo_recipes::lock::LockError> {
    /// if let Some(holder) = lock.contenders().await?.first() { println!("held by {holder}"); }
    /// # Ok(()) }
    /// ```
    pub async fn contenders(&self) -> Result<Vec<String>, LockError> {
        self.core.contenders().await
    }

    /// True while this object holds the lock (kazoo's `is_acquired`).
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::Lock) { if lock.is_acquired() { /* ... */ } }
    /// ```
    pub fn is_acquired(&self) -> bool {
        self.core.is_held()
    }

    /// The current grant (token, lost signal), while held.
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::Lock) {
    /// if let Some(grant) = lock.grant() { println!("token {}", grant.token()); }
    /// # }
    /// ```
    pub fn grant(&self) -> Option<Grant> {
        self.core.grant()
    }

    /// The lock path.
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::Lock) { assert_eq!(lock.path(), "/locks/db"); }
    /// ```
    pub fn path(&self) -> &str {
        &self.core.path
    }

    /// The client this lock uses.
    ///
    /// ```no_run
    /// # fn f(lock: kazoo_recipes::lock::Lock) { let _zk = lock.client(); }
    /// ```
    pub fn client(&self) -> &Client {
        &self.core.client
    }
}

/// The write side of a shared lock (kazoo's `WriteLock`): a `__lock__` contender that waits
/// for every earlier contender, readers included. Dereferences to [`Lock`] for every method.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::lock::WriteLock;
/// let lock = WriteLock::new(&client, "/locks/table");
/// let guard = lock.acquire().await?; // no reader and no other writer from here on
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WriteLock(Lock);

impl WriteLock {
    /// A write lock on `path` with default options.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let lock = kazoo_recipes::lock::WriteLock::new(&client, "/locks/table");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> WriteLock {
        WriteLock::with_options(client, path, LockOptions::new())
    }

    /// A write lock on `path` with `options`.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// use kazoo_recipes::lock::{LockOptions, WriteLock};
    /// let lock = WriteLock::with_options(&client, "/locks/table", LockOptions::new().identifier("w"));
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> WriteLock {
        WriteLock(Lock::of_kind(client, path, WRITE, options))
    }
}

impl Deref for WriteLock {
    type Target = Lock;
    fn deref(&self) -> &Lock {
        &self.0
    }
}

/// The read side of a shared lock (kazoo's `ReadLock`): a `__rlock__` contender that waits
/// only for earlier `__lock__` contenders (writers and plain locks), so readers share the
/// lock. Dereferences to [`Lock`] for every method.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::lock::ReadLock;
/// let lock = ReadLock::new(&client, "/locks/table");
/// let guard = lock.acquire().await?; // other readers may hold it too, no writer does
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ReadLock(Lock);

impl ReadLock {
    /// A read lock on `path` with default options.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let lock = kazoo_recipes::lock::ReadLock::new(&client, "/locks/table");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> ReadLock {
        ReadLock::with_options(client, path, LockOptions::new())
    }

    /// A read lock on `path` with `options`.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// use kazoo_recipes::lock::{LockOptions, ReadLock};
    /// let lock = ReadLock::with_options(&client, "/locks/table", LockOptions::new().identifier("r"));
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> ReadLock {
        ReadLock(Lock::of_kind(client, path, READ, options))
    }
}

impl Deref for ReadLock {
    type Target = Lock;
    fn deref(&self) -> &Lock {
        &self.0
    }
}
