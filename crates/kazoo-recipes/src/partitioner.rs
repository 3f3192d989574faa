//! SetPartitioner: divide a set of items among the members of a party (kazoo's
//! `SetPartitioner`, same znodes, same states and transitions).
//!
//! Members join a [`ShallowParty`] at `{path}/party` (identifier `{host name}-{pid}` by
//! default). Once the party has not changed for `time_boundary`, each member computes its
//! share (by default: sort the items and the member identifiers; member `i` of `n` takes items
//! `i, i+n, i+2n, ...`) and takes a plain lock (empty identifier) on `{path}/locks/{item}` for
//! each of its items. A background task drives the states:
//!
//! - `Allocating` → `Acquired`: every lock of our share is held and the party did not change
//!   meanwhile; [`SetPartitioner::partitions`] lists our items.
//! - `Allocating` → `Allocating`: the party changed while we were taking locks: they are
//!   released and the allocation starts over.
//! - `Acquired` → `Release`: the party changed, the connection was suspended, or one of our
//!   item locks was lost. Stop working on the items and call [`SetPartitioner::release_set`].
//! - `Release` → `Allocating`: [`SetPartitioner::release_set`] released our locks.
//! - any → `Failure`: the session was lost, a request failed for good, or
//!   [`SetPartitioner::finish`] was called. The partitioner is unusable then; make a new one.
//!
//! As in kazoo, a connection state change while allocating also moves to `Release`.

use crate::fencing::{FencingToken, Grant, LostReason};
use crate::lock::{Lock, LockGuard};
use crate::party::ShallowParty;
use crate::watchers::PatientChildrenWatch;
use futures::FutureExt;
use kazoo_client::{Client, Error, KazooState, StateListener, Watch};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// kazoo's `PartitionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// The set is being divided; our share is being locked.
    Allocating,
    /// Our share is locked: work on [`SetPartitioner::partitions`].
    Acquired,
    /// The set must be divided again: stop working and call [`SetPartitioner::release_set`].
    Release,
    /// The partitioner failed (session lost, a request failed for good) or was finished.
    Failure,
}

impl fmt::Display for PartitionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartitionState::Allocating => "ALLOCATING",
            PartitionState::Acquired => "ACQUIRED",
            PartitionState::Release => "RELEASE",
            PartitionState::Failure => "FAILURE",
        })
    }
}

/// A state, with what goes with it; every change is published (see
/// [`SetPartitioner::subscribe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStatus {
    /// The state.
    pub state: PartitionState,
    /// Counts state changes (kazoo's `state_id`): tells two visits of one state apart.
    pub state_id: u64,
    /// Our items while `Acquired`; empty otherwise.
    pub partitions: Vec<String>,
}

/// Decides a member's share: `(our identifier, member identifiers, items) -> our items`.
/// Every member must use the same function, and together the shares must cover the items
/// without overlap.
pub type PartitionFn = Arc<dyn Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync>;

/// kazoo's default partition function: sort items and members; member `i` of `n` takes items
/// `i, i+n, ...`. A member not in the list gets nothing.
///
/// ```
/// use kazoo_recipes::partitioner::default_partition;
/// let members = ["b".to_owned(), "a".to_owned()];
/// let items: Vec<String> = ["q3", "q1", "q2"].iter().map(|s| s.to_string()).collect();
/// assert_eq!(default_partition("a", &members, &items), ["q1", "q3"]);
/// assert_eq!(default_partition("b", &members, &items), ["q2"]);
/// ```
pub fn default_partition(identifier: &str, members: &[String], items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    let mut workers = members.to_vec();
    workers.sort();
    let Some(i) = workers.iter().position(|w| w == identifier) else {
        return Vec::new();
    };
    items.into_iter().skip(i).step_by(workers.len()).collect()
}

/// What can go wrong when starting a partitioner.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PartitionerError {
    /// A ZooKeeper request failed.
    #[error(transparent)]
    Zk(#[from] Error),
    /// An item cannot be a node name (empty, `.`, `..` or containing `/`).
    #[error("item {0:?} cannot name a lock node")]
    InvalidItem(String),
}

/// Settings of a [`SetPartitioner`]; [`SetPartitionerBuilder::start`] joins the party.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::partitioner::PartitionerError> {
/// use kazoo_recipes::partitioner::SetPartitioner;
/// use std::time::Duration;
/// let qp = SetPartitioner::builder(&zk, "/work_queues", ["queue-1", "queue-2", "queue-3"])
///     .identifier("worker-7")
///     .time_boundary(Duration::from_secs(5))
///     .partition_func(|me, members, items| {
///         // everything to the first member, for instance
///         let mut m = members.to_vec();
///         m.sort();
///         if m.first().map(String::as_str) == Some(me) { items.to_vec() } else { Vec::new() }
///     })
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
pub struct SetPartitionerBuilder {
    client: Client,
    path: String,
    items: Vec<String>,
    identifier: String,
    time_boundary: Duration,
    max_reaction_time: Duration,
    func: PartitionFn,
}

impl fmt::Debug for SetPartitionerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitionerBuilder")
            .field("path", &self.path)
            .field("items", &self.items)
            .field("identifier", &self.identifier)
            .field("time_boundary", &self.time_boundary)
            .field("max_reaction_time", &self.max_reaction_time)
            .finish_non_exhaustive()
    }
}

impl SetPartitionerBuilder {
    /// This member's identifier in the party (default `{host name}-{pid}`); members must have
    /// distinct identifiers, and an identifier is part of a node name (no `/`).
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::partitioner::SetPartitionerBuilder) {
    /// let b = b.identifier("worker-7");
    /// # }
    /// ```
    pub fn identifier(mut self, identifier: &str) -> Self {
        self.identifier = identifier.to_owned();
        self
    }

    /// How long the party must stay unchanged before the set is divided (default 30 s).
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::partitioner::SetPartitionerBuilder) {
    /// let b = b.time_boundary(std::time::Duration::from_secs(5));
    /// # }
    /// ```
    pub fn time_boundary(mut self, time_boundary: Duration) -> Self {
        self.time_boundary = time_boundary;
        self
    }

    /// How long one lock attempt may wait before the party is checked for changes (kazoo's
    /// `max_reaction_time`, default 1 s).
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::partitioner::SetPartitionerBuilder) {
    /// let b = b.max_reaction_time(std::time::Duration::from_millis(200));
    /// # }
    /// ```
    pub fn max_reaction_time(mut self, max_reaction_time: Duration) -> Self {
        self.max_reaction_time = max_reaction_time;
        self
    }

    /// Divides the set with `func` instead of [`default_partition`].
    ///
    /// ```no_run
    /// # fn f(b: kazoo_recipes::partitioner::SetPartitionerBuilder) {
    /// let b = b.partition_func(kazoo_recipes::partitioner::default_partition);
    /// # }
    /// ```
    pub fn partition_func(
        mut self,
        func: impl Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.func = Arc::new(func);
        self
    }

    /// Creates the paths, joins the party and starts allocating (in a task spawned on the
    /// current tokio runtime).
    ///
    /// ```no_run
    /// # async fn f(b: kazoo_recipes::partitioner::SetPartitionerBuilder) -> Result<(), kazoo_recipes::partitioner::PartitionerError> {
    /// let partitioner = b.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<SetPartitioner, PartitionerError> {
        let mut items = self.items;
        if let Some(bad) = items
            .iter()
            .find(|i| i.is_empty() || i.contains('/') || *i == "." || *i == "..")
        {
            return Err(PartitionerError::InvalidItem(bad.clone()));
        }
        items.sort();
        items.dedup();
        let c = &self.client;
        let retry = crate::barrier::support::default_retry();
        let party_path = format!("{}/party", self.path);
        for p in [
            self.path.clone(),
            format!("{}/locks", self.path),
            party_path.clone(),
        ] {
            c.retry(&retry, || c.ensure_path(&p)).await?;
        }
        // Listen before joining: no state change after the join goes unseen.
        let states = c.subscribe_state();
        let party = ShallowParty::new(c, &party_path).with_identifier(&self.identifier);
        party.join().await?;
        let (status, _) = watch::channel(PartitionStatus {
            state: PartitionState::Allocating,
            state_id: 0,
            partitions: Vec::new(),
        });
        let (cmd_tx, cmds) = mpsc::unbounded_channel();
        let grants = Arc::new(Mutex::new(Vec::new()));
        let actor = Actor {
            client: self.client.clone(),
            path: self.path.clone(),
            party_path,
            items,
            identifier: self.identifier.clone(),
            time_boundary: self.time_boundary,
            max_reaction_time: self.max_reaction_time,
            func: self.func,
            party,
            status: status.clone(),
            grants: grants.clone(),
            guards: Vec::new(),
            cmds,
            states,
        };
        tokio::spawn(actor.run());
        Ok(SetPartitioner {
            path: self.path,
            identifier: self.identifier,
            status,
            grants,
            cmds: cmd_tx,
        })
    }
}

enum Cmd {
    ReleaseSet(oneshot::Sender<()>),
    Finish(oneshot::Sender<()>),
}

/// Partitions a set among the members of a party (kazoo's `SetPartitioner`). See the
/// [module documentation](self) for the states and transitions.
///
/// Guarantees:
/// - An item is held by at most one member at a time: a member works on an item only while it
///   holds the item's lock, and each lock grant carries a fencing token
///   ([`SetPartitioner::grants`]) for resources that can check them.
/// - A member in `Acquired` learns of every party change, connection suspension and lost
///   item lock by moving to `Release` (kazoo does not watch its locks).
/// - [`SetPartitioner::finish`] (and dropping the partitioner) releases every lock and
///   leaves the party; no watch is left behind.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::partitioner::PartitionerError> {
/// use kazoo_recipes::partitioner::{PartitionState, SetPartitioner};
/// use std::time::Duration;
/// let qp = SetPartitioner::builder(&zk, "/work_queues", ["queue-1", "queue-2", "queue-3"])
///     .start()
///     .await?;
/// loop {
///     let status = qp.status();
///     match status.state {
///         PartitionState::Failure => break,
///         PartitionState::Release => qp.release_set().await,
///         PartitionState::Acquired => {
///             for queue in &status.partitions {
///                 // ... work on `queue` ...
/// #               let _ = queue;
///             }
///             qp.wait_for_change(status.state_id, Some(Duration::from_secs(1))).await;
///         }
///         PartitionState::Allocating => {
///             qp.wait_for_acquire(Some(Duration::from_secs(30))).await;
///         }
///     }
/// }
/// # Ok(()) }
/// ```
pub struct SetPartitioner {
    path: String,
    identifier: String,
    status: watch::Sender<PartitionStatus>,
    grants: Arc<Mutex<Vec<(String, Grant)>>>,
    cmds: mpsc::UnboundedSender<Cmd>,
}

impl fmt::Debug for SetPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetPartitioner")
            .field("path", &self.path)
            .field("identifier", &self.identifier)
            .field("status", &*self.status.borrow())
            .finish()
    }
}

impl SetPartitioner {
    /// Starts configuring a partitioner of `items` at `path`.
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let b = kazoo_recipes::partitioner::SetPartitioner::builder(&zk, "/work", ["a", "b"]);
    /// # }
    /// ```
    pub fn builder<I, S>(client: &Client, path: &str, items: I) -> SetPartitionerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SetPartitionerBuilder {
            client: client.clone(),
            path: path.trim_end_matches('/').to_owned(),
            items: items.into_iter().map(Into::into).collect(),
            identifier: crate::barrier::support::host_pid(),
            time_boundary: Duration::from_secs(30),
            max_reaction_time: Duration::from_secs(1),
            func: Arc::new(default_partition),
        }
    }

    /// The partitioner's path.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { println!("{}", p.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This member's identifier.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { println!("{}", p.identifier()); }
    /// ```
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The current state.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { println!("{}", p.state()); }
    /// ```
    pub fn state(&self) -> PartitionState {
        self.status.borrow().state
    }

    /// The current state with its id and our items.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { println!("{:?}", p.status()); }
    /// ```
    pub fn status(&self) -> PartitionStatus {
        self.status.borrow().clone()
    }

    /// Our items while `Acquired` (kazoo's iteration over the partitioner); empty otherwise.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// for item in p.partitions() { println!("{item}"); }
    /// # }
    /// ```
    pub fn partitions(&self) -> Vec<String> {
        self.status.borrow().partitions.clone()
    }

    /// The grants of our item locks while `Acquired`: fencing tokens and lost signals.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// for (item, grant) in p.grants() { println!("{item}: token {}", grant.token()); }
    /// # }
    /// ```
    pub fn grants(&self) -> Vec<(String, Grant)> {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The fencing token of `item`'s lock while we hold it in `Acquired`.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { println!("{:?}", p.token("queue-1")); }
    /// ```
    pub fn token(&self, item: &str) -> Option<FencingToken> {
        self.grants()
            .into_iter()
            .find(|(i, _)| i == item)
            .map(|(_, g)| g.token())
    }

    /// kazoo's `failed`.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { p.is_failed(); }
    /// ```
    pub fn is_failed(&self) -> bool {
        self.state() == PartitionState::Failure
    }

    /// kazoo's `release` (the state, not the method: see [`SetPartitioner::release_set`]).
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { p.is_release(); }
    /// ```
    pub fn is_release(&self) -> bool {
        self.state() == PartitionState::Release
    }

    /// kazoo's `acquired`.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { p.is_acquired(); }
    /// ```
    pub fn is_acquired(&self) -> bool {
        self.state() == PartitionState::Acquired
    }

    /// kazoo's `allocating`.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::SetPartitioner) { p.is_allocating(); }
    /// ```
    pub fn is_allocating(&self) -> bool {
        self.state() == PartitionState::Allocating
    }

    /// Every state change, as a `tokio::sync::watch` receiver (kazoo's `state_change_event`).
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// let mut changes = p.subscribe();
    /// while changes.changed().await.is_ok() {
    ///     println!("now {}", changes.borrow().state);
    /// }
    /// # }
    /// ```
    pub fn subscribe(&self) -> watch::Receiver<PartitionStatus> {
        self.status.subscribe()
    }

    /// Waits until the state is `Acquired` (`true`) or `Failure` (`false`), at most `timeout`
    /// (`None`: no limit; `false` on timeout). kazoo's `wait_for_acquire`.
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// if p.wait_for_acquire(Some(std::time::Duration::from_secs(30))).await { /* work */ }
    /// # }
    /// ```
    pub async fn wait_for_acquire(&self, timeout: Option<Duration>) -> bool {
        let mut rx = self.subscribe();
        let settled = async move {
            rx.wait_for(|s| matches!(s.state, PartitionState::Acquired | PartitionState::Failure))
                .await
                .map(|s| s.state == PartitionState::Acquired)
                .unwrap_or(false)
        };
        crate::barrier::support::Deadline::after(timeout)
            .run(settled)
            .await
            .unwrap_or(false)
    }

    /// Waits until the state id differs from `seen` (the `state_id` of a status read
    /// earlier), at most `timeout` (`None`: no limit); returns the new status, or `None` on
    /// timeout. Returns at once when the state changed since `seen`, so no change slips by
    /// between reading the state and waiting.
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// let now = p.status();
    /// if let Some(s) = p.wait_for_change(now.state_id, None).await { println!("{}", s.state); }
    /// # }
    /// ```
    pub async fn wait_for_change(
        &self,
        seen: u64,
        timeout: Option<Duration>,
    ) -> Option<PartitionStatus> {
        let mut rx = self.subscribe();
        let next = async move {
            rx.wait_for(|s| s.state_id != seen)
                .await
                .map(|s| s.clone())
                .ok()
        };
        crate::barrier::support::Deadline::after(timeout)
            .run(next)
            .await
            .flatten()
    }

    /// Releases our locks and divides the set again (kazoo's `release_set`); call it in
    /// `Release`. Returns once the locks are released and the state is `Allocating` (or
    /// `Failure`).
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// if p.is_release() { p.release_set().await; }
    /// # }
    /// ```
    pub async fn release_set(&self) {
        let (tx, rx) = oneshot::channel();
        if self.cmds.send(Cmd::ReleaseSet(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// Releases our locks, leaves the party and moves to `Failure` for good (kazoo's
    /// `finish`). Returns once done.
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::partitioner::SetPartitioner) {
    /// p.finish().await;
    /// # }
    /// ```
    pub async fn finish(&self) {
        let (tx, rx) = oneshot::channel();
        if self.cmds.send(Cmd::Finish(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// What the background task does next.
enum Next {
    Allocate,
    Release,
    Fail(Option<oneshot::Sender<()>>),
}

/// The background task that owns the party membership, the locks and the state.
struct Actor {
    client: Client,
    path: String,
    party_path: String,
    items: Vec<String>,
    identifier: String,
    time_boundary: Duration,
    max_reaction_time: Duration,
    func: PartitionFn,
    party: ShallowParty,
    status: watch::Sender<PartitionStatus>,
    grants: Arc<Mutex<Vec<(String, Grant)>>>,
    guards: Vec<(String, LockGuard)>,
    cmds: mpsc::UnboundedReceiver<Cmd>,
    states: StateListener,
}

/// What a connection state change means: `true` when the session is gone for good.
fn session_gone(kazoo: KazooState) -> bool {
    kazoo == KazooState::Lost
}

type LostAny = Pin<Box<dyn Future<Output = LostReason> + Send>>;

impl Actor {
    async fn run(mut self) {
        let mut next = Next::Allocate;
        loop {
            next = match next {
                Next::Allocate => self.allocate().await,
                Next::Release => self.released().await,
                Next::Fail(reply) => {
                    self.fail_out().await;
                    if let Some(reply) = reply {
                        let _ = reply.send(());
                    }
                    // Later commands find the task gone and return at once.
                    return;
                }
            }
        }
    }

    fn set_state(&self, state: PartitionState, partitions: Vec<String>) {
        self.status.send_modify(|s| {
            s.state = state;
            s.state_id += 1;
            s.partitions = partitions;
        });
    }

    async fn release_locks(&mut self) {
        self.grants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        for (item, guard) in self.guards.drain(..) {
            if let Err(e) = guard.release().await {
                tracing::warn!(item = %item, error = %e, "releasing a partition lock failed");
            }
        }
    }

    async fn fail_out(&mut self) {
        self.release_locks().await;
        self.set_state(PartitionState::Failure, Vec::new());
        if let Err(e) = self.party.leave().await {
            tracing::debug!(error = %e, "leaving the partitioner's party failed");
        }
    }

    /// `Allocating` until the share is locked (then `Acquired` until something changes).
    async fn allocate(&mut self) -> Next {
        if self.status.borrow().state != PartitionState::Allocating {
            self.set_state(PartitionState::Allocating, Vec::new());
        }
        'stabilise: loop {
            let (children, mut party_watch) = match self.stable_members().await {
                Ok(r) => r,
                Err(next) => return next,
            };
            let members: Vec<String> = children
                .iter()
                .map(|n| {
                    n.split_once('-')
                        .map_or(n.as_str(), |(_, id)| id)
                        .to_owned()
                })
                .collect();
            let own = self.party.node_path();
            let own = own.rsplit('/').next().unwrap_or_default();
            if !children.iter().any(|c| c == own) {
                tracing::warn!(path = %self.path, "our party node is gone: the partitioner fails");
                return Next::Fail(None);
            }
            let share = (self.func)(&self.identifier, &members, &self.items);
            for item in &share {
                let lock = Lock::new(&self.client, &format!("{}/locks/{item}", self.path));
                loop {
                    match lock.acquire_timeout(self.max_reaction_time).await {
                        Ok(guard) => {
                            self.guards.push((item.clone(), guard));
                            break;
                        }
                        Err(e) if e.is_timeout() => {}
                        Err(e) => {
                            tracing::warn!(item = %item, error = %e, "locking a partition failed");
                            return Next::Fail(None);
                        }
                    }
                    match self.interrupted(&mut party_watch).await {
                        None => {}
                        Some(None) => continue 'stabilise,
                        Some(Some(next)) => return next,
                    }
                }
                match self.interrupted(&mut party_watch).await {
                    None => {}
                    Some(None) => continue 'stabilise,
                    Some(Some(next)) => return next,
                }
            }
            {
                let grants: Vec<(String, Grant)> = self
                    .guards
                    .iter()
                    .map(|(i, g)| (i.clone(), g.grant().clone()))
                    .collect();
                *self.grants.lock().unwrap_or_else(|e| e.into_inner()) = grants;
            }
            self.set_state(PartitionState::Acquired, share);
            return self.acquired(party_watch).await;
        }
    }

    /// Waits until the party has been stable for the time boundary, while heeding commands
    /// and connection changes. `Err(next)` when one of those ends the allocation.
    async fn stable_members(&mut self) -> Result<(Vec<String>, Watch), Next> {
        let patient = PatientChildrenWatch::new(&self.client, &self.party_path, self.time_boundary);
        let start = patient.start();
        tokio::pin!(start);
        loop {
            tokio::select! {
                r = &mut start => {
                    return r.map_err(|e| {
                        tracing::warn!(error = %e, "watching the party failed");
                        Next::Fail(None)
                    });
                }
                cmd = self.cmds.recv() => match cmd {
                    None => return Err(Next::Fail(None)),
                    Some(Cmd::Finish(reply)) => return Err(Next::Fail(Some(reply))),
                    // Nothing is held yet.
                    Some(Cmd::ReleaseSet(reply)) => { let _ = reply.send(()); }
                },
                change = self.states.recv() => match change {
                    None => return Err(Next::Fail(None)),
                    Some(c) if session_gone(c.kazoo) => return Err(Next::Fail(None)),
                    Some(_) => {
                        self.set_state(PartitionState::Release, Vec::new());
                        return Err(Next::Release);
                    }
                },
            }
        }
    }

    /// Checks, without waiting, whether locking must stop: `Some(None)` when the party changed
    /// (our locks are released and the allocation starts over), `Some(Some(next))` when a
    /// command or a connection change decides, `None` to carry on.
    async fn interrupted(&mut self, party_watch: &mut Watch) -> Option<Option<Next>> {
        if let Some(Some(change)) = self.states.recv().now_or_never() {
            if session_gone(change.kazoo) {
                return Some(Some(Next::Fail(None)));
            }
            // kazoo's rule: a connection change while allocating asks for a release.
            self.set_state(PartitionState::Release, Vec::new());
            return Some(Some(Next::Release));
        }
        match self.cmds.try_recv() {
            Ok(Cmd::Finish(reply)) => return Some(Some(Next::Fail(Some(reply)))),
            Ok(Cmd::ReleaseSet(reply)) => {
                self.release_locks().await;
                let _ = reply.send(());
                return Some(None);
            }
            Err(mpsc::error::TryRecvError::Disconnected) => return Some(Some(Next::Fail(None))),
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
        if party_watch.now_or_never().is_some() {
            self.release_locks().await;
            return Some(None);
        }
        None
    }

    /// `Acquired`: until the party changes, the connection changes, a lock is lost or a
    /// command comes.
    async fn acquired(&mut self, mut party_watch: Watch) -> Next {
        let lost: Vec<LostAny> = self
            .guards
            .iter()
            .map(|(_, g)| {
                let s = g.lost_signal();
                Box::pin(async move { s.lost().await }) as LostAny
            })
            .collect();
        let mut any_lost: LostAny = if lost.is_empty() {
            Box::pin(futures::future::pending())
        } else {
            Box::pin(futures::future::select_all(lost).map(|(r, _, _)| r))
        };
        let next = tokio::select! {
            event = &mut party_watch => {
                if event.is_terminal() { Next::Fail(None) } else { Next::Release }
            }
            change = self.states.recv() => match change {
                Some(c) if !session_gone(c.kazoo) => Next::Release,
                _ => Next::Fail(None),
            },
            reason = &mut any_lost => match reason {
                LostReason::SessionExpired | LostReason::Closed => Next::Fail(None),
                _ => Next::Release,
            },
            cmd = self.cmds.recv() => match cmd {
                None => Next::Fail(None),
                Some(Cmd::Finish(reply)) => Next::Fail(Some(reply)),
                Some(Cmd::ReleaseSet(reply)) => {
                    self.release_locks().await;
                    let _ = reply.send(());
                    return Next::Allocate;
                }
            },
        };
        if matches!(next, Next::Release) {
            self.grants
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            self.set_state(PartitionState::Release, Vec::new());
        }
        next
    }

    /// `Release`: until [`SetPartitioner::release_set`], [`SetPartitioner::finish`] or the
    /// session's end.
    async fn released(&mut self) -> Next {
        loop {
            tokio::select! {
                cmd = self.cmds.recv() => match cmd {
                    None => return Next::Fail(None),
                    Some(Cmd::Finish(reply)) => return Next::Fail(Some(reply)),
                    Some(Cmd::ReleaseSet(reply)) => {
                        self.release_locks().await;
                        let _ = reply.send(());
                        return Next::Allocate;
                    }
                },
                change = self.states.recv() => match change {
                    Some(c) if !session_gone(c.kazoo) => {}
                    _ => return Next::Fail(None),
                },
            }
        }
    }
}

/// Blocking form of [`SetPartitioner`] (same guarantees): each method blocks the calling
/// thread on the blocking client's runtime, where the partitioner's task runs. Call it from
/// plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::partitioner::{BlockingSetPartitioner, SetPartitioner};
/// use std::time::Duration;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let qp = BlockingSetPartitioner::start(
///     &zk,
///     SetPartitioner::builder(zk.as_async(), "/work", ["a", "b"]).time_boundary(Duration::from_secs(2)),
/// )?;
/// if qp.wait_for_acquire(Some(Duration::from_secs(30))) {
///     println!("mine: {:?}", qp.partitions());
/// }
/// qp.finish();
/// # Ok::<(), kazoo_recipes::partitioner::PartitionerError>(())
/// ```
#[derive(Debug)]
pub struct BlockingSetPartitioner {
    rt: tokio::runtime::Handle,
    inner: SetPartitioner,
}

impl BlockingSetPartitioner {
    /// Starts `builder` (made on `client.as_async()`) on the blocking client's runtime.
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) -> Result<(), kazoo_recipes::partitioner::PartitionerError> {
    /// use kazoo_recipes::partitioner::{BlockingSetPartitioner, SetPartitioner};
    /// let qp = BlockingSetPartitioner::start(zk, SetPartitioner::builder(zk.as_async(), "/w", ["x"]))?;
    /// # Ok(()) }
    /// ```
    pub fn start(
        client: &kazoo_client::blocking::Client,
        builder: SetPartitionerBuilder,
    ) -> Result<BlockingSetPartitioner, PartitionerError> {
        let rt = client.runtime_handle();
        let inner = rt.block_on(builder.start())?;
        Ok(BlockingSetPartitioner { rt, inner })
    }

    /// The async partitioner underneath (its getters do not block).
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { println!("{}", p.as_async().state()); }
    /// ```
    pub fn as_async(&self) -> &SetPartitioner {
        &self.inner
    }

    /// See [`SetPartitioner::state`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { println!("{}", p.state()); }
    /// ```
    pub fn state(&self) -> PartitionState {
        self.inner.state()
    }

    /// See [`SetPartitioner::status`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { println!("{:?}", p.status()); }
    /// ```
    pub fn status(&self) -> PartitionStatus {
        self.inner.status()
    }

    /// See [`SetPartitioner::partitions`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { println!("{:?}", p.partitions()); }
    /// ```
    pub fn partitions(&self) -> Vec<String> {
        self.inner.partitions()
    }

    /// See [`SetPartitioner::wait_for_acquire`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) {
    /// let acquired = p.wait_for_acquire(Some(std::time::Duration::from_secs(30)));
    /// # }
    /// ```
    pub fn wait_for_acquire(&self, timeout: Option<Duration>) -> bool {
        self.rt.block_on(self.inner.wait_for_acquire(timeout))
    }

    /// See [`SetPartitioner::wait_for_change`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) {
    /// let seen = p.status().state_id;
    /// let next = p.wait_for_change(seen, Some(std::time::Duration::from_secs(1)));
    /// # }
    /// ```
    pub fn wait_for_change(&self, seen: u64, timeout: Option<Duration>) -> Option<PartitionStatus> {
        self.rt.block_on(self.inner.wait_for_change(seen, timeout))
    }

    /// See [`SetPartitioner::release_set`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { p.release_set(); }
    /// ```
    pub fn release_set(&self) {
        self.rt.block_on(self.inner.release_set())
    }

    /// See [`SetPartitioner::finish`].
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::partitioner::BlockingSetPartitioner) { p.finish(); }
    /// ```
    pub fn finish(&self) {
        self.rt.block_on(self.inner.finish())
    }
}
