//! [`NodeTracker`]: one node's value kept up to date (zktools' `ZkNode`), with typed decoding,
//! setting, subscribers to value and children changes, and the last modification time.

use super::Value;
use crate::cache::fanout::{Events, Fanout};
use crate::watchers::children::{self, ChildrenReader};
use crate::watchers::data::{self, DataReader};
use crate::watchers::rearm::Rearm;
use crate::watchers::task::{pair, start_error, Control, Running};
use crate::watchers::StopReason;
use bytes::Bytes;
use futures::Stream;
use kazoo_client::{Acl, Client, CreateMode, CreateOptions, Error, Result, Stat};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// What the tracker holds.
#[derive(Debug, Clone)]
struct Snapshot {
    value: Value,
    raw: Option<Bytes>,
    stat: Option<Stat>,
    children: Vec<String>,
}

struct Shared {
    state: watch::Sender<Snapshot>,
    values: Fanout<Value>,
    children: Fanout<Vec<String>>,
}

/// One node's value kept up to date (zktools' `ZkNode`).
///
/// - Starting loads the value; a missing node is created first with the default value
///   (`None` unless set, written as zktools writes it), its parents too.
/// - [`value`](Self::value) is the typed current value ([`Value`]: integers, decimals,
///   booleans, null, ISO dates and date-times, and JSON with the `json` feature and
///   [`NodeTrackerBuilder::json`]); [`set`](Self::set) writes a new one and returns once the
///   tracker holds it.
/// - Subscribers to value changes and to children changes are called at once with the
///   current state and then after each change, each on a thread of its own; quick changes may
///   be seen only in their latest state (zktools' rule).
/// - [`last_modified`](Self::last_modified) is the node's mtime.
/// - It survives reconnects and session expiry (reads again on the next session; an
///   ephemeral node of ours is created again there with its last value).
/// - [`close`](Self::close), or dropping it, removes its watches.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::node_tracker::{NodeTracker, Value};
/// let node = NodeTracker::new(&client, "/some/config/node").await?;
/// println!("{}", node.value()); // None, for a new node
/// node.set(483.24).await?;
/// assert_eq!(node.value().as_f64(), Some(483.24));
/// node.on_children(|children| println!("children: {children:?}"));
/// node.close().await;
/// # Ok(()) }
/// ```
pub struct NodeTracker {
    client: Client,
    path: String,
    json: bool,
    shared: Arc<Shared>,
    running: Running,
}

impl std::fmt::Debug for NodeTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeTracker")
            .field("path", &self.path)
            .field("value", &self.value())
            .finish_non_exhaustive()
    }
}

/// Options of a [`NodeTracker`] (zktools' `ZkNode` arguments).
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::node_tracker::NodeTracker;
/// let node = NodeTracker::builder(&client, "/app/limit")
///     .default(100)
///     .ephemeral()
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NodeTrackerBuilder {
    client: Client,
    path: String,
    default: Value,
    json: bool,
    acl: Option<Vec<Acl>>,
    mode: CreateMode,
}

impl NodeTrackerBuilder {
    /// The value written when the node has to be created (default [`Value::Null`]).
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = value.into();
        self
    }

    /// Whether JSON-looking text is decoded as `Value::Json` (zktools' `use_json`; needs
    /// the `json` feature, ignored without it). Default `false`.
    pub fn json(mut self, yes: bool) -> Self {
        self.json = yes;
        self
    }

    /// The ACL of a node that has to be created (the client's default otherwise).
    pub fn acl(mut self, acl: Vec<Acl>) -> Self {
        self.acl = Some(acl);
        self
    }

    /// The mode of a node that has to be created (zktools' `create_mode`; default persistent).
    pub fn create_mode(mut self, mode: CreateMode) -> Self {
        self.mode = mode;
        self
    }

    /// Shorthand for an ephemeral node.
    pub fn ephemeral(self) -> Self {
        self.create_mode(CreateMode::Ephemeral)
    }

    /// Creates the node if missing, loads it, and starts tracking.
    pub async fn start(self) -> Result<NodeTracker> {
        create_if_missing(
            &self.client,
            &self.path,
            &self.default,
            self.acl.as_ref(),
            self.mode,
        )
        .await?;
        let mut data_core = data::core(&self.client, &self.path, true);
        let (first, _) = data_core
            .next()
            .await
            .map_err(|r| start_error(r, &self.path))?;
        let mut children_core = children::core(&self.client, &self.path, true);
        let kids = match children_core.next().await {
            Ok((kids, _)) => kids,
            Err(StopReason::NodeDeleted) => Vec::new(),
            Err(r) => return Err(start_error(r, &self.path)),
        };
        let (value, raw, stat) = decode(first, self.json);
        let (state, _) = watch::channel(Snapshot {
            value,
            raw,
            stat,
            children: kids,
        });
        let shared = Arc::new(Shared {
            state,
            values: Fanout::new(),
            children: Fanout::new(),
        });
        let (running, control) = pair();
        let task = Task {
            client: self.client.clone(),
            path: self.path.clone(),
            json: self.json,
            acl: self.acl,
            mode: self.mode,
            created_in: if self.mode.is_ephemeral() {
                self.client.session_id()
            } else {
                None
            },
            shared: shared.clone(),
        };
        tokio::spawn(task.run(data_core, children_core, control));
        Ok(NodeTracker {
            client: self.client,
            path: self.path,
            json: self.json,
            shared,
            running,
        })
    }
}

async fn create_if_missing(
    client: &Client,
    path: &str,
    value: &Value,
    acl: Option<&Vec<Acl>>,
    mode: CreateMode,
) -> Result<()> {
    if client.exists(path).await?.is_some() {
        return Ok(());
    }
    let mut opts = CreateOptions::new().mode(mode).makepath();
    if let Some(acl) = acl {
        opts = opts.acl(acl.clone());
    }
    match client.create(path, value.encode(), &opts).await {
        Ok(_) | Err(Error::NodeExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

fn decode(state: Option<(Bytes, Stat)>, json: bool) -> (Value, Option<Bytes>, Option<Stat>) {
    match state {
        Some((data, stat)) => (
            Value::decode(&data, json),
            Some(crate::cache::node_data_own(data)),
            Some(stat),
        ),
        None => (Value::Null, None, None),
    }
}

impl NodeTracker {
    /// Options: default value, JSON, ACL, create mode.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let b = kazoo_recipes::node_tracker::NodeTracker::builder(&client, "/cfg").json(true);
    /// # }
    /// ```
    pub fn builder(client: &Client, path: &str) -> NodeTrackerBuilder {
        NodeTrackerBuilder {
            client: client.clone(),
            path: path.to_owned(),
            default: Value::Null,
            json: false,
            acl: None,
            mode: CreateMode::Persistent,
        }
    }

    /// Tracks `path` with default options (creating it with `None` if missing).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let node = kazoo_recipes::node_tracker::NodeTracker::new(&client, "/cfg").await?;
    /// # Ok(()) }
    /// ```
    pub async fn new(client: &Client, path: &str) -> Result<NodeTracker> {
        NodeTracker::builder(client, path).start().await
    }

    /// The tracked path.
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { println!("{}", n.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The current value ([`Value::Null`] while the node does not exist).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
    /// let limit = n.value().as_i64().unwrap_or(100);
    /// # }
    /// ```
    pub fn value(&self) -> Value {
        self.shared.state.borrow().value.clone()
    }

    /// The current data as stored (`None` while the node does not exist).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { let raw = n.raw(); }
    /// ```
    pub fn raw(&self) -> Option<Bytes> {
        self.shared.state.borrow().raw.clone()
    }

    /// The node's stat as last read.
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { let v = n.stat().map(|s| s.version); }
    /// ```
    pub fn stat(&self) -> Option<Stat> {
        self.shared.state.borrow().stat
    }

    /// The node's children as last read.
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { println!("{:?}", n.children()); }
    /// ```
    pub fn children(&self) -> Vec<String> {
        self.shared.state.borrow().children.clone()
    }

    /// When the value last changed: the node's mtime (zktools' `last_modified`).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { println!("{:?}", n.last_modified()); }
    /// ```
    pub fn last_modified(&self) -> Option<SystemTime> {
        let ms = self.last_modified_ms()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(u64::try_from(ms).ok()?))
    }

    /// [`last_modified`](Self::last_modified) in milliseconds since the epoch, as zktools
    /// gives it.
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { let ms = n.last_modified_ms(); }
    /// ```
    pub fn last_modified_ms(&self) -> Option<i64> {
        self.stat().map(|s| s.mtime)
    }

    /// Whether the client is connected (zktools' `connected`).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { if n.connected() {} }
    /// ```
    pub fn connected(&self) -> bool {
        self.client.connected()
    }

    /// Writes a new value and returns once the tracker holds it (or a later one).
    ///
    /// ```no_run
    /// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) -> kazoo_client::Result<()> {
    /// n.set(true).await?;
    /// assert_eq!(n.value().as_bool(), Some(true));
    /// # Ok(()) }
    /// ```
    pub async fn set(&self, value: impl Into<Value>) -> Result<Stat> {
        let value = value.into();
        let stat = self.client.set(&self.path, value.encode(), None).await?;
        let mut rx = self.shared.state.subscribe();
        // Held once the tracker read this write or a later state; a node gone since (which
        // zktools warns against) also ends the wait.
        rx.wait_for(|s| match s.stat {
            Some(st) => st.mzxid >= stat.mzxid,
            None => true,
        })
        .await
        .map_err(|_| Error::Closed)?;
        Ok(stat)
    }

    /// Calls `f` at once with the current value and again after each change, on a thread of
    /// its own (zktools' value subscribers).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
    /// n.on_value(|v| println!("now {v}"));
    /// # }
    /// ```
    pub fn on_value(&self, f: impl FnMut(Value) + Send + 'static) {
        let rx = self.value_rx();
        self.shared.values.listen_on("kazoo-node-value", rx, f);
    }

    /// Calls `f` at once with the current children and again after each change of the set,
    /// on a thread of its own (zktools' `@node.children` subscribers).
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
    /// n.on_children(|c| println!("{} children", c.len()));
    /// # }
    /// ```
    pub fn on_children(&self, f: impl FnMut(Vec<String>) + Send + 'static) {
        let rx = self.children_rx();
        self.shared.children.listen_on("kazoo-node-children", rx, f);
    }

    /// The current value, then each change, as a stream (ends when the tracker closes).
    ///
    /// ```no_run
    /// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
    /// use futures::StreamExt;
    /// let mut values = n.values();
    /// while let Some(v) = values.next().await { println!("{v}"); }
    /// # }
    /// ```
    pub fn values(&self) -> ValueStream {
        ValueStream {
            inner: Events {
                rx: self.value_rx(),
            },
        }
    }

    /// The current children, then each change of the set, as a stream.
    ///
    /// ```no_run
    /// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
    /// use futures::StreamExt;
    /// let first = n.children_changes().next().await;
    /// # }
    /// ```
    pub fn children_changes(&self) -> ChildrenStream {
        ChildrenStream {
            inner: Events {
                rx: self.children_rx(),
            },
        }
    }

    fn value_rx(&self) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
        let state = &self.shared.state;
        self.shared
            .values
            .subscribe_with(|| state.borrow().value.clone())
    }

    fn children_rx(&self) -> tokio::sync::mpsc::UnboundedReceiver<Vec<String>> {
        let state = &self.shared.state;
        self.shared
            .children
            .subscribe_with(|| state.borrow().children.clone())
    }

    /// Whether JSON decoding is on.
    ///
    /// ```no_run
    /// # fn f(n: kazoo_recipes::node_tracker::NodeTracker) { assert!(!n.json()); }
    /// ```
    pub fn json(&self) -> bool {
        self.json
    }

    /// Stops tracking and removes the watches; streams end, subscriber threads exit.
    ///
    /// ```no_run
    /// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) { n.close().await; }
    /// ```
    pub async fn close(&self) {
        self.running.close().await;
        self.shared.values.close();
        self.shared.children.close();
    }
}

impl Drop for NodeTracker {
    fn drop(&mut self) {
        self.running.request_stop();
        self.shared.values.close();
        self.shared.children.close();
    }
}

/// The tracking task.
struct Task {
    client: Client,
    path: String,
    json: bool,
    acl: Option<Vec<Acl>>,
    mode: CreateMode,
    /// The session that created our ephemeral node.
    created_in: Option<i64>,
    shared: Arc<Shared>,
}

impl Task {
    async fn run(
        mut self,
        mut data_core: Rearm<DataReader>,
        children_core: Rearm<ChildrenReader>,
        mut control: Control,
    ) {
        let mut children_core = Some(children_core);
        let reason = loop {
            let step = tokio::select! {
                biased;
                _ = control.stop_requested() => break StopReason::Closed,
                r = data_core.next() => Step::Data(r),
                r = next_children(&mut children_core) => Step::Children(r),
            };
            match step {
                Step::Data(Ok((state, _))) => {
                    let exists = state.is_some();
                    self.on_data(state).await;
                    // "Do not delete nodes in use" (zktools); still, follow a re-created
                    // node's children again.
                    if exists && children_core.is_none() {
                        children_core = Some(children::core(&self.client, &self.path, true));
                    }
                }
                Step::Data(Err(r)) => break r,
                Step::Children(Ok((kids, _))) => self.on_children(kids),
                Step::Children(Err(StopReason::NodeDeleted)) => {
                    children_core = None;
                    self.on_children(Vec::new());
                }
                Step::Children(Err(r)) => break r,
            }
        };
        drop(data_core);
        drop(children_core);
        control.finish(reason);
    }

    async fn on_data(&mut self, state: Option<(Bytes, Stat)>) {
        if state.is_none() && self.mode.is_ephemeral() {
            let session = self.client.session_id();
            if self.created_in.is_some() && session != self.created_in {
                // Our ephemeral node went with our old session: create it again with its
                // last value (the data watch reports it when it is back).
                let last = self.shared.state.borrow().value.clone();
                if create_if_missing(
                    &self.client,
                    &self.path,
                    &last,
                    self.acl.as_ref(),
                    self.mode,
                )
                .await
                .is_ok()
                {
                    self.created_in = session;
                    return;
                }
            }
        }
        let (value, raw, stat) = decode(state, self.json);
        let shared = &self.shared;
        shared.values.update(|| {
            shared.state.send_modify(|s| {
                s.value = value.clone();
                s.raw = raw;
                s.stat = stat;
            });
            value
        });
    }

    fn on_children(&self, kids: Vec<String>) {
        let shared = &self.shared;
        shared.children.update(|| {
            shared.state.send_modify(|s| s.children = kids.clone());
            kids
        });
    }
}

/// A read's outcome, as the re-arming loops give it.
type Next<S> = std::result::Result<(S, Option<kazoo_client::WatchedEvent>), StopReason>;

enum Step {
    Data(Next<Option<(Bytes, Stat)>>),
    Children(Next<Vec<String>>),
}

async fn next_children(core: &mut Option<Rearm<ChildrenReader>>) -> Next<Vec<String>> {
    match core {
        Some(c) => c.next().await,
        None => std::future::pending().await,
    }
}

/// The stream of a [`NodeTracker`]'s values (see [`NodeTracker::values`]).
///
/// ```no_run
/// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
/// let mut values = n.values();
/// let current = values.recv().await;
/// # }
/// ```
pub struct ValueStream {
    inner: Events<Value>,
}

impl std::fmt::Debug for ValueStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValueStream").finish_non_exhaustive()
    }
}

impl ValueStream {
    /// The next value, `None` once the tracker closed.
    pub async fn recv(&mut self) -> Option<Value> {
        self.inner.rx.recv().await
    }

    /// Blocks for the next value (outside any runtime).
    pub fn blocking_recv(&mut self) -> Option<Value> {
        self.inner.rx.blocking_recv()
    }
}

impl Stream for ValueStream {
    type Item = Value;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Value>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// The stream of a [`NodeTracker`]'s children (see [`NodeTracker::children_changes`]).
///
/// ```no_run
/// # async fn f(n: kazoo_recipes::node_tracker::NodeTracker) {
/// let mut kids = n.children_changes();
/// let current = kids.recv().await;
/// # }
/// ```
pub struct ChildrenStream {
    inner: Events<Vec<String>>,
}

impl std::fmt::Debug for ChildrenStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildrenStream").finish_non_exhaustive()
    }
}

impl ChildrenStream {
    /// The next set of children, `None` once the tracker closed.
    pub async fn recv(&mut self) -> Option<Vec<String>> {
        self.inner.rx.recv().await
    }

    /// Blocks for the next set (outside any runtime).
    pub fn blocking_recv(&mut self) -> Option<Vec<String>> {
        self.inner.rx.blocking_recv()
    }
}

impl Stream for ChildrenStream {
    type Item = Vec<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<String>>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}
