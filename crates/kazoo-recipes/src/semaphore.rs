//! Semaphore: a bounded number of lease holders, compatible with kazoo.
//!
//! Layout (kazoo's, see `KAZOO_COMPAT.md`): the node `{path}` stores `max_leases` as decimal
//! text; each lease is the ephemeral node `{path}/{uuid}` with the identifier as data; a lock
//! at the sibling path `{path}-__lock__` guards the count, so Rust and Python holders are
//! counted together.

mod blocking;

pub use blocking::{BlockingSemaphore, BlockingSemaphoreGuard};

use crate::fencing::{FencingToken, Grant, GrantOptions, LostReason};
use crate::lock::contender::{join, new_uuid, NodeCleanup};
use crate::lock::delete::delete_confirmed;
use crate::lock::wait::{is_transient, CancelFlag, Waiter};
use crate::lock::{Lock, LockError, LockOptions};
use bytes::Bytes;
use kazoo_client::{Client, CreateOptions, Error, Stat, WatcherType};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Handle;

/// How long an interrupted wait waits for the removal of its watch.
const UNWATCH_WAIT: Duration = Duration::from_secs(1);

/// Options of a semaphore (kazoo's `Semaphore(client, path, identifier, max_leases)`).
///
/// ```
/// use kazoo_recipes::semaphore::SemaphoreOptions;
/// let opts = SemaphoreOptions::new(3).identifier("worker-1").lost_on_suspend(true);
/// assert_eq!(opts.max_leases(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct SemaphoreOptions {
    identifier: String,
    max_leases: u32,
    lost_on_suspend: bool,
}

impl SemaphoreOptions {
    /// `max_leases` leases (kazoo's default is 1), no identifier.
    pub fn new(max_leases: u32) -> SemaphoreOptions {
        SemaphoreOptions {
            identifier: String::new(),
            max_leases,
            lost_on_suspend: false,
        }
    }

    /// The identifier stored as our lease node's data ([`Semaphore::lease_holders`] lists
    /// them).
    pub fn identifier(mut self, identifier: impl Into<String>) -> SemaphoreOptions {
        self.identifier = identifier.into();
        self
    }

    /// Fire a lease's lost signal as soon as the connection is suspended (see
    /// [`GrantOptions::lost_on_suspend`]).
    pub fn lost_on_suspend(mut self, yes: bool) -> SemaphoreOptions {
        self.lost_on_suspend = yes;
        self
    }

    /// The maximum number of leases.
    pub fn max_leases(&self) -> u32 {
        self.max_leases
    }
}

/// A distributed semaphore: at most `max_leases` holders at a time, Python kazoo's included.
///
/// Guarantees:
/// - at most `max_leases` leases exist (every process that creates one holds the guard lock
///   `{path}-__lock__` while it counts and creates);
/// - the stored maximum is checked once per object, on the first acquire: if `{path}` holds
///   another number, acquire fails with [`LockError::InconsistentMaxLeases`] (delete the node
///   to change the maximum); data that is not a number is ignored, as kazoo does;
/// - each lease comes with a fencing token (its node's creation zxid) and a lost signal;
/// - a timed out or cancelled acquire leaves no node and no watch behind;
/// - as in kazoo, a second acquire while this object holds a lease returns that lease (both
///   guards stand for the one lease: releasing or dropping either gives it back), and a
///   [`Semaphore::cancel`] only cancels an acquire in progress (each acquire clears it first).
///
/// ```no_run
/// # async fn f() -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::semaphore::{Semaphore, SemaphoreOptions};
/// let client = kazoo_client::Client::connect("127.0.0.1:2181").await?;
/// let sem = Semaphore::with_options(&client, "/pools/db", SemaphoreOptions::new(3).identifier("me"));
/// let lease = sem.acquire().await?;
/// // ... at most three processes are here ...
/// lease.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Semaphore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Client,
    path: String,
    lease_path: String,
    lease_name: String,
    data: Bytes,
    max_leases: u32,
    lost_on_suspend: bool,
    guard_lock: Lock,
    acquiring: tokio::sync::Mutex<()>,
    held: Mutex<Option<Held>>,
    cancel: CancelFlag,
    checked: AtomicBool,
    generation: AtomicU64,
}

#[derive(Debug)]
struct Held {
    grant: Grant,
    generation: u64,
}

impl Semaphore {
    /// A semaphore on `path` allowing `max_leases` holders.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let sem = kazoo_recipes::semaphore::Semaphore::new(&client, "/pools/db", 3);
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str, max_leases: u32) -> Semaphore {
        Semaphore::with_options(client, path, SemaphoreOptions::new(max_leases))
    }

    /// A semaphore on `path` with `options`.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// use kazoo_recipes::semaphore::{Semaphore, SemaphoreOptions};
    /// let sem = Semaphore::with_options(&client, "/pools/db", SemaphoreOptions::new(2).identifier("a"));
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: SemaphoreOptions) -> Semaphore {
        let lease_name = new_uuid();
        let guard_lock = Lock::with_options(
            client,
            &format!("{path}-__lock__"),
            LockOptions::new().identifier(guard_lock_identifier(&options.identifier)),
        );
        Semaphore {
            inner: Arc::new(Inner {
                client: client.clone(),
                path: path.to_owned(),
                lease_path: join(path, &lease_name),
                lease_name,
                data: Bytes::from(options.identifier.into_bytes()),
                max_leases: options.max_leases,
                lost_on_suspend: options.lost_on_suspend,
                guard_lock,
                acquiring: tokio::sync::Mutex::new(()),
                held: Mutex::new(None),
                cancel: CancelFlag::default(),
                checked: AtomicBool::new(false),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// Waits for a lease (kazoo's `acquire()`). Fails with [`LockError::Cancelled`] after
    /// [`Semaphore::cancel`], with [`LockError::InconsistentMaxLeases`], or with a client error
    /// retrying cannot cure; connection losses and session expiries are ridden out.
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let lease = sem.acquire().await?;
    /// lease.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn acquire(&self) -> Result<SemaphoreGuard, LockError> {
        self.inner
            .acquire(true, None)
            .await?
            .ok_or(LockError::Client(Error::Interrupted))
    }

    /// Takes a lease if one is free right now (kazoo's `acquire(blocking=False)`).
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
    /// if let Some(lease) = sem.try_acquire().await? { lease.release().await?; }
    /// # Ok(()) }
    /// ```
    pub async fn try_acquire(&self) -> Result<Option<SemaphoreGuard>, LockError> {
        self.inner.acquire(false, None).await
    }

    /// Waits at most `timeout` (kazoo's `acquire(timeout=...)`), then fails with
    /// [`LockError::Timeout`].
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let lease = sem.acquire_timeout(std::time::Duration::from_secs(1)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphoreGuard, LockError> {
        self.inner
            .acquire(true, Some(timeout))
            .await?
            .ok_or(LockError::Client(Error::Interrupted))
    }

    /// Cancels the acquire in progress (kazoo's `cancel()`): it fails with
    /// [`LockError::Cancelled`].
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) {
    /// let other = sem.clone();
    /// let pending = tokio::spawn(async move { other.acquire().await });
    /// sem.cancel();
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.inner.cancel.cancel();
    }

    /// Gives the lease back (kazoo's `release()`): `Ok(true)` if this object held one.
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
    /// sem.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn release(&self) -> Result<bool, LockError> {
        self.inner.release(None).await
    }

    /// The identifiers of the current lease holders, in no particular order (kazoo's
    /// `lease_holders()`; empty identifiers appear as empty strings).
    ///
    /// ```no_run
    /// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
    /// println!("{:?}", sem.lease_holders().await?);
    /// # Ok(()) }
    /// ```
    pub async fn lease_holders(&self) -> Result<Vec<String>, LockError> {
        self.inner.lease_holders().await
    }

    /// True while this object holds a lease (kazoo's `is_acquired`).
    ///
    /// ```no_run
    /// # fn f(sem: kazoo_recipes::semaphore::Semaphore) { let _ = sem.is_acquired(); }
    /// ```
    pub fn is_acquired(&self) -> bool {
        self.inner.lock_held().is_some()
    }

    /// The maximum number of leases of this object.
    ///
    /// ```no_run
    /// # fn f(sem: kazoo_recipes::semaphore::Semaphore) { assert!(sem.max_leases() > 0); }
    /// ```
    pub fn max_leases(&self) -> u32 {
        self.inner.max_leases
    }

    /// The semaphore path.
    ///
    /// ```no_run
    /// # fn f(sem: kazoo_recipes::semaphore::Semaphore) { println!("{}", sem.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// This object's lease node (`{path}/{uuid}`), held or not.
    ///
    /// ```no_run
    /// # fn f(sem: kazoo_recipes::semaphore::Semaphore) { println!("{}", sem.lease_path()); }
    /// ```
    pub fn lease_path(&self) -> &str {
        &self.inner.lease_path
    }
}

impl Inner {
    fn lock_held(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn acquire(
        self: &Arc<Self>,
        blocking: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<SemaphoreGuard>, LockError> {
        // kazoo resets its cancel flag at every acquire.
        self.cancel.reset();
        let mut w = Waiter::new(&self.path, timeout, &self.cancel);
        let _serial = if blocking {
            w.run(self.acquiring.lock()).await?
        } else {
            match self.acquiring.try_lock() {
                Ok(g) => g,
                Err(_) => return Ok(None),
            }
        };
        if !self.checked.load(Ordering::Relaxed) {
            self.check_max_leases(&mut w).await?;
        }
        let rt = Handle::current();
        // A lease we hold already is returned again (kazoo returns True).
        if let Some(guard) = self.current(&mut w, &rt).await? {
            return Ok(Some(guard));
        }
        let lock_guard = if blocking {
            w.run(self.guard_lock.acquire()).await??
        } else {
            match self.guard_lock.try_acquire().await? {
                Some(g) => g,
                None => return Ok(None),
            }
        };
        // Until granted, our lease node (if a create got through) is deleted on the way out.
        let cleanup = NodeCleanup::new(&self.client, &self.lease_path);
        let outcome = self.take_lease(&mut w, blocking).await;
        if let Err(e) = lock_guard.release().await {
            tracing::warn!(path = %self.path, error = %e, "releasing the semaphore's guard lock failed");
        }
        match outcome {
            Ok(Some(stat)) => {
                let guard = self.grant(&stat, rt);
                cleanup.disarm();
                Ok(Some(guard))
            }
            Ok(None) => {
                cleanup.disarm();
                Ok(None)
            }
            Err(e) => {
                cleanup.run().await;
                Err(e)
            }
        }
    }

    /// The lease this object holds (or whose node exists already), as a guard.
    async fn current(
        self: &Arc<Self>,
        w: &mut Waiter<'_>,
        rt: &Handle,
    ) -> Result<Option<SemaphoreGuard>, LockError> {
        let stat = loop {
            match w.run(self.client.exists(&self.lease_path)).await? {
                Ok(s) => break s,
                Err(e) if is_transient(&e) => w.back_off().await?,
                Err(e) => return Err(e.into()),
            }
        };
        let Some(stat) = stat else {
            return Ok(None);
        };
        let held = {
            let h = self.lock_held();
            h.as_ref()
                .filter(|h| h.grant.token() == FencingToken::from_stat(&stat) && !h.grant.is_lost())
                .map(|h| (h.grant.clone(), h.generation))
        };
        Ok(Some(match held {
            Some((grant, generation)) => SemaphoreGuard {
                inner: self.clone(),
                generation,
                grant,
                rt: rt.clone(),
                done: false,
            },
            None => self.grant(&stat, rt.clone()),
        }))
    }

    /// A guard for our lease node, whose `stat` a reply of this session just gave (the create,
    /// or a read): the grant's task sets the watch on the node after we return.
    fn grant(self: &Arc<Self>, stat: &Stat, rt: Handle) -> SemaphoreGuard {
        let opts = GrantOptions::new().lost_on_suspend(self.lost_on_suspend);
        let grant = Grant::monitor_verified(&self.client, &self.lease_path, stat, opts);
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let old = self.lock_held().replace(Held {
            grant: grant.clone(),
            generation,
        });
        if let Some(old) = old {
            old.grant.end(LostReason::Released);
        }
        SemaphoreGuard {
            inner: self.clone(),
            generation,
            grant,
            rt,
            done: false,
        }
    }

    /// Creates `{path}` with our maximum, or checks the stored one (kazoo's `_ensure_path`).
    async fn check_max_leases(&self, w: &mut Waiter<'_>) -> Result<(), LockError> {
        let value = self.max_leases.to_string().into_bytes();
        loop {
            let create =
                self.client
                    .create(&self.path, value.clone(), &CreateOptions::new().makepath());
            match w.run(create).await? {
                Ok(_) => break,
                Err(Error::NodeExists { .. }) => {}
                Err(e) if is_transient(&e) => {
                    w.back_off().await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            match w.run(self.client.get(&self.path)).await? {
                Ok((data, _)) => {
                    let stored = std::str::from_utf8(&data)
                        .ok()
                        .and_then(|s| s.trim().parse::<i64>().ok());
                    match stored {
                        Some(n) if n != i64::from(self.max_leases) => {
                            return Err(LockError::InconsistentMaxLeases {
                                path: self.path.clone(),
                                stored: n,
                                ours: self.max_leases,
                            })
                        }
                        _ => break,
                    }
                }
                // Deleted in between: create it again.
                Err(Error::NoNode { .. }) => {}
                Err(e) if is_transient(&e) => w.back_off().await?,
                Err(e) => return Err(e.into()),
            }
        }
        self.checked.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// With the guard lock held: creates our lease once fewer than `max_leases` exist.
    async fn take_lease(
        &self,
        w: &mut Waiter<'_>,
        blocking: bool,
    ) -> Result<Option<Stat>, LockError> {
        // Set while a children watch of ours may still be on the server.
        let mut watching = false;
        let outcome = self.lease_loop(w, blocking, &mut watching).await;
        if watching {
            let removal = self
                .client
                .remove_watches(&self.path, WatcherType::Children, false);
            let _ = tokio::time::timeout(UNWATCH_WAIT, removal).await;
        }
        outcome
    }

    async fn lease_loop(
        &self,
        w: &mut Waiter<'_>,
        blocking: bool,
        watching: &mut bool,
    ) -> Result<Option<Stat>, LockError> {
        let mut free = false;
        loop {
            if !free {
                let children = match w.run(self.client.get_children(&self.path)).await? {
                    Ok(c) => c,
                    Err(e) if is_transient(&e) => {
                        w.back_off().await?;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                if children.contains(&self.lease_name) {
                    // A create whose reply we missed.
                    match w.run(self.client.exists(&self.lease_path)).await? {
                        Ok(Some(stat)) => return Ok(Some(stat)),
                        Ok(None) => continue,
                        Err(e) if is_transient(&e) => {
                            w.back_off().await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                free = children.len() < self.max_leases as usize;
            }
            if free {
                let create = self.client.create_with_stat(
                    &self.lease_path,
                    self.data.clone(),
                    &CreateOptions::new().ephemeral(),
                );
                match w.run(create).await? {
                    Ok((_, stat)) => {
                        // Our own create fires the children watch we may have set.
                        *watching = false;
                        return Ok(Some(stat));
                    }
                    Err(Error::NodeExists { .. }) => free = false,
                    Err(e) if is_transient(&e) => {
                        free = false;
                        w.back_off().await?;
                    }
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            if !blocking {
                return Ok(None);
            }
            let (children, watch) = match w.run(self.client.get_children_w(&self.path)).await {
                Err(stop) => {
                    *watching = true;
                    return Err(stop);
                }
                Ok(Ok(r)) => r,
                Ok(Err(e)) if is_transient(&e) => {
                    w.back_off().await?;
                    continue;
                }
                Ok(Err(e)) => return Err(e.into()),
            };
            *watching = true;
            if children.len() < self.max_leases as usize {
                free = true;
                continue;
            }
            w.run(watch).await?;
            *watching = false;
        }
    }

    async fn release(&self, generation: Option<u64>) -> Result<bool, LockError> {
        let held = {
            let mut h = self.lock_held();
            match h.as_ref() {
                Some(x) if generation.map_or(true, |g| g == x.generation) => h.take(),
                _ => None,
            }
        };
        let Some(held) = held else {
            return Ok(false);
        };
        held.grant.end(LostReason::Released);
        delete_confirmed(&self.client, self.lease_path.clone(), true)
            .await
            .map(|()| true)
            .map_err(LockError::from)
    }

    async fn lease_holders(&self) -> Result<Vec<String>, LockError> {
        let children = match self.client.get_children(&self.path).await {
            Ok(c) => c,
            Err(Error::NoNode { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for name in children {
            match self.client.get(&join(&self.path, &name)).await {
                Ok((data, _)) => out.push(String::from_utf8_lossy(&data).into_owned()),
                Err(Error::NoNode { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}

/// The identifier kazoo 2.11 writes into its guard lock's contender: it hands the lock the
/// identifier's *bytes*, which the lock turns into text with `str()`, so the data is Python's
/// `repr` of the bytes (`b'worker-1'`), and empty for an empty identifier.
fn guard_lock_identifier(identifier: &str) -> String {
    if identifier.is_empty() {
        return String::new();
    }
    let bytes = identifier.as_bytes();
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\\' => out.push_str("\\\\"),
            _ if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// A held semaphore lease, with its fencing token and lost signal. Release it with
/// [`SemaphoreGuard::release`]; dropping it releases it in a task on the acquiring runtime.
///
/// ```no_run
/// # async fn f(sem: kazoo_recipes::semaphore::Semaphore) -> Result<(), kazoo_recipes::lock::LockError> {
/// let lease = sem.acquire().await?;
/// println!("lease {} token {}", lease.node_path(), lease.token());
/// lease.release().await?;
/// # Ok(()) }
/// ```
#[must_use = "dropping the guard releases the lease"]
pub struct SemaphoreGuard {
    inner: Arc<Inner>,
    generation: u64,
    grant: Grant,
    rt: Handle,
    done: bool,
}

impl fmt::Debug for SemaphoreGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard")
            .field("node", &self.grant.node_path())
            .field("token", &self.grant.token())
            .field("lost", &self.grant.lost_reason())
            .finish()
    }
}

impl SemaphoreGuard {
    /// The grant: token, lost signal, guarded transactions. The guard also dereferences to
    /// it, so `guard.token()`, `guard.lost_signal()`, `guard.is_lost()` and
    /// `guard.node_path()` (the lease node) read the grant directly.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// Gives the lease back and waits until its node is deleted.
    pub async fn release(mut self) -> Result<(), LockError> {
        self.done = true;
        self.inner.release(Some(self.generation)).await.map(|_| ())
    }
}

impl std::ops::Deref for SemaphoreGuard {
    type Target = Grant;
    fn deref(&self) -> &Grant {
        &self.grant
    }
}

impl Drop for SemaphoreGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let inner = self.inner.clone();
        let generation = self.generation;
        self.rt.spawn(async move {
            if let Err(e) = inner.release(Some(generation)).await {
                tracing::warn!(path = %inner.path, error = %e, "releasing a dropped semaphore lease failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::guard_lock_identifier as repr;

    #[test]
    fn guard_lock_identifiers_are_python_bytes_reprs() {
        assert_eq!(repr(""), "");
        assert_eq!(repr("worker-1"), "b'worker-1'");
        assert_eq!(repr("it's"), "b\"it's\"");
        assert_eq!(repr("a'b\"c"), "b'a\\'b\"c'");
        assert_eq!(repr("tab\there\\"), "b'tab\\there\\\\'");
        assert_eq!(repr("é\n"), "b'\\xc3\\xa9\\n'");
    }
}
