//! Barrier: clients wait until a node is removed (kazoo's `Barrier`, same znode).
//!
//! The barrier is up while `{path}` exists. [`Barrier::wait`] sets an exists watch and returns
//! once the node is gone; giving up (timeout, or the future dropped) leaves no watch on the
//! server. Also home of the small crate-internal helpers (deadlines over watches, default
//! identifiers) that the other recipes of this family share.

use kazoo_client::{Client, Error, EventType, Result, RetryPolicy};
use std::time::Duration;

/// A barrier: processes [`wait`](Barrier::wait) until someone [`remove`](Barrier::remove)s it.
///
/// Guarantees:
/// - [`Barrier::wait`] returns `Ok(true)` only when it saw `{path}` missing (at the call or
///   through its watch); `Ok(false)` when the timeout ran out first.
/// - A connection loss while waiting is ridden out (the client replays the watch on
///   reconnect); a session expiry or a closed client ends the wait with that error instead of
///   waiting forever (kazoo would hang there).
/// - No watch stays on the server after `wait` returns or its future is dropped.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::barrier::Barrier;
/// use std::time::Duration;
/// let barrier = Barrier::new(&zk, "/jobs/nightly/start");
/// barrier.create().await?;
/// // elsewhere: workers block until the coordinator removes the barrier
/// let passed = barrier.wait(Some(Duration::from_secs(30))).await?;
/// # let _ = passed;
/// barrier.remove().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Barrier {
    client: Client,
    path: String,
    retry: RetryPolicy,
}

impl Barrier {
    /// A barrier on `path` (nothing is sent to the server yet).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let barrier = kazoo_recipes::barrier::Barrier::new(&zk, "/barrier");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> Barrier {
        Barrier {
            client: client.clone(),
            path: path.to_owned(),
            retry: support::default_retry(),
        }
    }

    /// Uses `retry` for the create and remove requests (default: retry connection losses
    /// indefinitely, kazoo's `KazooRetry(max_tries=-1)`).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// use kazoo_client::RetryPolicy;
    /// let barrier = kazoo_recipes::barrier::Barrier::new(&zk, "/barrier")
    ///     .with_retry(RetryPolicy::new().with_max_tries(3));
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> Barrier {
        self.retry = retry;
        self
    }

    /// The barrier's path.
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::Barrier) { assert_eq!(b.path(), "/barrier"); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Puts the barrier up: creates `{path}` (and its parents) unless it exists.
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::barrier::Barrier) -> kazoo_client::Result<()> {
    /// b.create().await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self) -> Result<()> {
        self.client
            .retry(&self.retry, || self.client.ensure_path(&self.path))
            .await
    }

    /// Takes the barrier down. Returns whether it was up (kazoo's `remove`). Fails with
    /// [`Error::NotEmpty`] when someone put children under the barrier node.
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::barrier::Barrier) -> kazoo_client::Result<()> {
    /// let was_up = b.remove().await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove(&self) -> Result<bool> {
        let r = self
            .client
            .retry(&self.retry, || self.client.delete(&self.path, None))
            .await;
        match r {
            Ok(()) => Ok(true),
            Err(Error::NoNode { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Waits until the barrier is down, at most `timeout` (`None`: no limit). `Ok(true)` when
    /// it is down, `Ok(false)` on timeout.
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::barrier::Barrier) -> kazoo_client::Result<()> {
    /// use std::time::Duration;
    /// if !b.wait(Some(Duration::from_secs(5))).await? {
    ///     println!("still up after 5 s");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = support::Deadline::after(timeout);
        loop {
            let (stat, watch) = self.client.exists_w(&self.path).await?;
            if stat.is_none() {
                return Ok(true);
            }
            match deadline.wait(watch).await {
                None => return Ok(false),
                Some(e) if e.is_terminal() => return Err(support::terminal_error(&e)),
                Some(e) if e.event_type == EventType::NodeDeleted => return Ok(true),
                // Created again, data changed or the watch removed: look again.
                Some(_) => {}
            }
        }
    }
}

/// Blocking form of [`Barrier`] (same guarantees): each method blocks the calling thread
/// on the blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::barrier::BlockingBarrier;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let barrier = BlockingBarrier::new(&zk, "/barrier");
/// barrier.create()?;
/// barrier.remove()?;
/// assert!(barrier.wait(None)?);
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingBarrier {
    rt: tokio::runtime::Handle,
    inner: Barrier,
}

impl BlockingBarrier {
    /// See [`Barrier::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let b = kazoo_recipes::barrier::BlockingBarrier::new(zk, "/barrier");
    /// # }
    /// ```
    pub fn new(client: &kazoo_client::blocking::Client, path: &str) -> BlockingBarrier {
        BlockingBarrier {
            rt: client.runtime_handle(),
            inner: Barrier::new(client.as_async(), path),
        }
    }

    /// See [`Barrier::with_retry`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::BlockingBarrier) {
    /// let b = b.with_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> BlockingBarrier {
        self.inner = self.inner.with_retry(retry);
        self
    }

    /// The async barrier underneath.
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::BlockingBarrier) { let _ = b.as_async().path(); }
    /// ```
    pub fn as_async(&self) -> &Barrier {
        &self.inner
    }

    /// See [`Barrier::create`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::BlockingBarrier) -> kazoo_client::Result<()> {
    /// b.create()?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self) -> Result<()> {
        self.rt.block_on(self.inner.create())
    }

    /// See [`Barrier::remove`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::BlockingBarrier) -> kazoo_client::Result<()> {
    /// let was_up = b.remove()?;
    /// # Ok(()) }
    /// ```
    pub fn remove(&self) -> Result<bool> {
        self.rt.block_on(self.inner.remove())
    }

    /// See [`Barrier::wait`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::barrier::BlockingBarrier) -> kazoo_client::Result<()> {
    /// let down = b.wait(Some(std::time::Duration::from_secs(1)))?;
    /// # Ok(()) }
    /// ```
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        self.rt.block_on(self.inner.wait(timeout))
    }
}

pub(crate) mod support {
    //! Small helpers the recipes of this crate's barrier/party/queue/partitioner/lease family
    //! share: deadlines over one-shot watches, the error a terminal watch event stands for,
    //! default identifiers and node names.

    use kazoo_client::{Error, KeeperState, RetryPolicy, Watch, WatchedEvent};
    use std::time::Duration;
    use tokio::time::Instant;

    /// kazoo's recipes run under `client.retry`; ours retry connection losses without limit
    /// (a recipe call is bounded by its own timeout, not by a retry count).
    pub(crate) fn default_retry() -> RetryPolicy {
        RetryPolicy::new()
            .with_max_tries(None)
            .with_max_delay(Duration::from_secs(2))
    }

    /// An optional point in time after which a wait gives up.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Deadline(Option<Instant>);

    impl Deadline {
        /// `timeout` from now; `None` never passes.
        pub(crate) fn after(timeout: Option<Duration>) -> Deadline {
            Deadline(timeout.map(|t| Instant::now() + t))
        }

        /// Waits for `watch` until the deadline. `None` on timeout; the watch is dropped then,
        /// which removes it from the server.
        pub(crate) async fn wait(&self, watch: Watch) -> Option<WatchedEvent> {
            self.run(watch).await
        }

        /// Runs `fut` until the deadline; `None` on timeout.
        pub(crate) async fn run<F: std::future::Future>(&self, fut: F) -> Option<F::Output> {
            match self.0 {
                None => Some(fut.await),
                Some(d) => tokio::time::timeout_at(d, fut).await.ok(),
            }
        }
    }

    /// The error a terminal watch event (the session ended) stands for.
    pub(crate) fn terminal_error(e: &WatchedEvent) -> Error {
        match e.keeper_state {
            KeeperState::Expired => Error::SessionExpired,
            KeeperState::AuthFailed => Error::AuthFailed,
            _ => Error::Closed,
        }
    }

    /// A fresh UUID4 as 32 lowercase hex digits: kazoo's `uuid.uuid4().hex`.
    pub(crate) fn uuid_hex() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// kazoo's default member identifier: `{host name}-{pid}` (kazoo uses the fully qualified
    /// name; the plain host name is what the system reports without a resolver round trip).
    pub(crate) fn host_pid() -> String {
        format!("{}-{}", host_name(), std::process::id())
    }

    /// The host name, `localhost` when the system does not say.
    pub(crate) fn host_name() -> String {
        hostname::get()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".to_owned())
    }
}
