//! The tree cache's task: the only writer of the cache. It turns watch events, read results
//! and connection changes into cache transitions and [`TreeEvent`]s.
//!
//! The rules it follows and why they keep the cache exact are in the [`crate::cache`] module
//! docs.

use super::store::{basename, join, parent, Idx, Removed, Store, CHILD_ARMED, DATA_ARMED};
use crate::cache::fanout::Fanout;
use crate::cache::node_data::own;
use crate::cache::{NodeData, TreeEvent};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use kazoo_client::{
    AddWatchMode, Client, Error, EventType, KazooState, PersistentWatch, Result, Stat, StateChange,
    Watch, WatchedEvent,
};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Which watches keep the cache up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Persistent,
    OneShot,
}

/// A path filter: false leaves the node and its subtree out.
pub(crate) type Filter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Which paths are cached.
#[derive(Clone)]
pub(crate) struct Scope {
    pub(crate) max_depth: Option<usize>,
    pub(crate) filter: Option<Filter>,
}

/// What the handle and the task share.
pub(crate) struct Shared {
    pub(crate) store: RwLock<Store>,
    pub(crate) events: Fanout<TreeEvent>,
    pub(crate) initialized: watch::Sender<bool>,
    pub(crate) stats: Counters,
    pub(crate) faults: Fanout<Error>,
}

/// Request counters (see [`crate::cache::TreeCacheStats`]).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) data_reads: AtomicU64,
    pub(crate) child_lists: AtomicU64,
    pub(crate) stat_checks: AtomicU64,
    pub(crate) passes: AtomicU64,
    pub(crate) full_resyncs: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Shared {
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the handle asks of the task.
pub(crate) enum Command {
    /// Answer once the cache reflects every change committed before this request.
    Sync(oneshot::Sender<()>),
    /// Stop, drop every watch, answer when done.
    Close(oneshot::Sender<()>),
}

/// At most this many reads are out at once; more wait here, in order. It bounds the memory a
/// large load takes and leaves the client's pipeline to its other users too.
const MAX_IN_FLIGHT: usize = 1024;

/// A request to send (or waiting for room).
enum Req {
    Data(String),
    List(String),
    Stat(String),
    RootExists,
    AddWatch,
}

/// A finished request.
struct Done {
    epoch: u64,
    path: String,
    out: Out,
}

enum Out {
    Data(Result<(Bytes, Stat)>, Option<Watch>),
    List(Result<(Vec<String>, Stat)>, Option<Watch>),
    Stat(Result<Option<Stat>>),
    RootExists(Result<Option<Stat>>, Option<Watch>),
    AddWatch(Result<PersistentWatch>),
    Barrier(Result<()>, oneshot::Sender<()>),
}

/// What a one-shot watch was armed for.
#[derive(Clone, Copy)]
enum Armed {
    Data,
    Child,
}

/// A read in flight for one path.
#[derive(Default)]
struct Flight {
    data: Option<Pending>,
    list: Option<Pending>,
}

#[derive(Default, Clone, Copy)]
struct Pending {
    /// Read again when this read returns.
    dirty: bool,
    /// The node was deleted since the read was sent: ignore what it returns.
    stale: bool,
}

pub(crate) struct Engine {
    client: Client,
    mode: Mode,
    scope: Scope,
    root: String,
    shared: Arc<Shared>,
    ops: FuturesUnordered<BoxFuture<'static, Done>>,
    backlog: VecDeque<Req>,
    watches: FuturesUnordered<BoxFuture<'static, (String, Armed, WatchedEvent)>>,
    pwatch: Option<PersistentWatch>,
    flights: HashMap<String, Flight>,
    epoch: u64,
    session: Option<i64>,
    disconnected: bool,
    lost: bool,
    initialized: bool,
    syncs: Vec<oneshot::Sender<()>>,
}

async fn next_event(w: &mut Option<PersistentWatch>) -> Option<WatchedEvent> {
    match w {
        Some(w) => w.next().await,
        None => std::future::pending().await,
    }
}

impl Engine {
    pub(crate) fn new(
        client: Client,
        mode: Mode,
        scope: Scope,
        shared: Arc<Shared>,
        pwatch: Option<PersistentWatch>,
    ) -> Engine {
        let root = shared.read().root_path().to_owned();
        Engine {
            session: client.session_id(),
            client,
            mode,
            scope,
            root,
            shared,
            ops: FuturesUnordered::new(),
            backlog: VecDeque::new(),
            watches: FuturesUnordered::new(),
            pwatch,
            flights: HashMap::new(),
            epoch: 0,
            disconnected: false,
            lost: false,
            initialized: false,
            syncs: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self, mut cmds: mpsc::UnboundedReceiver<Command>) {
        let mut states = self.client.subscribe_state();
        let mut states_open = true;
        let mut missed = 0;
        if self.mode == Mode::Persistent && self.pwatch.is_none() {
            self.add_watch();
        }
        let root = self.root.clone();
        self.read_data(root);
        loop {
            tokio::select! {
                biased;
                cmd = cmds.recv() => match cmd {
                    Some(Command::Sync(reply)) => self.barrier(reply),
                    Some(Command::Close(reply)) => {
                        self.close().await;
                        let _ = reply.send(());
                        return;
                    }
                    None => {
                        self.close().await;
                        return;
                    }
                },
                change = states.recv(), if states_open => match change {
                    Some(c) => {
                        if states.missed() != missed {
                            // Transitions were lost: assume a disconnect happened.
                            missed = states.missed();
                            self.disconnected = true;
                        }
                        self.on_state(c);
                    }
                    None => states_open = false,
                },
                ev = next_event(&mut self.pwatch) => self.on_persistent(ev),
                Some((path, armed, ev)) = self.watches.next(), if !self.watches.is_empty() => {
                    self.on_watch(path, armed, ev);
                }
                Some(done) = self.ops.next(), if !self.ops.is_empty() => {
                    self.on_done(done);
                    self.refill();
                }
            }
            if self.idle() {
                if !self.initialized && !self.lost {
                    self.initialized = true;
                    self.shared.write().shrink_to_fit();
                    self.flights.shrink_to_fit();
                    self.shared.initialized.send_replace(true);
                    self.emit(TreeEvent::Initialized);
                }
                for reply in self.syncs.drain(..) {
                    let _ = reply.send(());
                }
            }
        }
    }

    async fn close(&mut self) {
        // Dropping the watch handles removes their server-side watches; dropping requests in
        // flight does too once their replies come (the client forgets orphaned watches).
        self.pwatch = None;
        self.watches = FuturesUnordered::new();
        self.ops = FuturesUnordered::new();
        self.backlog.clear();
        self.shared.write().clear();
        self.shared.events.close();
        self.shared.faults.close();
        if self.client.connected() {
            // One round trip after the removals: they are done when it returns.
            let _ =
                tokio::time::timeout(Duration::from_secs(5), self.client.exists(&self.root)).await;
        }
    }

    // ---- scope -------------------------------------------------------------------------

    fn in_scope(&self, path: &str) -> bool {
        let Some(depth) = self.shared.read().depth(path) else {
            return false;
        };
        if path == self.root {
            return true;
        }
        if self.scope.max_depth.is_some_and(|m| depth > m) {
            return false;
        }
        match &self.scope.filter {
            Some(f) => f(path),
            None => true,
        }
    }

    fn can_list(&self, path: &str) -> bool {
        match (self.scope.max_depth, self.shared.read().depth(path)) {
            (Some(m), Some(d)) => d < m,
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }

    /// Whether an event on `path` deserves a read: the node is cached, or could enter the
    /// cache now (its parent is cached or being read). Otherwise its parent's listing will
    /// find it when the parent enters.
    fn worth_reading(&self, path: &str) -> bool {
        if !self.in_scope(path) {
            return false;
        }
        if path == self.root {
            return true;
        }
        let store = self.shared.read();
        if store.find(path).is_some() {
            return true;
        }
        let Some(p) = parent(path) else {
            return false;
        };
        store.find(p).is_some() || self.flights.get(p).is_some_and(|f| f.data.is_some())
    }

    // ---- requests ----------------------------------------------------------------------

    fn push(&self, path: String, fut: impl std::future::Future<Output = Out> + Send + 'static) {
        let epoch = self.epoch;
        self.ops.push(Box::pin(async move {
            Done {
                epoch,
                path,
                out: fut.await,
            }
        }));
    }

    /// Reads `path`'s data (single-flight).
    fn read_data(&mut self, path: String) {
        let f = self.flights.entry(path.clone()).or_default();
        if let Some(p) = &mut f.data {
            p.dirty = true;
            return;
        }
        f.data = Some(Pending::default());
        self.send_data(path);
    }

    fn issue_data(&self, path: String) {
        bump(&self.shared.stats.data_reads);
        match self.mode {
            Mode::Persistent => {
                let f = self.client.get(&path);
                self.push(path, async move { Out::Data(f.await, None) });
            }
            Mode::OneShot => {
                let f = self.client.get_w(&path);
                self.push(path, async move {
                    match f.await {
                        Ok((d, s, w)) => Out::Data(Ok((d, s)), Some(w)),
                        Err(e) => Out::Data(Err(e), None),
                    }
                });
            }
        }
    }

    /// Lists `path`'s children (single-flight).
    fn list(&mut self, path: String) {
        let f = self.flights.entry(path.clone()).or_default();
        if let Some(p) = &mut f.list {
            p.dirty = true;
            return;
        }
        f.list = Some(Pending::default());
        self.send_list(path);
    }

    fn issue_list(&self, path: String) {
        bump(&self.shared.stats.child_lists);
        match self.mode {
            Mode::Persistent => {
                let f = self.client.get_children_with_stat(&path);
                self.push(path, async move { Out::List(f.await, None) });
            }
            Mode::OneShot => {
                let f = self.client.get_children_with_stat_w(&path);
                self.push(path, async move {
                    match f.await {
                        Ok((c, s, w)) => Out::List(Ok((c, s)), Some(w)),
                        Err(e) => Out::List(Err(e), None),
                    }
                });
            }
        }
    }

    fn issue_stat(&self, path: String) {
        bump(&self.shared.stats.stat_checks);
        let f = self.client.exists(&path);
        self.push(path, async move { Out::Stat(f.await) });
    }

    fn issue_root_exists(&self) {
        let f = self.client.exists_w(&self.root);
        self.push(self.root.clone(), async move {
            match f.await {
                Ok((s, w)) => Out::RootExists(Ok(s), Some(w)),
                Err(e) => Out::RootExists(Err(e), None),
            }
        });
    }

    fn issue_add_watch(&self) {
        let f = self
            .client
            .add_watch(&self.root, AddWatchMode::PersistentRecursive);
        self.push(self.root.clone(), async move { Out::AddWatch(f.await) });
    }

    fn send_data(&mut self, path: String) {
        self.send(Req::Data(path));
    }

    fn send_list(&mut self, path: String) {
        self.send(Req::List(path));
    }

    fn send_stat(&mut self, path: String) {
        self.send(Req::Stat(path));
    }

    fn send_root_exists(&mut self) {
        self.send(Req::RootExists);
    }

    fn add_watch(&mut self) {
        self.send(Req::AddWatch);
    }

    /// Sends `req` now, or queues it behind the others when [`MAX_IN_FLIGHT`] are out.
    fn send(&mut self, req: Req) {
        if self.ops.len() >= MAX_IN_FLIGHT || !self.backlog.is_empty() {
            self.backlog.push_back(req);
        } else {
            self.issue(req);
        }
    }

    fn issue(&self, req: Req) {
        match req {
            Req::Data(p) => self.issue_data(p),
            Req::List(p) => self.issue_list(p),
            Req::Stat(p) => self.issue_stat(p),
            Req::RootExists => self.issue_root_exists(),
            Req::AddWatch => self.issue_add_watch(),
        }
    }

    /// Sends queued requests, in order, while there is room.
    fn refill(&mut self) {
        while self.ops.len() < MAX_IN_FLIGHT {
            let Some(req) = self.backlog.pop_front() else {
                break;
            };
            self.issue(req);
        }
    }

    fn idle(&self) -> bool {
        self.ops.is_empty() && self.backlog.is_empty()
    }

    fn barrier(&self, reply: oneshot::Sender<()>) {
        let sync = self.client.sync(&self.root);
        let client = self.client.clone();
        let root = self.root.clone();
        // Not tied to an epoch: a barrier survives a resync.
        self.ops.push(Box::pin(async move {
            let r = match sync.await {
                // The sync makes a follower catch up; the read after it is answered after
                // every notification of a change committed before the barrier was asked.
                Ok(()) => client.exists(&root).await.map(|_| ()),
                Err(e) => Err(e),
            };
            Done {
                epoch: u64::MAX,
                path: root,
                out: Out::Barrier(r, reply),
            }
        }));
    }

    fn arm(&self, path: String, armed: Armed, w: Watch) {
        self.watches
            .push(Box::pin(async move { (path, armed, w.await) }));
    }

    /// A read that failed for good: the node stays out of the cache. Session ends are
    /// expected (a resync follows); anything else goes to the fault listeners (kazoo's
    /// `listen_fault`).
    fn fault(&self, path: &str, e: Error) {
        match e {
            Error::SessionExpired | Error::Closed => {
                tracing::debug!(path, error = %e, "tree cache: read dropped");
            }
            e => {
                tracing::warn!(path, error = %e, "tree cache: cannot read a node; it is not cached");
                self.shared.faults.send(e);
            }
        }
    }

    fn emit(&self, ev: TreeEvent) {
        self.shared.events.send(ev);
    }

    fn emit_removed(&self, removed: Vec<Removed>) {
        for r in removed {
            self.emit(TreeEvent::NodeRemoved(NodeData {
                path: r.path,
                data: r.data,
                stat: r.stat,
            }));
        }
    }

    // ---- results -----------------------------------------------------------------------

    fn on_done(&mut self, done: Done) {
        let Done { epoch, path, out } = done;
        if let Out::Barrier(r, reply) = out {
            match r {
                Err(e) if retry(&e) => self.barrier(reply),
                // Answered once every request sent so far has come back.
                _ => self.syncs.push(reply),
            }
            return;
        }
        if epoch != self.epoch {
            // Sent before a resync: a newer request of the resync covers it.
            return;
        }
        match out {
            Out::Data(r, w) => self.on_data(path, r, w),
            Out::List(r, w) => self.on_list(path, r, w),
            Out::Stat(r) => self.on_stat(path, r),
            Out::RootExists(r, w) => self.on_root_exists(r, w),
            Out::AddWatch(r) => self.on_add_watch(r),
            Out::Barrier(..) => {}
        }
    }

    fn take_data_flight(&mut self, path: &str) -> Pending {
        let Some(f) = self.flights.get_mut(path) else {
            return Pending::default();
        };
        let p = f.data.take().unwrap_or_default();
        if f.list.is_none() {
            self.flights.remove(path);
        }
        p
    }

    fn take_list_flight(&mut self, path: &str) -> Pending {
        let Some(f) = self.flights.get_mut(path) else {
            return Pending::default();
        };
        let p = f.list.take().unwrap_or_default();
        if f.data.is_none() {
            self.flights.remove(path);
        }
        p
    }

    fn on_data(&mut self, path: String, r: Result<(Bytes, Stat)>, w: Option<Watch>) {
        match r {
            Err(e) if retry(&e) => {
                self.send_data(path);
                return;
            }
            Err(Error::NoNode { .. }) if self.mode == Mode::OneShot && path == self.root => {
                // Keep the flight open: an exists watch waits for the root's creation.
                self.apply_missing(&path);
                self.send_root_exists();
                return;
            }
            _ => {}
        }
        let p = self.take_data_flight(&path);
        if !p.stale {
            match r {
                Ok((data, stat)) => self.apply_data(&path, own(data), stat, w),
                Err(Error::NoNode { .. }) => self.apply_missing(&path),
                Err(e) => self.fault(&path, e),
            }
        }
        if p.dirty {
            self.read_data(path);
        }
    }

    fn on_root_exists(&mut self, r: Result<Option<Stat>>, w: Option<Watch>) {
        let path = self.root.clone();
        match r {
            Err(e) if retry(&e) => {
                self.send_root_exists();
                return;
            }
            Ok(None) => {
                if let Some(w) = w {
                    self.arm(path.clone(), Armed::Data, w);
                }
            }
            Ok(Some(_)) => {
                // Created in between: read it (the watch goes; the read arms its own).
                drop(w);
                self.take_data_flight(&path);
                self.read_data(path);
                return;
            }
            Err(e) => self.fault(&path, e),
        }
        if self.take_data_flight(&path).dirty {
            self.read_data(path);
        }
    }

    fn apply_data(&mut self, path: &str, data: Bytes, stat: Stat, w: Option<Watch>) {
        if !self.in_scope(path) {
            return;
        }
        let mut removed = Vec::new();
        let event;
        {
            let mut store = self.shared.write();
            if let Some(idx) = store.find(path) {
                let node = store.node_mut(idx);
                if node.stat.czxid == stat.czxid {
                    if let Some(w) = w {
                        if node.flags & DATA_ARMED == 0 {
                            node.flags |= DATA_ARMED;
                            self.arm(path.to_owned(), Armed::Data, w);
                        }
                    }
                    if node.stat.mzxid != stat.mzxid {
                        node.data = data.clone();
                        node.stat = stat;
                        drop(store);
                        self.emit(TreeEvent::NodeUpdated(NodeData {
                            path: path.to_owned(),
                            data,
                            stat,
                        }));
                    } else {
                        node.stat = stat;
                    }
                    return;
                }
                // Deleted and created again: the old node and its subtree are gone.
                store.remove_subtree(idx, &mut removed);
            }
            let idx: Idx = if path == self.root {
                store.insert_root(data.clone(), stat)
            } else {
                let Some(p) = parent(path).and_then(|p| store.find(p)) else {
                    // Its parent left the cache meanwhile; listing the parent when it comes
                    // back finds this node again.
                    drop(store);
                    self.emit_removed(removed);
                    return;
                };
                store.insert_child(p, basename(path), data.clone(), stat)
            };
            if let Some(w) = w {
                store.node_mut(idx).flags |= DATA_ARMED;
                self.arm(path.to_owned(), Armed::Data, w);
            }
            event = TreeEvent::NodeAdded(NodeData {
                path: path.to_owned(),
                data,
                stat,
            });
        }
        self.emit_removed(removed);
        self.emit(event);
        if self.can_list(path) {
            self.list(path.to_owned());
        }
    }

    fn apply_missing(&mut self, path: &str) {
        let mut removed = Vec::new();
        {
            let mut store = self.shared.write();
            if let Some(idx) = store.find(path) {
                store.remove_subtree(idx, &mut removed);
            }
        }
        let was_cached = !removed.is_empty();
        self.emit_removed(removed);
        if was_cached && self.mode == Mode::OneShot {
            // One-shot watches cannot tell a quick re-creation from the deletion: list the
            // parent again to find the node if it is back.
            if let Some(p) = parent(path).filter(|_| path != self.root) {
                if self.shared.read().find(p).is_some() {
                    self.list(p.to_owned());
                }
            }
        }
    }

    fn on_list(&mut self, path: String, r: Result<(Vec<String>, Stat)>, w: Option<Watch>) {
        if let Err(e) = &r {
            if retry(e) {
                self.send_list(path);
                return;
            }
        }
        let p = self.take_list_flight(&path);
        if !p.stale {
            match r {
                Ok((names, stat)) => self.apply_list(&path, names, stat, w),
                // Gone: its own data read or deletion event takes it out.
                Err(Error::NoNode { .. }) => {}
                Err(e) => self.fault(&path, e),
            }
        }
        if p.dirty {
            self.list(path);
        }
    }

    fn apply_list(&mut self, path: &str, names: Vec<String>, stat: Stat, w: Option<Watch>) {
        let mut reread = false;
        let mut unknown = Vec::new();
        {
            let mut store = self.shared.write();
            let Some(idx) = store.find(path) else {
                return;
            };
            let node = store.node_mut(idx);
            if node.stat.czxid != stat.czxid {
                // A newer incarnation: read it; its arrival lists it again.
                drop(store);
                self.read_data(path.to_owned());
                return;
            }
            if let Some(w) = w {
                if node.flags & CHILD_ARMED == 0 {
                    node.flags |= CHILD_ARMED;
                    self.arm(path.to_owned(), Armed::Child, w);
                }
            }
            if node.stat.mzxid == stat.mzxid {
                node.stat = stat;
            } else {
                reread = true;
            }
            for name in names {
                if store.find_child(idx, &name).is_none() {
                    unknown.push(join(path, &name));
                }
            }
        }
        for child in unknown {
            if self.in_scope(&child) {
                self.read_data(child);
            }
        }
        if reread {
            self.read_data(path.to_owned());
        }
    }

    fn on_stat(&mut self, path: String, r: Result<Option<Stat>>) {
        match r {
            Ok(None) => self.read_data(path),
            Ok(Some(stat)) => {
                let (read, list) = {
                    let store = self.shared.read();
                    match store.find(&path) {
                        Some(idx) => {
                            let c = store.node(idx).stat;
                            (
                                c.czxid != stat.czxid || c.mzxid != stat.mzxid,
                                c.pzxid != stat.pzxid,
                            )
                        }
                        None => (false, false),
                    }
                };
                if read {
                    self.read_data(path.clone());
                }
                if list && self.can_list(&path) {
                    self.list(path);
                }
            }
            Err(e) if retry(&e) => self.send_stat(path),
            Err(e) => self.fault(&path, e),
        }
    }

    fn on_add_watch(&mut self, r: Result<PersistentWatch>) {
        match r {
            Ok(w) => self.pwatch = Some(w),
            // Reads sent with it may have been answered without the watch: start over.
            Err(e) if retry(&e) => self.full_resync(),
            // The session is gone: the next session resyncs in full.
            Err(e) => self.fault(&self.root.clone(), e),
        }
    }

    // ---- events ------------------------------------------------------------------------

    fn on_persistent(&mut self, ev: Option<WatchedEvent>) {
        let Some(e) = ev else {
            self.pwatch = None;
            return;
        };
        if e.is_terminal() {
            // Expiry or close; the state change drives what follows.
            self.pwatch = None;
            return;
        }
        match e.event_type {
            EventType::NodeCreated | EventType::NodeDataChanged if self.worth_reading(&e.path) => {
                self.read_data(e.path);
            }
            EventType::NodeDeleted => self.on_deleted(&e.path),
            EventType::PersistentWatchRemoved => {
                // Someone removed our watch: put it back, then catch up with a pass.
                self.pwatch = None;
                self.add_watch();
                self.pass();
            }
            _ => {}
        }
    }

    fn on_deleted(&mut self, path: &str) {
        if !self.in_scope(path) {
            return;
        }
        if let Some(p) = self.flights.get_mut(path).and_then(|f| f.data.as_mut()) {
            // What that read returns may predate the deletion; a re-creation brings its own
            // event and read.
            p.stale = true;
            p.dirty = false;
        }
        let mut removed = Vec::new();
        {
            let mut store = self.shared.write();
            if let Some(idx) = store.find(path) {
                store.remove_subtree(idx, &mut removed);
            }
        }
        self.emit_removed(removed);
    }

    fn on_watch(&mut self, path: String, armed: Armed, ev: WatchedEvent) {
        if ev.is_terminal() {
            return;
        }
        let present = {
            let mut store = self.shared.write();
            match store.find(&path) {
                Some(idx) => {
                    let n = store.node_mut(idx);
                    n.flags &= !match armed {
                        Armed::Data => DATA_ARMED,
                        Armed::Child => CHILD_ARMED,
                    };
                    true
                }
                None => false,
            }
        };
        match (armed, ev.event_type) {
            (Armed::Data, _) => {
                if self.worth_reading(&path) {
                    self.read_data(path);
                }
            }
            (Armed::Child, EventType::NodeChildrenChanged | EventType::ChildWatchRemoved) => {
                if present {
                    self.list(path);
                }
            }
            // A deleted node's child watch: its data watch handles the deletion.
            (Armed::Child, _) => {}
        }
    }

    fn on_state(&mut self, c: StateChange) {
        match c.kazoo {
            KazooState::Suspended => {
                if !self.disconnected && !self.lost {
                    self.emit(TreeEvent::ConnectionSuspended);
                }
                self.disconnected = true;
            }
            KazooState::Lost => {
                if !self.lost {
                    self.emit(TreeEvent::ConnectionLost);
                }
                self.lost = true;
                self.initialized = false;
                self.shared.initialized.send_replace(false);
            }
            KazooState::Connected => {
                let session = self.client.session_id();
                let was_away = self.disconnected || self.lost;
                if was_away {
                    self.emit(TreeEvent::ConnectionReconnected);
                }
                if self.lost || session != self.session {
                    self.lost = false;
                    self.full_resync();
                } else if self.disconnected && self.mode == Mode::Persistent {
                    self.pass();
                }
                self.session = session;
                self.disconnected = false;
            }
        }
    }

    /// Same session: compare each cached node's stat with the server's (see the module doc).
    fn pass(&mut self) {
        bump(&self.shared.stats.passes);
        let nodes = self.shared.read().walk();
        tracing::debug!(
            nodes = nodes.len(),
            "tree cache: stat pass after a reconnect"
        );
        if nodes.is_empty() {
            let root = self.root.clone();
            self.read_data(root);
        }
        for (_, path) in nodes {
            self.send_stat(path);
        }
    }

    /// New session: read everything again (see the module doc).
    fn full_resync(&mut self) {
        bump(&self.shared.stats.full_resyncs);
        tracing::debug!("tree cache: full read after a session change");
        self.epoch += 1;
        self.flights.clear();
        // Queued requests belong to the old epoch too.
        self.backlog.clear();
        self.watches = FuturesUnordered::new();
        if self.mode == Mode::Persistent {
            self.pwatch = None;
            self.add_watch();
        }
        let nodes = {
            let mut store = self.shared.write();
            let nodes = store.walk();
            for (idx, _) in &nodes {
                store.node_mut(*idx).flags = 0;
            }
            nodes
        };
        if nodes.is_empty() {
            let root = self.root.clone();
            self.read_data(root);
        }
        for (_, path) in nodes {
            self.read_data(path.clone());
            if self.can_list(&path) {
                self.list(path);
            }
        }
    }
}

/// Errors after which the same request is simply sent again: the client queues it until it
/// is connected (a session expiry fails it instead, and the resync that follows covers it).
fn retry(e: &Error) -> bool {
    e.is_connection_loss() || e.is_retryable()
}
