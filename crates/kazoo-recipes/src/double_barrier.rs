//! DoubleBarrier: clients enter together and leave together (the ZooKeeper recipe, with
//! kazoo's `DoubleBarrier` znodes so Rust and Python members can share one).
//!
//! Layout: members are `{path}/{uuid}` (ephemeral, data = identifier); `{path}/ready`
//! (persistent, empty) is created by the member that sees `num_clients` members present and
//! deleted by the first one to leave.

use crate::barrier::support::{self, Deadline};
use kazoo_client::{Client, CreateOptions, Error, EventType, Result, RetryPolicy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The name of the node that says "everyone is in".
const READY: &str = "ready";

/// A double barrier of `num_clients` members.
///
/// Guarantees:
/// - [`enter`](DoubleBarrier::enter) returns `Ok(true)` once `num_clients` members were
///   present at the same time (the `ready` node exists or was seen created); on timeout it
///   removes this member's node again (so late arrivals do not count a member that gave up)
///   and returns `Ok(false)`.
/// - [`leave`](DoubleBarrier::leave) returns `Ok(true)` once every member's node is gone.
///   On timeout it removes this member's node (a lowest member that gives up does not block the
///   others) and returns `Ok(false)`.
/// - Connection losses are ridden out with the retry policy; a lost session fails the call.
///   No watch stays on the server after a call returns or its future is dropped.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::double_barrier::DoubleBarrier;
/// use std::time::Duration;
/// let barrier = DoubleBarrier::new(&zk, "/jobs/sync", 3).with_identifier("worker-1");
/// if barrier.enter(Some(Duration::from_secs(30))).await? {
///     // ... every worker does its part ...
///     barrier.leave(Some(Duration::from_secs(30))).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DoubleBarrier {
    client: Client,
    path: String,
    num_clients: usize,
    identifier: String,
    node: String,
    participating: AtomicBool,
    retry: RetryPolicy,
}

impl DoubleBarrier {
    /// A member of the double barrier at `path` that needs `num_clients` members. The
    /// identifier defaults to `{host name}-{pid}` (kazoo: `{fqdn}-{pid}`).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let b = kazoo_recipes::double_barrier::DoubleBarrier::new(&zk, "/sync", 2);
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str, num_clients: usize) -> DoubleBarrier {
        DoubleBarrier {
            client: client.clone(),
            path: path.trim_end_matches('/').to_owned(),
            num_clients,
            identifier: support::host_pid(),
            node: support::uuid_hex(),
            participating: AtomicBool::new(false),
            retry: support::default_retry(),
        }
    }

    /// Sets this member's identifier (the data of its node).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let b = kazoo_recipes::double_barrier::DoubleBarrier::new(&zk, "/sync", 2)
    ///     .with_identifier("worker-7");
    /// # }
    /// ```
    pub fn with_identifier(mut self, identifier: &str) -> DoubleBarrier {
        self.identifier = identifier.to_owned();
        self
    }

    /// Uses `retry` for connection losses (default: retry without limit; the timeouts bound
    /// the calls).
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::DoubleBarrier) {
    /// let b = b.with_retry(kazoo_client::RetryPolicy::new().with_max_tries(5));
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> DoubleBarrier {
        self.retry = retry;
        self
    }

    /// This member's node path, `{path}/{uuid}`.
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::DoubleBarrier) { println!("{}", b.node_path()); }
    /// ```
    pub fn node_path(&self) -> String {
        format!("{}/{}", self.path, self.node)
    }

    /// True between a successful [`enter`](Self::enter) and the end of
    /// [`leave`](Self::leave) (kazoo's `participating`).
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::DoubleBarrier) { assert!(!b.participating()); }
    /// ```
    pub fn participating(&self) -> bool {
        self.participating.load(Ordering::SeqCst)
    }

    /// Enters: adds this member and waits, at most `timeout` (`None`: no limit), until
    /// `num_clients` members are in. See the type's guarantees.
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::double_barrier::DoubleBarrier) -> kazoo_client::Result<()> {
    /// let everyone_in = b.enter(Some(std::time::Duration::from_secs(10))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn enter(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = Deadline::after(timeout);
        let r = self.inner_enter(&deadline).await;
        self.participating
            .store(matches!(r, Ok(true)), Ordering::SeqCst);
        match r {
            Ok(true) => Ok(true),
            Ok(false) => self.remove_own_node().await.map(|()| false),
            Err(e) => {
                // Best effort: the first error is the one worth reporting.
                let _ = self.remove_own_node().await;
                Err(e)
            }
        }
    }

    async fn inner_enter(&self, deadline: &Deadline) -> Result<bool> {
        let c = &self.client;
        c.retry(&self.retry, || c.ensure_path(&self.path)).await?;
        let me = self.node_path();
        let created = c
            .retry(&self.retry, || {
                let f = c.create(
                    &me,
                    self.identifier.clone().into_bytes(),
                    &CreateOptions::new().ephemeral(),
                );
                async move {
                    match f.await {
                        Ok(_) | Err(Error::NodeExists { .. }) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            })
            .await;
        created?;
        let ready = format!("{}/{READY}", self.path);
        loop {
            let (stat, watch) = c.retry(&self.retry, || c.exists_w(&ready)).await?;
            if stat.is_some() {
                return Ok(true);
            }
            let members = self.members().await?;
            if members.len() >= self.num_clients {
                c.retry(&self.retry, || c.ensure_path(&ready)).await?;
                return Ok(true);
            }
            match deadline.wait(watch).await {
                None => return Ok(false),
                Some(e) if e.is_terminal() => return Err(support::terminal_error(&e)),
                Some(e) if e.event_type == EventType::NodeCreated => return Ok(true),
                Some(_) => {}
            }
        }
    }

    /// Member node names (children other than `ready`).
    async fn members(&self) -> Result<Vec<String>> {
        let c = &self.client;
        let mut children = c.retry(&self.retry, || c.get_children(&self.path)).await?;
        children.retain(|n| n != READY);
        children.sort();
        Ok(children)
    }

    /// Leaves: waits, at most `timeout` (`None`: no limit), until every member left. See the
    /// type's guarantees.
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::double_barrier::DoubleBarrier) -> kazoo_client::Result<()> {
    /// let everyone_out = b.leave(None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn leave(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = Deadline::after(timeout);
        let r = self.inner_leave(&deadline).await;
        self.participating.store(false, Ordering::SeqCst);
        match r {
            Ok(true) => Ok(true),
            Ok(false) => self.remove_own_node().await.map(|()| false),
            Err(e) => {
                let _ = self.remove_own_node().await;
                Err(e)
            }
        }
    }

    async fn inner_leave(&self, deadline: &Deadline) -> Result<bool> {
        let c = &self.client;
        let ready = format!("{}/{READY}", self.path);
        let removed = c.retry(&self.retry, || c.delete(&ready, None)).await;
        match removed {
            Ok(()) | Err(Error::NoNode { .. }) => {}
            Err(e) => return Err(e),
        }
        loop {
            let members = self.members().await?;
            let (Some(lowest), Some(highest)) = (members.first(), members.last()) else {
                return Ok(true);
            };
            if members.len() == 1 && *lowest == self.node {
                self.remove_own_node().await?;
                return Ok(true);
            }
            // The lowest member leaves last: it waits for the highest; every other member
            // removes itself and waits for the lowest.
            let target = if *lowest == self.node {
                highest
            } else {
                self.remove_own_node().await?;
                lowest
            };
            let target = format!("{}/{target}", self.path);
            let (stat, watch) = c.retry(&self.retry, || c.exists_w(&target)).await?;
            if stat.is_none() {
                continue;
            }
            match deadline.wait(watch).await {
                None => return Ok(false),
                Some(e) if e.is_terminal() => return Err(support::terminal_error(&e)),
                Some(_) => {}
            }
        }
    }

    /// Deletes this member's node until it is gone (connection losses retried).
    async fn remove_own_node(&self) -> Result<()> {
        let c = &self.client;
        let me = self.node_path();
        match c.retry(&self.retry, || c.delete(&me, None)).await {
            Ok(()) | Err(Error::NoNode { .. }) => Ok(()),
            // The session is gone, and with it the ephemeral node.
            Err(Error::SessionExpired) | Err(Error::Closed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Blocking form of [`DoubleBarrier`] (same guarantees): each method blocks the calling
/// thread on the blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::double_barrier::BlockingDoubleBarrier;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let b = BlockingDoubleBarrier::new(&zk, "/sync", 1).with_identifier("solo");
/// assert!(b.enter(None)?);
/// assert!(b.leave(None)?);
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct BlockingDoubleBarrier {
    rt: tokio::runtime::Handle,
    inner: DoubleBarrier,
}

impl BlockingDoubleBarrier {
    /// See [`DoubleBarrier::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let b = kazoo_recipes::double_barrier::BlockingDoubleBarrier::new(zk, "/sync", 2);
    /// # }
    /// ```
    pub fn new(
        client: &kazoo_client::blocking::Client,
        path: &str,
        num_clients: usize,
    ) -> BlockingDoubleBarrier {
        BlockingDoubleBarrier {
            rt: client.runtime_handle(),
            inner: DoubleBarrier::new(client.as_async(), path, num_clients),
        }
    }

    /// See [`DoubleBarrier::with_identifier`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) {
    /// let b = b.with_identifier("worker-1");
    /// # }
    /// ```
    pub fn with_identifier(mut self, identifier: &str) -> BlockingDoubleBarrier {
        self.inner = self.inner.with_identifier(identifier);
        self
    }

    /// See [`DoubleBarrier::with_retry`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) {
    /// let b = b.with_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> BlockingDoubleBarrier {
        self.inner = self.inner.with_retry(retry);
        self
    }

    /// The async double barrier underneath.
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) {
    /// println!("{}", b.as_async().node_path());
    /// # }
    /// ```
    pub fn as_async(&self) -> &DoubleBarrier {
        &self.inner
    }

    /// See [`DoubleBarrier::participating`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) { b.participating(); }
    /// ```
    pub fn participating(&self) -> bool {
        self.inner.participating()
    }

    /// See [`DoubleBarrier::enter`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) -> kazoo_client::Result<()> {
    /// let everyone_in = b.enter(Some(std::time::Duration::from_secs(10)))?;
    /// # Ok(()) }
    /// ```
    pub fn enter(&self, timeout: Option<Duration>) -> Result<bool> {
        self.rt.block_on(self.inner.enter(timeout))
    }

    /// See [`DoubleBarrier::leave`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::double_barrier::BlockingDoubleBarrier) -> kazoo_client::Result<()> {
    /// let everyone_out = b.leave(None)?;
    /// # Ok(()) }
    /// ```
    pub fn leave(&self, timeout: Option<Duration>) -> Result<bool> {
        self.rt.block_on(self.inner.leave(timeout))
    }
}
