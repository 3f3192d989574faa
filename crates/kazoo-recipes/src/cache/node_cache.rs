//! NodeCache: one node's data and stat kept up to date (Curator's `NodeCache`), on the same
//! re-arming data watch as [`crate::watchers::DataWatch`].

use super::fanout::{Events, Fanout};
use super::node_data::own;
use super::NodeData;
use crate::watchers::data;
use crate::watchers::task::{pair, Control, Running};
use crate::watchers::StopReason;
use futures::Stream;
use kazoo_client::{Client, Result};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

/// A change of a [`NodeCache`]'s node.
///
/// ```
/// use kazoo_recipes::cache::{NodeCacheEvent, NodeData};
/// let n = NodeData { path: "/a".into(), data: Default::default(), stat: Default::default() };
/// assert_eq!(NodeCacheEvent::Created(n.clone()).node(), &n);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeCacheEvent {
    /// The node exists (it was created, or it existed when the cache started).
    Created(NodeData),
    /// Its data changed.
    Updated(NodeData),
    /// It was deleted (its last known data).
    Deleted(NodeData),
}

impl NodeCacheEvent {
    /// The node the event is about.
    pub fn node(&self) -> &NodeData {
        match self {
            NodeCacheEvent::Created(n)
            | NodeCacheEvent::Updated(n)
            | NodeCacheEvent::Deleted(n) => n,
        }
    }
}

struct Shared {
    current: RwLock<Option<NodeData>>,
    events: Fanout<NodeCacheEvent>,
}

/// One node's data and stat, kept up to date (Curator's `NodeCache`).
///
/// The node need not exist. Changes are reported as [`NodeCacheEvent`]s to listeners (each on
/// a thread of its own) and streams; each distinct state once, across reconnects and session
/// expiry (the watch is set again on the next session). [`close`](Self::close), or dropping
/// the cache, removes its watch.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::cache::NodeCache;
/// let cache = NodeCache::new(&client, "/config/feature-x");
/// cache.listen(|event| println!("{event:?}"));
/// cache.start().await?;
/// let enabled = cache.get().is_some_and(|n| &n.data[..] == b"on");
/// cache.close().await;
/// # Ok(()) }
/// ```
pub struct NodeCache {
    client: Client,
    path: String,
    shared: Arc<Shared>,
    running: std::sync::Mutex<Option<Running>>,
}

impl std::fmt::Debug for NodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCache")
            .field("path", &self.path)
            .field("current", &self.get())
            .finish_non_exhaustive()
    }
}

impl NodeCache {
    /// A cache of `path`, not started yet.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let cache = kazoo_recipes::cache::NodeCache::new(&client, "/config");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> NodeCache {
        NodeCache {
            client: client.clone(),
            path: path.to_owned(),
            shared: Arc::new(Shared {
                current: RwLock::new(None),
                events: Fanout::new(),
            }),
            running: std::sync::Mutex::new(None),
        }
    }

    /// The cached path.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::NodeCache) { println!("{}", c.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Reads the node, then keeps it up to date in the background; resolves once the first
    /// state is cached (a `Created` event is sent if the node exists). Starting twice does
    /// nothing more. Must run inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::cache::NodeCache) -> kazoo_client::Result<()> {
    /// c.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self) -> Result<()> {
        if self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            return Ok(());
        }
        let mut core = data::core(&self.client, &self.path, true);
        let (state, _) = core
            .next()
            .await
            .map_err(|r| crate::watchers::task::start_error(r, &self.path))?;
        apply(&self.shared, &self.path, state);
        let (running, control) = pair();
        let shared = self.shared.clone();
        let path = self.path.clone();
        tokio::spawn(run(core, control, shared, path));
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(running);
        Ok(())
    }

    /// The node as cached: `None` while it does not exist (or before `start`).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::NodeCache) { let node = c.get(); }
    /// ```
    pub fn get(&self) -> Option<NodeData> {
        self.shared
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Calls `f` with every event from now on, on a thread of its own (it may block).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::NodeCache) { c.listen(|e| println!("{e:?}")); }
    /// ```
    pub fn listen(&self, f: impl FnMut(NodeCacheEvent) + Send + 'static) {
        self.shared.events.listen("kazoo-node-cache", f);
    }

    /// Every event from now on, as a stream that ends when the cache closes.
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::cache::NodeCache) {
    /// use futures::StreamExt;
    /// let mut events = c.events();
    /// let next = events.next().await;
    /// # }
    /// ```
    pub fn events(&self) -> NodeCacheEventStream {
        NodeCacheEventStream {
            inner: Events {
                rx: self.shared.events.subscribe(),
            },
        }
    }

    /// Stops the cache and removes its watch; event streams end.
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::cache::NodeCache) { c.close().await; }
    /// ```
    pub async fn close(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(r) = running {
            r.close().await;
        }
        self.shared.events.close();
    }
}

impl Drop for NodeCache {
    fn drop(&mut self) {
        if let Some(r) = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            r.request_stop();
        }
    }
}

/// Records a new state and reports the transition.
fn apply(shared: &Shared, path: &str, state: Option<(bytes::Bytes, kazoo_client::Stat)>) {
    let new = state.map(|(data, stat)| NodeData {
        path: path.to_owned(),
        data: own(data),
        stat,
    });
    let old = {
        let mut cur = shared.current.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *cur, new.clone())
    };
    let event = match (old, new) {
        (None, Some(n)) => NodeCacheEvent::Created(n),
        (Some(o), Some(n)) if o.stat.czxid != n.stat.czxid => {
            shared.events.send(NodeCacheEvent::Deleted(o));
            NodeCacheEvent::Created(n)
        }
        (Some(_), Some(n)) => NodeCacheEvent::Updated(n),
        (Some(o), None) => NodeCacheEvent::Deleted(o),
        (None, None) => return,
    };
    shared.events.send(event);
}

async fn run(
    mut core: crate::watchers::rearm::Rearm<data::DataReader>,
    mut control: Control,
    shared: Arc<Shared>,
    path: String,
) {
    let reason = loop {
        let step = tokio::select! {
            biased;
            _ = control.stop_requested() => Err(StopReason::Closed),
            r = core.next() => r,
        };
        match step {
            Ok((state, _)) => apply(&shared, &path, state),
            Err(r) => break r,
        }
    };
    drop(core);
    control.finish(reason);
}

/// The stream of a [`NodeCache`]'s events.
///
/// ```no_run
/// # async fn f(c: kazoo_recipes::cache::NodeCache) {
/// let mut events = c.events();
/// let next = events.recv().await;
/// # }
/// ```
pub struct NodeCacheEventStream {
    inner: Events<NodeCacheEvent>,
}

impl std::fmt::Debug for NodeCacheEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCacheEventStream")
            .finish_non_exhaustive()
    }
}

impl NodeCacheEventStream {
    /// The next event, `None` once the cache closed.
    pub async fn recv(&mut self) -> Option<NodeCacheEvent> {
        self.inner.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<NodeCacheEvent> {
        self.inner.rx.try_recv().ok()
    }

    /// Blocks for the next event (outside any runtime); `None` once the cache closed.
    pub fn blocking_recv(&mut self) -> Option<NodeCacheEvent> {
        self.inner.rx.blocking_recv()
    }
}

impl Stream for NodeCacheEventStream {
    type Item = NodeCacheEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<NodeCacheEvent>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}
