//! Fencing tokens and lost signals shared by every exclusive grant (locks, leases, elections).
//!
//! A recipe that hands out something exclusive (a lock, a semaphore lease, leadership, a
//! time-bounded lease) describes it with a [`Grant`]:
//!
//! - a [`FencingToken`]: by default the creation zxid (`Stat::czxid`) of the node that
//!   represents the grant. zxids grow across the whole ensemble and never restart, unlike the
//!   sequence numbers of a parent that was deleted and created again, so a resource that
//!   remembers the highest token it has seen can refuse a holder that lost its grant and did
//!   not notice yet;
//! - a [`LostSignal`] that fires once, with a [`LostReason`], when the grant is (or may be)
//!   gone: the session expired or the client closed, the node was deleted or replaced, the
//!   grant was released, and (when asked with [`GrantOptions::lost_on_suspend`]) as soon as
//!   the connection is suspended. After a reconnect the grant checks that its node still
//!   exists and still belongs to this session;
//! - [`Grant::transaction`]: a transaction whose first op checks the grant's node, so writes to
//!   ZooKeeper made "under the lock" fail once the grant is gone ([`is_fenced_out`]).
//!
//! Other recipes build their grants with [`Grant::monitor`], or use [`lost_channel`] when a
//! lost signal is all they need.

use crate::lock::wait::until;
use kazoo_client::{Client, Error, EventType, KazooState, KeeperState, SessionState, Stat};
use kazoo_client::{StateChange, Watch};
use kazoo_client::{Transaction, WatcherType};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// A fencing token: a number that grows with every grant of the same resource.
///
/// Made from a zxid (ZooKeeper's transaction id), which is unique and increasing across the
/// whole ensemble. Compare tokens to order grants; hand the token to the resource you protect
/// so it can refuse requests carrying an older one.
///
/// ```
/// use kazoo_recipes::fencing::FencingToken;
/// let older = FencingToken::from_zxid(0x1_0000_0005);
/// let newer = FencingToken::from_zxid(0x2_0000_0001);
/// assert!(older < newer);
/// assert_eq!(newer.zxid(), 0x2_0000_0001);
/// assert_eq!(newer.to_string(), "8589934593");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(i64);

impl FencingToken {
    /// The token for a zxid.
    pub fn from_zxid(zxid: i64) -> FencingToken {
        FencingToken(zxid)
    }

    /// The token of a grant represented by the node `stat` describes: its creation zxid.
    ///
    /// ```
    /// use kazoo_client::Stat;
    /// use kazoo_recipes::fencing::FencingToken;
    /// let stat = Stat { czxid: 42, ..Stat::default() };
    /// assert_eq!(FencingToken::from_stat(&stat).zxid(), 42);
    /// ```
    pub fn from_stat(stat: &Stat) -> FencingToken {
        FencingToken(stat.czxid)
    }

    /// The zxid this token is made of.
    pub fn zxid(self) -> i64 {
        self.0
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a grant ended.
///
/// ```
/// use kazoo_recipes::fencing::LostReason;
/// assert!(LostReason::SessionExpired.is_loss());
/// assert!(!LostReason::Released.is_loss());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LostReason {
    /// The session expired: every ephemeral node of it is gone.
    SessionExpired,
    /// The client was closed (or its session ended for another terminal reason).
    Closed,
    /// The grant's node was deleted.
    NodeDeleted,
    /// The node exists but is not ours any more: created again, changed, or owned by another
    /// session.
    NotOwned,
    /// The connection was suspended (only with [`GrantOptions::lost_on_suspend`]): the grant
    /// may still be valid, but this process cannot know until it reconnects.
    Suspended,
    /// The holder released the grant (or dropped it).
    Released,
}

impl LostReason {
    /// True for every reason but [`LostReason::Released`]: the grant was taken away rather
    /// than given back.
    pub fn is_loss(self) -> bool {
        self != LostReason::Released
    }
}

impl fmt::Display for LostReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LostReason::SessionExpired => "the session expired",
            LostReason::Closed => "the client was closed",
            LostReason::NodeDeleted => "the grant's node was deleted",
            LostReason::NotOwned => "the grant's node is not ours any more",
            LostReason::Suspended => "the connection was suspended",
            LostReason::Released => "the grant was released",
        })
    }
}

/// The state shared by a trigger and its signals, readable from threads without a runtime.
/// Async waiters wait on `wake`, threads on `cond`; the `watch` channel of
/// [`LostSignal::receiver`] is only made when someone asks for it (a channel per grant, sent
/// to at every release, cost a lock cycle several thousand instructions).
#[derive(Debug, Default)]
struct LostState {
    fired: Mutex<Fired>,
    cond: Condvar,
    wake: Notify,
}

/// What the mutex of a [`LostState`] guards.
#[derive(Debug, Default)]
struct Fired {
    reason: Option<LostReason>,
    /// Threads blocked in [`LostSignal::wait_blocking`]: firing notifies the condition
    /// variable only when there are some (a notification is a system call even with no
    /// waiter, and a lock's every release fires its grant's signal).
    waiters: usize,
    /// The channel of [`LostSignal::receiver`], once asked for, until the trigger is gone
    /// (its receivers then see it closed, as they would a dropped sender's).
    tx: Option<watch::Sender<Option<LostReason>>>,
    /// Every clone of the trigger was dropped.
    trigger_gone: bool,
}

impl LostState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Fired> {
        self.fired.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reason(&self) -> Option<LostReason> {
        self.lock().reason
    }
}

/// The sending side, shared by every clone of a trigger.
#[derive(Debug)]
struct TriggerInner {
    state: Arc<LostState>,
}

impl TriggerInner {
    fn fire(&self, reason: LostReason) -> bool {
        let mut f = self.state.lock();
        if f.reason.is_some() {
            return false;
        }
        f.reason = Some(reason);
        if let Some(tx) = &f.tx {
            tx.send_replace(Some(reason));
        }
        if f.waiters > 0 {
            self.state.cond.notify_all();
        }
        drop(f);
        self.state.wake.notify_waiters();
        true
    }
}

impl Drop for TriggerInner {
    /// Nobody can fire the signal any more: the grant was dropped, which gives it up.
    fn drop(&mut self) {
        self.fire(LostReason::Released);
        let mut f = self.state.lock();
        f.trigger_gone = true;
        f.tx = None;
    }
}

/// The sending half of a lost signal: fires it once. Cloning shares the same signal; when
/// the last clone is dropped without firing, the signal fires with [`LostReason::Released`].
///
/// ```
/// use kazoo_recipes::fencing::{lost_channel, LostReason};
/// let (trigger, signal) = lost_channel();
/// assert!(trigger.fire(LostReason::NodeDeleted));
/// assert!(!trigger.fire(LostReason::Released)); // the first reason stays
/// assert_eq!(signal.reason(), Some(LostReason::NodeDeleted));
/// ```
#[derive(Debug, Clone)]
pub struct LostTrigger {
    inner: Arc<TriggerInner>,
}

impl LostTrigger {
    /// Fires the signal with `reason`; returns false (and changes nothing) when it had fired
    /// already.
    pub fn fire(&self, reason: LostReason) -> bool {
        self.inner.fire(reason)
    }

    /// True once the signal fired.
    pub fn is_fired(&self) -> bool {
        self.inner.state.reason().is_some()
    }

    /// A receiving half of this trigger's signal.
    pub fn signal(&self) -> LostSignal {
        LostSignal {
            state: self.inner.state.clone(),
        }
    }
}

/// A new lost signal: the trigger fires it, the signal (cloneable) tells it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use kazoo_recipes::fencing::{lost_channel, LostReason};
/// let (trigger, signal) = lost_channel();
/// tokio::spawn(async move { trigger.fire(LostReason::SessionExpired) });
/// assert_eq!(signal.lost().await, LostReason::SessionExpired);
/// # }
/// ```
pub fn lost_channel() -> (LostTrigger, LostSignal) {
    let trigger = LostTrigger {
        inner: Arc::new(TriggerInner {
            state: Arc::new(LostState::default()),
        }),
    };
    let signal = trigger.signal();
    (trigger, signal)
}

/// The receiving half of a lost signal: tells once, with a [`LostReason`], that a grant is
/// gone. Cheap to clone; every clone sees the same signal. Usable from async code
/// ([`LostSignal::lost`], [`LostSignal::receiver`]) and from plain threads
/// ([`LostSignal::wait_blocking`]).
///
/// ```no_run
/// # async fn f(guard: kazoo_recipes::lock::LockGuard) {
/// let lost = guard.lost_signal();
/// tokio::select! {
///     reason = lost.lost() => eprintln!("stopping: {reason}"),
///     _ = async { /* work that needs the lock */ } => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LostSignal {
    state: Arc<LostState>,
}

impl LostSignal {
    /// True once the signal fired.
    pub fn is_lost(&self) -> bool {
        self.reason().is_some()
    }

    /// The reason, once the signal fired.
    pub fn reason(&self) -> Option<LostReason> {
        self.state.reason()
    }

    /// Waits until the signal fires and returns its reason (at once if it fired already).
    /// The future owns what it needs, so `signal.lost()` can be awaited or raced directly.
    pub fn lost(&self) -> impl std::future::Future<Output = LostReason> + Send + 'static {
        let state = self.state.clone();
        async move {
            until(&state.wake, || state.reason().is_some()).await;
            // Set once, never cleared.
            state.reason().unwrap_or(LostReason::Released)
        }
    }

    /// Blocks the calling thread until the signal fires or `timeout` passes (`None`: no
    /// limit); returns the reason, or `None` on timeout. Needs no async runtime.
    ///
    /// ```
    /// use kazoo_recipes::fencing::{lost_channel, LostReason};
    /// use std::time::Duration;
    /// let (trigger, signal) = lost_channel();
    /// assert_eq!(signal.wait_blocking(Some(Duration::from_millis(10))), None);
    /// trigger.fire(LostReason::Released);
    /// assert_eq!(signal.wait_blocking(None), Some(LostReason::Released));
    /// ```
    pub fn wait_blocking(&self, timeout: Option<Duration>) -> Option<LostReason> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut f = self.state.lock();
        f.waiters += 1;
        let reason = loop {
            if let Some(reason) = f.reason {
                break Some(reason);
            }
            match deadline {
                None => f = self.state.cond.wait(f).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break None;
                    }
                    f = self
                        .state
                        .cond
                        .wait_timeout(f, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        };
        f.waiters -= 1;
        reason
    }

    /// The signal as a `tokio::sync::watch` receiver: `None` until it fires, then the reason.
    /// The channel is made on the first call.
    pub fn receiver(&self) -> watch::Receiver<Option<LostReason>> {
        let mut f = self.state.lock();
        if let Some(tx) = &f.tx {
            return tx.subscribe();
        }
        let (tx, rx) = watch::channel(f.reason);
        if !f.trigger_gone {
            f.tx = Some(tx);
        }
        rx
    }
}

/// How a [`Grant`] is watched.
///
/// ```
/// use kazoo_recipes::fencing::{FencingToken, GrantOptions};
/// let opts = GrantOptions::new().lost_on_suspend(true).token(FencingToken::from_zxid(7));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GrantOptions {
    lost_on_suspend: bool,
    token: Option<FencingToken>,
}

impl GrantOptions {
    /// Defaults: the lost signal ignores suspensions, the token is the node's `czxid`.
    pub fn new() -> GrantOptions {
        GrantOptions::default()
    }

    /// Also fire the lost signal ([`LostReason::Suspended`]) when the connection is suspended.
    /// A suspended holder cannot know whether its session survives; with this option it stops
    /// before the session could expire and another process be granted the same thing (the
    /// client declares the connection lost after two thirds of the session timeout without a
    /// reply, the server expires the session after the whole timeout).
    pub fn lost_on_suspend(mut self, yes: bool) -> GrantOptions {
        self.lost_on_suspend = yes;
        self
    }

    /// Use this token instead of the node's creation zxid (a lease that rewrites its node may
    /// use the modification zxid, for instance).
    pub fn token(mut self, token: FencingToken) -> GrantOptions {
        self.token = Some(token);
        self
    }
}

/// Something exclusive this client was granted, represented by one znode: its fencing token,
/// its lost signal, and guarded transactions.
///
/// The grant is *ours* while its node exists with the creation zxid and data version it had
/// when granted and, for an ephemeral node, is owned by this client's current session. A
/// background task watches the node (one data watch, which the node's deletion clears) and
/// the session, and fires the lost signal when that stops being true. Cheap to clone.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::lock::Lock;
/// let lock = Lock::new(&client, "/locks/report");
/// let guard = lock.acquire().await?;
/// let grant = guard.grant();
/// println!("token {}", grant.token());
/// let mut t = grant.transaction(); // starts with a check on our lock node
/// t.set_data("/reports/latest", b"...".to_vec(), None);
/// t.commit().await?; // fails if we lost the lock meanwhile
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Grant {
    inner: Arc<GrantInner>,
}

#[derive(Debug)]
struct GrantInner {
    client: Client,
    path: String,
    token: FencingToken,
    expect: Expect,
    trigger: LostTrigger,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for GrantInner {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}

/// What the grant's node must look like for the grant to be ours.
#[derive(Debug, Clone, Copy)]
struct Expect {
    czxid: i64,
    version: i32,
    /// The owning session for an ephemeral node, 0 for a persistent one.
    owner: i64,
}

impl Expect {
    fn check(&self, client: &Client, stat: &Stat) -> Result<(), LostReason> {
        if stat.czxid != self.czxid || stat.version != self.version {
            return Err(LostReason::NotOwned);
        }
        if self.owner != 0 {
            if stat.ephemeral_owner != self.owner {
                return Err(LostReason::NotOwned);
            }
            if client.session_id() != Some(self.owner) {
                return Err(LostReason::SessionExpired);
            }
        }
        Ok(())
    }
}

impl Grant {
    /// Starts watching the grant represented by the node at `path` (chroot-relative), whose
    /// stat at grant time is `stat`. Reads the node once with a data watch before returning,
    /// so the returned grant is already lost ([`Grant::is_lost`]) if the node is gone or not
    /// ours. Must run inside a tokio runtime (the watcher is a spawned task).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::CreateOptions;
    /// use kazoo_recipes::fencing::{Grant, GrantOptions};
    /// let (path, stat) = client
    ///     .create_with_stat("/leases/a", b"me".to_vec(), &CreateOptions::new().ephemeral())
    ///     .await?;
    /// let grant = Grant::monitor(&client, &path, &stat, GrantOptions::new()).await;
    /// assert!(!grant.is_lost());
    /// # Ok(()) }
    /// ```
    pub async fn monitor(client: &Client, path: &str, stat: &Stat, options: GrantOptions) -> Grant {
        let (grant, mut monitor) = Grant::prepare(client, path, stat, options);
        if let Some(reason) = monitor.initial_reason() {
            monitor.trigger.fire(reason);
            return grant;
        }
        match arm(client, path, monitor.expect).await {
            Ok(watch) => monitor.watch = Some(watch),
            Err(Some(reason)) => {
                monitor.trigger.fire(reason);
                return grant;
            }
            // Connection trouble: the task tries again.
            Err(None) => {}
        }
        grant.start(monitor);
        grant
    }

    /// [`Grant::monitor`] for a caller that has just seen the node as ours: `stat` comes from
    /// a reply of this session (the create, or a read), and the latest reply about the node
    /// showed it still there (a lock's listing sent after its create). The grant is returned
    /// at once, without a round trip, and the spawned task sets the data watch first. If that
    /// read finds the node gone or not ours, the lost signal fires from the task, for the same
    /// reasons [`Grant::monitor`] gives.
    ///
    /// A grant ended before its task ran sends no request at all; one ended while the read is
    /// in flight leaves its watch only until the node's deletion, which the recipes send right
    /// after ending the grant (a read that arrives after the deletion sets no watch).
    pub(crate) fn monitor_verified(
        client: &Client,
        path: &str,
        stat: &Stat,
        options: GrantOptions,
    ) -> Grant {
        let (grant, monitor) = Grant::prepare(client, path, stat, options);
        if let Some(reason) = monitor.initial_reason() {
            monitor.trigger.fire(reason);
            return grant;
        }
        grant.start(monitor);
        grant
    }

    /// The grant and its not yet started monitor.
    fn prepare(
        client: &Client,
        path: &str,
        stat: &Stat,
        options: GrantOptions,
    ) -> (Grant, Monitor) {
        let (trigger, _) = lost_channel();
        let expect = Expect {
            czxid: stat.czxid,
            version: stat.version,
            owner: stat.ephemeral_owner,
        };
        let grant = Grant {
            inner: Arc::new(GrantInner {
                client: client.clone(),
                path: path.to_owned(),
                token: options.token.unwrap_or(FencingToken::from_stat(stat)),
                expect,
                trigger: trigger.clone(),
                task: Mutex::new(None),
            }),
        };
        let monitor = Monitor {
            client: client.clone(),
            path: path.to_owned(),
            expect,
            lost_on_suspend: options.lost_on_suspend,
            trigger,
            // Subscribed now, so no transition after this point is missed by the task.
            states: client.subscribe_state(),
            watch: None,
        };
        (grant, monitor)
    }

    /// Spawns the monitor's task (must run inside a tokio runtime).
    fn start(&self, monitor: Monitor) {
        let task = tokio::spawn(monitor.run());
        *self.inner.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
    }

    /// The fencing token.
    pub fn token(&self) -> FencingToken {
        self.inner.token
    }

    /// The grant's node (chroot-relative path).
    pub fn node_path(&self) -> &str {
        &self.inner.path
    }

    /// The session that owns the grant's node (0 for a persistent node).
    pub fn session_id(&self) -> i64 {
        self.inner.expect.owner
    }

    /// The node's data version when granted (what [`Grant::transaction`] checks).
    pub fn version(&self) -> i32 {
        self.inner.expect.version
    }

    /// The lost signal (a new receiver each call; all see the same signal).
    pub fn lost_signal(&self) -> LostSignal {
        self.inner.trigger.signal()
    }

    /// True once the lost signal fired.
    pub fn is_lost(&self) -> bool {
        self.inner.trigger.is_fired()
    }

    /// Why the grant ended, once it did.
    pub fn lost_reason(&self) -> Option<LostReason> {
        self.lost_signal().reason()
    }

    /// A transaction on this grant's client whose first op checks that the grant's node still
    /// exists at the version it had when granted. Add writes and commit: if the grant is gone
    /// the whole transaction fails and [`is_fenced_out`] is true for its error.
    pub fn transaction(&self) -> Transaction {
        let mut t = self.inner.client.transaction();
        t.check(&self.inner.path, self.inner.expect.version);
        t
    }

    /// Asks the server (after a `sync`, so the answer is current) whether the grant is still
    /// ours; fires the lost signal and returns false when it is not. Connection errors are
    /// returned as errors: they do not tell either way.
    pub async fn verify(&self) -> Result<bool, Error> {
        if self.is_lost() {
            return Ok(false);
        }
        let client = &self.inner.client;
        client.sync(&self.inner.path).await?;
        let verdict = match client.get(&self.inner.path).await {
            Ok((_, stat)) => self.inner.expect.check(client, &stat),
            Err(Error::NoNode { .. }) => Err(LostReason::NodeDeleted),
            Err(e) => match terminal_reason(&e) {
                Some(r) => Err(r),
                None => return Err(e),
            },
        };
        match verdict {
            Ok(()) => Ok(!self.is_lost()),
            Err(reason) => {
                self.inner.trigger.fire(reason);
                Ok(false)
            }
        }
    }

    /// Ends the grant: fires the lost signal with `reason` (unless it fired already) and stops
    /// watching. The node's data watch stays on the server until the node changes or is
    /// deleted (recipes delete it right after).
    pub fn end(&self, reason: LostReason) {
        self.inner.trigger.fire(reason);
        if let Some(task) = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

/// True when `err` is the failure of a [`Grant::transaction`] because its grant is gone (the
/// check op, first in the transaction, found the node missing or changed).
///
/// ```
/// use kazoo_client::Error;
/// use kazoo_recipes::fencing::is_fenced_out;
/// let e = Error::Transaction { index: 0, error: Box::new(Error::NoNode { path: "/l/x".into() }) };
/// assert!(is_fenced_out(&e));
/// assert!(!is_fenced_out(&Error::ConnectionLoss));
/// ```
pub fn is_fenced_out(err: &Error) -> bool {
    match err {
        Error::Transaction { index: 0, error } => {
            matches!(**error, Error::NoNode { .. } | Error::BadVersion { .. })
        }
        _ => false,
    }
}

/// The lost reason an error implies, if it ends the session.
fn terminal_reason(e: &Error) -> Option<LostReason> {
    match e {
        Error::SessionExpired => Some(LostReason::SessionExpired),
        e if e.is_session_terminal() => Some(LostReason::Closed),
        _ => None,
    }
}

/// Sets the data watch on the grant's node and checks the node is ours. `Err(Some(reason))`:
/// lost; `Err(None)`: could not tell (connection trouble), try again after a state change.
async fn arm(client: &Client, path: &str, expect: Expect) -> Result<Watch, Option<LostReason>> {
    match client.get_w(path).await {
        Ok((_, stat, watch)) => match expect.check(client, &stat) {
            Ok(()) => Ok(watch),
            Err(reason) => {
                // The watch is on a node that is not ours: do not leave it behind.
                drop(watch);
                let _ = client.remove_watches(path, WatcherType::Data, false).await;
                Err(Some(reason))
            }
        },
        Err(Error::NoNode { .. }) => Err(Some(LostReason::NodeDeleted)),
        Err(e) => Err(terminal_reason(&e)),
    }
}

/// What the monitor woke up for while arming its watch.
enum Step {
    Armed(Result<Watch, Option<LostReason>>),
    State(Option<StateChange>),
}

/// The background task of a [`Grant`].
struct Monitor {
    client: Client,
    path: String,
    expect: Expect,
    lost_on_suspend: bool,
    trigger: LostTrigger,
    states: kazoo_client::StateListener,
    watch: Option<kazoo_client::Watch>,
}

impl Monitor {
    /// A reason the grant is lost already, judged from the client's current state.
    fn initial_reason(&self) -> Option<LostReason> {
        if self.expect.owner != 0 && self.client.session_id() != Some(self.expect.owner) {
            return Some(LostReason::SessionExpired);
        }
        match self.client.state() {
            KazooState::Lost => Some(LostReason::Closed),
            KazooState::Suspended if self.lost_on_suspend => Some(LostReason::Suspended),
            _ => None,
        }
    }

    /// Checks the node without leaving a watch (after a reconnect, while the watch set before
    /// still stands).
    async fn check(&self) -> Result<(), Option<LostReason>> {
        match self.client.get(&self.path).await {
            Ok((_, stat)) => self.expect.check(&self.client, &stat).map_err(Some),
            Err(Error::NoNode { .. }) => Err(Some(LostReason::NodeDeleted)),
            Err(e) => Err(terminal_reason(&e)),
        }
    }

    /// What a state transition means for the grant: `Some(reason)` ends it, `None` carries
    /// on (`verify` asks for a check of the node).
    fn on_state(
        &self,
        kazoo: KazooState,
        session: SessionState,
        verify: &mut bool,
    ) -> Option<LostReason> {
        match kazoo {
            // A persistent node outlives the session: look at it again in the next one.
            KazooState::Lost
                if session == SessionState::ExpiredSession && self.expect.owner == 0 =>
            {
                *verify = true;
                None
            }
            KazooState::Lost if session == SessionState::ExpiredSession => {
                Some(LostReason::SessionExpired)
            }
            KazooState::Lost => Some(LostReason::Closed),
            KazooState::Suspended if self.lost_on_suspend => Some(LostReason::Suspended),
            KazooState::Suspended => {
                *verify = true;
                None
            }
            KazooState::Connected => {
                if self.expect.owner != 0 && self.client.session_id() != Some(self.expect.owner) {
                    return Some(LostReason::SessionExpired);
                }
                None
            }
        }
    }

    async fn run(mut self) {
        let reason = self.watch_until_lost().await;
        self.trigger.fire(reason);
    }

    async fn watch_until_lost(&mut self) -> LostReason {
        // Set while a reconnect must be followed by a check of the node.
        let mut verify = false;
        loop {
            if self.trigger.is_fired() {
                return LostReason::Released;
            }
            if self.watch.is_none() {
                // Arming may wait for a reconnect: state changes must still be seen meanwhile
                // (a suspension can be a loss).
                let step = {
                    let arming = arm(&self.client, &self.path, self.expect);
                    let states = &mut self.states;
                    tokio::select! {
                        r = arming => Step::Armed(r),
                        c = states.recv() => Step::State(c),
                    }
                };
                match step {
                    Step::Armed(Ok(watch)) => self.watch = Some(watch),
                    Step::Armed(Err(Some(reason))) => return reason,
                    Step::Armed(Err(None)) => {
                        // Connection trouble: wait for the next transition, then try again.
                        let Some(c) = self.states.recv().await else {
                            return LostReason::Closed;
                        };
                        if let Some(r) = self.on_state(c.kazoo, c.session, &mut verify) {
                            return r;
                        }
                        continue;
                    }
                    Step::State(None) => return LostReason::Closed,
                    Step::State(Some(c)) => {
                        if let Some(r) = self.on_state(c.kazoo, c.session, &mut verify) {
                            return r;
                        }
                        // Arming again checks the node, as a verification would.
                        verify = false;
                        continue;
                    }
                }
            }
            let Some(watch) = self.watch.as_mut() else {
                continue;
            };
            tokio::select! {
                event = watch => {
                    self.watch = None;
                    match (event.event_type, event.keeper_state) {
                        (EventType::NodeDeleted, _) => return LostReason::NodeDeleted,
                        (EventType::None, KeeperState::Expired) if self.expect.owner != 0 => {
                            return LostReason::SessionExpired
                        }
                        (EventType::None, KeeperState::Expired) => {}
                        (EventType::None, _) => return LostReason::Closed,
                        // Data changed or our watch was removed (by another user of this
                        // client on the same path): look again.
                        _ => {}
                    }
                }
                change = self.states.recv() => {
                    let Some(c) = change else { return LostReason::Closed };
                    if let Some(r) = self.on_state(c.kazoo, c.session, &mut verify) {
                        return r;
                    }
                    if c.kazoo == KazooState::Connected && verify {
                        verify = false;
                        match self.check().await {
                            Ok(()) => {}
                            Err(Some(reason)) => return reason,
                            Err(None) => verify = true,
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_reason_wins_and_every_clone_sees_it() {
        let (trigger, signal) = lost_channel();
        let other = signal.clone();
        assert!(!signal.is_lost());
        assert!(trigger.clone().fire(LostReason::Suspended));
        assert!(!trigger.fire(LostReason::NodeDeleted));
        assert_eq!(other.reason(), Some(LostReason::Suspended));
        assert_eq!(*signal.receiver().borrow(), Some(LostReason::Suspended));
    }

    #[tokio::test]
    async fn a_dropped_trigger_reads_as_released() {
        let (trigger, signal) = lost_channel();
        drop(trigger);
        assert_eq!(signal.lost().await, LostReason::Released);
    }

    #[test]
    fn blocking_wait_wakes_on_fire_from_another_thread() {
        let (trigger, signal) = lost_channel();
        let t = std::thread::spawn(move || signal.wait_blocking(None));
        trigger.fire(LostReason::NodeDeleted);
        assert_eq!(t.join().ok().flatten(), Some(LostReason::NodeDeleted));
    }

    #[tokio::test]
    async fn a_receiver_sees_the_firing_and_then_the_trigger_gone() {
        let (trigger, signal) = lost_channel();
        let mut rx = signal.receiver();
        assert_eq!(*rx.borrow(), None);
        let waiting = tokio::spawn(signal.lost());
        trigger.fire(LostReason::NodeDeleted);
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow_and_update(), Some(LostReason::NodeDeleted));
        assert_eq!(waiting.await.unwrap(), LostReason::NodeDeleted);
        drop(trigger);
        assert!(rx.changed().await.is_err(), "closed with the trigger");
        assert_eq!(*rx.borrow(), Some(LostReason::NodeDeleted));
    }

    #[tokio::test]
    async fn a_receiver_made_after_the_trigger_is_gone_is_closed_with_the_reason() {
        let (trigger, signal) = lost_channel();
        drop(trigger);
        let mut rx = signal.receiver();
        assert_eq!(*rx.borrow(), Some(LostReason::Released));
        assert!(rx.changed().await.is_err());
        assert_eq!(signal.lost().await, LostReason::Released);
    }

    #[test]
    fn a_blocked_waiter_is_counted_and_woken() {
        let (trigger, signal) = lost_channel();
        let state = signal.state.clone();
        let t = std::thread::spawn(move || signal.wait_blocking(None));
        // The waiter registers under the lock before it blocks on the condition variable.
        while state.lock().waiters == 0 {
            std::thread::yield_now();
        }
        assert!(trigger.fire(LostReason::NotOwned));
        assert_eq!(t.join().ok().flatten(), Some(LostReason::NotOwned));
        assert_eq!(state.lock().waiters, 0);
    }

    #[test]
    fn a_timed_out_waiter_is_no_longer_counted() {
        let (trigger, signal) = lost_channel();
        assert_eq!(signal.wait_blocking(Some(Duration::from_millis(5))), None);
        assert_eq!(signal.state.lock().waiters, 0);
        assert!(trigger.fire(LostReason::Released));
        assert_eq!(signal.wait_blocking(None), Some(LostReason::Released));
    }

    #[test]
    fn fenced_out_only_for_a_failed_first_check() {
        let nonode = || Box::new(Error::NoNode { path: "/x".into() });
        assert!(is_fenced_out(&Error::Transaction {
            index: 0,
            error: nonode()
        }));
        assert!(!is_fenced_out(&Error::Transaction {
            index: 1,
            error: nonode()
        }));
        let bad = Box::new(Error::BadVersion { path: "/x".into() });
        assert!(is_fenced_out(&Error::Transaction {
            index: 0,
            error: bad
        }));
    }
}
