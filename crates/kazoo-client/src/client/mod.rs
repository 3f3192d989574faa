//! The async [`Client`] handle: lifecycle (start, close, restart), connection state getters and
//! subscriptions, and the request plumbing every operation uses. The operations themselves live
//! in [`crate::ops`], one family per file.
//!
//! Order is fixed at call time: every operation method encodes its request and hands it to the
//! I/O task *before* returning its future, so two calls made one after the other reach the
//! server in that order even if their futures are awaited in another order (or never).
//! Beyond [`ClientBuilder::max_in_flight`] requests outstanding, calls wait in that same
//! order (see `gate`).

mod builder;
mod call;
mod gate;

pub use builder::ClientBuilder;
pub(crate) use call::{Call, ErrPath, WatchSpec};
pub(crate) use gate::{Batch, CommandTx, Gate, Permit};

use crate::driver::{Command, Driver, DriverConfig, Shared};
use crate::error::{Error, Result};
use crate::hosts::HostList;
use crate::sasl::SaslCredentials;
use crate::session::watches::WatcherId;
use crate::session::{RawReply, SessionConfig};
use crate::state::{KazooState, SessionState, StateChange};
use crate::tls::TlsConnector;
use futures::Stream;
use kazoo_proto::{Acl, ErrorCode, OpCode, Reader, Response};
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::Instrument;

/// The default bound on requests outstanding ([`ClientBuilder::max_in_flight`]).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10_000;

/// Settings kept for restarts.
#[derive(Clone)]
pub(crate) struct ClientConfig {
    pub session_timeout: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Option<Duration>,
    pub read_only: bool,
    pub read_only_fresh_session: bool,
    pub auth: Vec<(String, Vec<u8>)>,
    pub default_acl: Vec<Acl>,
    pub randomize_hosts: bool,
    pub resume: Option<(i64, Vec<u8>)>,
    pub max_request_size: usize,
    pub max_in_flight: usize,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub tls: Option<TlsConnector>,
    pub sasl: Option<SaslCredentials>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            session_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(15),
            request_timeout: None,
            read_only: false,
            read_only_fresh_session: false,
            auth: Vec::new(),
            default_acl: Acl::open_unsafe(),
            randomize_hosts: true,
            resume: None,
            max_request_size: 0xfffff,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_secs(2),
            tls: None,
            sasl: None,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schemes: Vec<&str> = self.auth.iter().map(|(s, _)| s.as_str()).collect();
        f.debug_struct("ClientConfig")
            .field("session_timeout", &self.session_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("read_only", &self.read_only)
            .field("read_only_fresh_session", &self.read_only_fresh_session)
            .field("auth_schemes", &schemes)
            .field("default_acl", &self.default_acl)
            .field("randomize_hosts", &self.randomize_hosts)
            .field(
                "resume",
                &self.resume.as_ref().map(|(id, _)| format!("{id:#x}")),
            )
            .field("tls", &self.tls)
            .field("sasl", &self.sasl)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub cfg: Mutex<ClientConfig>,
    pub hosts: Mutex<HostList>,
    pub chroot: Option<String>,
    pub shared: Arc<Shared>,
    /// The running I/O task's command channel (close, `set_hosts`) and, through it, its gate
    /// (requests, and the bound on outstanding ones); dropped with the last handle, which
    /// ends the session.
    cmd: RwLock<Option<CommandTx>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    next_watcher: AtomicU64,
    pub default_acl: Vec<Acl>,
    /// `default_acl` as create requests carry it (encoded once, not per create).
    pub default_acl_wire: Vec<u8>,
    pub request_timeout: Option<Duration>,
    pub max_request_size: usize,
}

/// A ZooKeeper client: a cheap [`Clone`] handle to one background task that owns the
/// connection (kazoo's `KazooClient`).
///
/// The task keeps the session alive (pings) whether or not anyone polls a future, reconnects
/// to the next host when a connection dies, and resumes the session there. Its deadlines
/// (pings, timeouts, reconnect back-off) are kept by one thread, `kazoo-timer`, shared by every
/// client of the process, not by the runtime's timer wheel (which would make every park of a
/// busy runtime sleep with a kernel timeout). All paths given to
/// and returned by the client are relative to the chroot of the connect string.
///
/// ```no_run
/// # async fn f() -> kazoo_client::Result<()> {
/// use kazoo_client::{Client, CreateOptions};
/// let client = Client::builder("127.0.0.1:2181").connect().await?;
/// client.ensure_path("/my/favorite").await?;
/// client.create("/my/favorite/node", b"a value", &CreateOptions::new()).await?;
/// let (data, stat) = client.get("/my/favorite/node").await?;
/// println!("version {} data {:?}", stat.version, data);
/// client.close().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("hosts", &self.lock_hosts().to_string())
            .field("state", &self.inner.shared.current())
            .field("session_id", &self.session_id().map(|s| format!("{s:#x}")))
            .finish()
    }
}

/// Receives state transitions; a slow receiver loses the oldest ones (and is told how many),
/// it never slows the I/O task down.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) {
/// use kazoo_client::KazooState;
/// let mut states = client.subscribe_state();
/// while let Some(change) = states.recv().await {
///     if change.kazoo == KazooState::Lost { break; }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct StateListener {
    rx: broadcast::Receiver<StateChange>,
    missed: u64,
}

impl StateListener {
    /// The next transition; `None` once the client is dropped.
    pub async fn recv(&mut self) -> Option<StateChange> {
        loop {
            match self.rx.recv().await {
                Ok(c) => return Some(c),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a state listener fell behind");
                    self.missed += n;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// How many transitions this listener missed by falling behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}

impl Client {
    /// Starts configuring a client for `hosts`, kazoo's connect string:
    /// `host1:2181,host2,[::1]:2183/optional/chroot` (port 2181 by default).
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::builder("127.0.0.1:2181").connect().await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(hosts: &str) -> ClientBuilder {
        ClientBuilder::new(hosts)
    }

    /// Connects with default settings (shorthand for `Client::builder(hosts).connect()`).
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::connect("127.0.0.1:2181").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(hosts: &str) -> Result<Client> {
        Client::builder(hosts).connect().await
    }

    pub(crate) fn from_config(hosts: HostList, cfg: ClientConfig) -> Client {
        let chroot = hosts.chroot().map(str::to_owned);
        Client {
            inner: Arc::new(Inner {
                default_acl: cfg.default_acl.clone(),
                default_acl_wire: {
                    let mut wire = Vec::new();
                    crate::ops::create::put_acl(&mut wire, &cfg.default_acl);
                    wire
                },
                request_timeout: cfg.request_timeout,
                max_request_size: cfg.max_request_size,
                cfg: Mutex::new(cfg),
                hosts: Mutex::new(hosts),
                chroot,
                shared: Arc::new(Shared::new()),
                cmd: RwLock::new(None),
                task: Mutex::new(None),
                next_watcher: AtomicU64::new(1),
            }),
        }
    }

    fn lock_hosts(&self) -> std::sync::MutexGuard<'_, HostList> {
        self.inner.hosts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_cfg(&self) -> std::sync::MutexGuard<'_, ClientConfig> {
        self.inner.cfg.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The running I/O task's command sender (and, through it, its gate), read.
    pub(crate) fn cmd(&self) -> std::sync::RwLockReadGuard<'_, Option<CommandTx>> {
        self.inner.cmd.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The same, to start or stop the task.
    fn cmd_mut(&self) -> std::sync::RwLockWriteGuard<'_, Option<CommandTx>> {
        self.inner.cmd.write().unwrap_or_else(|e| e.into_inner())
    }

    // ---- lifecycle ---------------------------------------------------------------------

    /// Starts the I/O task (if not running) and waits until connected, at most `timeout`.
    /// On timeout the client is stopped again and [`Error::Timeout`] returned (kazoo's
    /// `start(timeout)`), or [`Error::Tls`] when TLS refused the last connection attempt
    /// (wrong CA, a client certificate the server demands). Must run inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// use std::time::Duration;
    /// let client = kazoo_client::Client::builder("127.0.0.1:2181").build()?;
    /// client.start(Duration::from_secs(15)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self, timeout: Duration) -> Result<()> {
        self.spawn_driver();
        match tokio::time::timeout(timeout, self.wait_connected()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                self.close().await;
                Err(e)
            }
            Err(_) => {
                // A TLS refusal (wrong CA, a client certificate the server wants) would
                // otherwise hide behind the timeout.
                let tls = self
                    .inner
                    .shared
                    .snapshot
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .last_tls_error
                    .take();
                self.close().await;
                Err(tls.map_or(Error::Timeout, Error::Tls))
            }
        }
    }

    fn spawn_driver(&self) {
        let mut cmd = self.cmd_mut();
        if cmd.as_ref().is_some_and(|c| !c.is_closed()) {
            return;
        }
        let cfg = self.lock_cfg().clone();
        let hosts = self.lock_hosts().clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let dcfg = DriverConfig {
            session: SessionConfig {
                session_timeout: cfg.session_timeout,
                read_only: cfg.read_only,
                chroot: hosts.chroot().map(str::to_owned),
                sasl: cfg.sasl.clone(),
            },
            hosts,
            randomize_hosts: cfg.randomize_hosts,
            resume: cfg.resume.clone(),
            fresh_session_fallback: cfg.read_only_fresh_session,
            auth: cfg.auth.clone(),
            backoff_initial: cfg.backoff_initial,
            backoff_max: cfg.backoff_max,
            tls: cfg.tls.clone(),
        };
        let gate = Gate::new(cfg.max_in_flight);
        let driver = Driver::new(dcfg, rx, gate.clone(), self.inner.shared.clone());
        let handle = tokio::spawn(driver.run().instrument(tracing::info_span!("zk_io")));
        *cmd = Some(CommandTx::new(tx, gate));
        *self.inner.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    /// Waits until the client is connected (read-write or read-only). Fails when the client
    /// is closed or authentication failed.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.wait_connected().await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_connected(&self) -> Result<()> {
        let mut rx = self.inner.shared.state_tx.subscribe();
        loop {
            let s = *rx.borrow_and_update();
            if s.session.is_connected() {
                return Ok(());
            }
            if s.session == SessionState::AuthFailed {
                return Err(Error::AuthFailed);
            }
            if s.session == SessionState::Closed && !self.is_running() {
                return Err(Error::Closed);
            }
            if rx.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    fn is_running(&self) -> bool {
        self.cmd().as_ref().is_some_and(|c| !c.is_closed())
    }

    /// Closes the session (its ephemeral nodes go, its watches fire on other clients) and
    /// stops the I/O task. Pending requests fail with [`Error::Closed`], pending watches get a
    /// terminal event. Idempotent. kazoo's `stop()` + `close()`.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) {
    /// client.close().await;
    /// # }
    /// ```
    pub async fn close(&self) {
        let tx = self.cmd_mut().take();
        let task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(tx) = tx {
            tx.gate().fail_waiting();
            let (reply, rx) = oneshot::channel();
            let sent = tx.send(Command::Close { reply });
            drop(tx);
            if sent {
                let _ = rx.await;
            }
        }
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// kazoo's `stop()`: the same as [`Client::close`]; [`Client::start`] may be called again.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) {
    /// client.stop().await;
    /// # }
    /// ```
    pub async fn stop(&self) {
        self.close().await
    }

    /// Closes the session and starts a new one (kazoo's `restart()`), waiting up to the
    /// builder's connect timeout.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.restart().await?;
    /// # Ok(()) }
    /// ```
    pub async fn restart(&self) -> Result<()> {
        self.close().await;
        let t = {
            let mut cfg = self.lock_cfg();
            cfg.resume = None;
            cfg.connect_timeout
        };
        self.start(t).await
    }

    /// Uses `hosts` from the next connection attempt on (kazoo's `set_hosts`); the current
    /// connection is kept. Changing the chroot is refused with [`Error::Config`].
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.set_hosts("10.0.0.1:2181,10.0.0.2:2181")?;
    /// # Ok(()) }
    /// ```
    pub fn set_hosts(&self, hosts: &str) -> Result<()> {
        let list = HostList::parse(hosts)?;
        if list.chroot() != self.inner.chroot.as_deref() {
            return Err(Error::Config(
                "set_hosts cannot change the chroot of a client".into(),
            ));
        }
        *self.lock_hosts() = list.clone();
        if let Some(tx) = self.cmd().as_ref() {
            tx.send(Command::SetHosts(list));
        }
        Ok(())
    }

    // ---- state -------------------------------------------------------------------------

    /// kazoo's high-level state (`Lost` before the first connection).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// if client.state() == kazoo_client::KazooState::Suspended { /* pause */ }
    /// # }
    /// ```
    pub fn state(&self) -> KazooState {
        self.inner.shared.current().kazoo
    }

    /// The detailed state (kazoo's `client_state`, a [`SessionState`]).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let read_only = client.keeper_state() == kazoo_client::SessionState::ConnectedReadOnly;
    /// # }
    /// ```
    pub fn keeper_state(&self) -> SessionState {
        self.inner.shared.current().session
    }

    /// True while connected (read-write or read-only).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { assert!(client.connected()); }
    /// ```
    pub fn connected(&self) -> bool {
        self.keeper_state().is_connected()
    }

    /// The session id, once a session exists.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { println!("{:x?}", client.session_id()); }
    /// ```
    pub fn session_id(&self) -> Option<i64> {
        self.inner
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .session_id
    }

    /// The session password (to resume the session elsewhere with
    /// [`ClientBuilder::session`]). Keep it secret.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { let _pw = client.session_password(); }
    /// ```
    pub fn session_password(&self) -> Vec<u8> {
        self.inner
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .password
            .clone()
    }

    /// The session timeout the server granted.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { println!("{:?}", client.negotiated_timeout()); }
    /// ```
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.inner
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .negotiated
    }

    /// The address of the server the client is connected to.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { println!("{:?}", client.current_server()); }
    /// ```
    pub fn current_server(&self) -> Option<SocketAddr> {
        self.inner
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .server
    }

    /// The chroot of the connect string, if any.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) { assert_eq!(client.chroot(), Some("/app")); }
    /// ```
    pub fn chroot(&self) -> Option<&str> {
        self.inner.chroot.as_deref()
    }

    /// Subscribes to state transitions (kazoo's `add_listener`, as a receiver).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) {
    /// let mut states = client.subscribe_state();
    /// let next = states.recv().await;
    /// # }
    /// ```
    pub fn subscribe_state(&self) -> StateListener {
        StateListener {
            rx: self.inner.shared.subscribe(),
            missed: 0,
        }
    }

    /// State transitions as a [`Stream`]; a lagging consumer skips the oldest ones.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) {
    /// use futures::StreamExt;
    /// let mut s = Box::pin(client.state_stream());
    /// while let Some(change) = s.next().await { println!("{change:?}"); }
    /// # }
    /// ```
    pub fn state_stream(&self) -> impl Stream<Item = StateChange> + Send + 'static {
        futures::stream::unfold(self.subscribe_state(), |mut l| async move {
            l.recv().await.map(|c| (c, l))
        })
    }

    /// The latest state as a `tokio::sync::watch` receiver (no history, never lags).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) {
    /// let mut rx = client.state_watch();
    /// rx.changed().await.ok();
    /// # }
    /// ```
    pub fn state_watch(&self) -> watch::Receiver<StateChange> {
        self.inner.shared.state_tx.subscribe()
    }

    /// Runs `f` (one or several operations) under a retry policy (kazoo's `client.retry`).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::RetryPolicy;
    /// let policy = RetryPolicy::new().with_max_tries(5);
    /// let (data, _) = client.retry(&policy, || client.get("/config")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn retry<T, F, Fut>(&self, policy: &crate::retry::RetryPolicy, f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        policy.run(f).await
    }

    // ---- plumbing ----------------------------------------------------------------------

    pub(crate) fn gate(&self) -> Option<Arc<Gate>> {
        self.cmd().as_ref().map(|tx| tx.gate().clone())
    }

    /// Hands a command that must keep its call-time place among requests (auth, watch
    /// removal) to the I/O task, behind requests waiting for the bound.
    pub(crate) fn send_ordered(&self, cmd: Command) -> Result<()> {
        match self.gate() {
            Some(gate) => gate.send(cmd).map_err(|_| Error::Closed),
            None => Err(Error::Closed),
        }
    }

    pub(crate) fn next_watcher_id(&self) -> WatcherId {
        WatcherId(self.inner.next_watcher.fetch_add(1, Ordering::Relaxed))
    }

    /// Validates a chroot-relative path and makes it server-absolute.
    pub(crate) fn server_path(&self, path: &str, sequential: bool) -> Result<String> {
        kazoo_proto::validate_path(path, sequential).map_err(|e| Error::InvalidPath {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(match self.inner.chroot.as_deref() {
            Some(root) => kazoo_proto::path::prepend_chroot(root, path),
            None => path.to_owned(),
        })
    }

    /// Makes a server path chroot-relative.
    pub(crate) fn client_path(&self, server_path: &str) -> String {
        match self.inner.chroot.as_deref() {
            Some(root) => kazoo_proto::path::strip_chroot(root, server_path)
                .unwrap_or(server_path)
                .to_owned(),
            None => server_path.to_owned(),
        }
    }
}

/// Maps a raw reply to a [`Response`] or the error it carries.
pub(crate) fn decode(op: OpCode, raw: RawReply, path: &str) -> Result<Response> {
    let is_multi = matches!(op, OpCode::Multi | OpCode::MultiRead);
    if raw.err != ErrorCode::Ok && (!is_multi || raw.body.is_empty()) {
        return Err(error_for(op, raw.err, path));
    }
    Ok(Response::decode_reply(
        op,
        raw.err,
        &mut Reader::new(raw.body),
    )?)
}

/// The error for a server code, with the op's name and minimum version for `Unimplemented`.
pub(crate) fn error_for(op: OpCode, code: ErrorCode, path: &str) -> Error {
    if code == ErrorCode::Unimplemented {
        return Error::Unimplemented {
            op: op_name(op),
            min_version: min_version(op),
        };
    }
    Error::from_code(code, path)
}

fn op_name(op: OpCode) -> &'static str {
    use OpCode::*;
    match op {
        Create => "create",
        Create2 => "create2",
        CreateContainer => "createContainer",
        CreateTtl => "createTTL",
        Delete => "delete",
        Exists => "exists",
        GetData => "getData",
        SetData => "setData",
        GetAcl => "getACL",
        SetAcl => "setACL",
        GetChildren => "getChildren",
        GetChildren2 => "getChildren2",
        Sync => "sync",
        Check => "check",
        Multi => "multi",
        MultiRead => "multiRead",
        Reconfig => "reconfig",
        CheckWatches => "checkWatches",
        RemoveWatches => "removeWatches",
        AddWatch => "addWatch",
        GetEphemerals => "getEphemerals",
        GetAllChildrenNumber => "getAllChildrenNumber",
        WhoAmI => "whoAmI",
        _ => "request",
    }
}

fn min_version(op: OpCode) -> &'static str {
    match op.min_server_version() {
        (3, 5) => "3.5.0",
        (3, 6) => "3.6.0",
        (3, 7) => "3.7.0",
        (3, 9) => "3.9.0",
        _ => "3.4.0",
    }
}
