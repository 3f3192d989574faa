//! TreeCache: a local mirror of a subtree (kazoo's `TreeCache`), kept up to date with one
//! persistent-recursive watch (ZooKeeper 3.6+) or, on older servers, one-shot watches.

pub(crate) mod engine;
pub(crate) mod store;

use super::fanout::{Events, Fanout};
use super::{NodeData, TreeEvent};
use engine::{Command, Engine, Mode, Scope, Shared};
use futures::Stream;
use kazoo_client::{AddWatchMode, Client, Error, PersistentWatch, Result};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use store::Store;
use tokio::sync::{mpsc, oneshot, watch};

/// Which watches a [`TreeCache`] uses.
///
/// ```
/// use kazoo_recipes::cache::WatchMode;
/// assert_eq!(WatchMode::default(), WatchMode::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchMode {
    /// A persistent-recursive watch when the server has them (3.6+), else one-shot watches.
    #[default]
    Auto,
    /// One persistent-recursive watch on the root (fails on servers older than 3.6).
    PersistentRecursive,
    /// A data watch and a child watch on every cached node (kazoo's way; any server).
    OneShot,
}

enum Phase {
    Latent,
    Running {
        cmds: mpsc::UnboundedSender<Command>,
        task: tokio::task::JoinHandle<()>,
    },
    Closed,
}

/// A local mirror of the subtree under a path, kept up to date (kazoo's `TreeCache`).
///
/// - Build it, register listeners or take an event stream, then [`start`](Self::start) it;
///   [`TreeEvent`]s report every node added, updated and removed, connection changes, and
///   `Initialized` once the tree is loaded.
/// - Reads ([`get_data`](Self::get_data), [`get_children`](Self::get_children)) are local.
/// - With a 3.6+ server one persistent-recursive watch covers the whole tree (else one-shot
///   watches, two per node). After a reconnect on the same session the cache catches up
///   without reading the tree again: a stat pass finds what changed (the design and why it
///   is exact are in the [`crate::cache`] module docs). After a session loss it reads the
///   tree again and reports only differences.
/// - Events of one path come in the order the cache applied them: replaying the stream onto
///   an empty map gives the cache's content.
/// - [`close`](Self::close) (or dropping the cache) removes its watches from the server.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::cache::{TreeCache, TreeEvent};
/// let cache = TreeCache::new(&client, "/services");
/// cache.listen(|event| {
///     if let TreeEvent::NodeAdded(node) = event {
///         println!("new service {}", node.path);
///     }
/// });
/// cache.start().await?;
/// cache.initialized().await;
/// println!("{:?}", cache.get_children("/services"));
/// cache.close().await;
/// # Ok(()) }
/// ```
pub struct TreeCache {
    client: Client,
    root: String,
    mode: WatchMode,
    scope: Scope,
    create_root: bool,
    shared: Arc<Shared>,
    phase: Mutex<Phase>,
    running_mode: Mutex<Option<WatchMode>>,
}

impl std::fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeCache")
            .field("root", &self.root)
            .field("nodes", &self.len())
            .field("initialized", &self.is_initialized())
            .finish_non_exhaustive()
    }
}

/// Options of a [`TreeCache`].
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::cache::{TreeCache, WatchMode};
/// let cache = TreeCache::builder(&client, "/app")
///     .max_depth(2)
///     .filter(|path| !path.ends_with(".tmp"))
///     .watch_mode(WatchMode::Auto)
///     .build();
/// cache.start().await?;
/// # Ok(()) }
/// ```
pub struct TreeCacheBuilder {
    client: Client,
    root: String,
    mode: WatchMode,
    scope: Scope,
    create_root: bool,
}

impl std::fmt::Debug for TreeCacheBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeCacheBuilder")
            .field("root", &self.root)
            .field("mode", &self.mode)
            .field("max_depth", &self.scope.max_depth)
            .finish_non_exhaustive()
    }
}

impl TreeCacheBuilder {
    /// Caches nodes at most `depth` levels below the root (the root is level 0; Curator's
    /// `maxDepth`). Default: no limit.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.scope.max_depth = Some(depth);
        self
    }

    /// Caches only the nodes whose path `keep` accepts, and nothing below a rejected one.
    /// The root is always cached.
    pub fn filter(mut self, keep: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.scope.filter = Some(Arc::new(keep));
        self
    }

    /// Which watches to use (default [`WatchMode::Auto`]).
    pub fn watch_mode(mut self, mode: WatchMode) -> Self {
        self.mode = mode;
        self
    }

    /// Whether [`TreeCache::start`] creates the root when missing (default `true`, as kazoo).
    pub fn create_root(mut self, yes: bool) -> Self {
        self.create_root = yes;
        self
    }

    /// The cache, not started yet.
    pub fn build(self) -> TreeCache {
        let (initialized, _) = watch::channel(false);
        TreeCache {
            shared: Arc::new(Shared {
                store: RwLock::new(Store::new(&self.root)),
                events: Fanout::new(),
                initialized,
                stats: Default::default(),
                faults: Fanout::new(),
            }),
            client: self.client,
            root: self.root,
            mode: self.mode,
            scope: self.scope,
            create_root: self.create_root,
            phase: Mutex::new(Phase::Latent),
            running_mode: Mutex::new(None),
        }
    }
}

impl TreeCache {
    /// A cache of the subtree at `path` with default options (kazoo's `TreeCache(client,
    /// path)`); call [`start`](Self::start).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let cache = kazoo_recipes::cache::TreeCache::new(&client, "/app");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> TreeCache {
        TreeCache::builder(client, path).build()
    }

    /// Options: max depth, filter, watch mode, root creation.
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let cache = kazoo_recipes::cache::TreeCache::builder(&client, "/app").max_depth(1).build();
    /// # }
    /// ```
    pub fn builder(client: &Client, path: &str) -> TreeCacheBuilder {
        let root = if path.len() > 1 {
            path.trim_end_matches('/').to_owned()
        } else {
            path.to_owned()
        };
        TreeCacheBuilder {
            client: client.clone(),
            root,
            mode: WatchMode::Auto,
            scope: Scope {
                max_depth: None,
                filter: None,
            },
            create_root: true,
        }
    }

    /// The cached subtree's root path.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::TreeCache) { assert_eq!(c.root(), "/app"); }
    /// ```
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Starts the cache: creates the root if asked (the default), chooses the watch mode,
    /// sets the watch and starts loading in the background (wait for it with
    /// [`initialized`](Self::initialized)). Fails when already started or closed, for an
    /// invalid path, or when the client is closed. Must run inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn f(cache: kazoo_recipes::cache::TreeCache) -> kazoo_client::Result<()> {
    /// cache.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self) -> Result<()> {
        {
            let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
            match *phase {
                Phase::Latent => {}
                Phase::Running { .. } => return Err(already_started()),
                Phase::Closed => return Err(Error::Closed),
            }
        }
        if self.create_root {
            self.client.ensure_path(&self.root).await?;
        }
        let (mode, pwatch) = self.choose_mode().await?;
        let engine = Engine::new(
            self.client.clone(),
            mode,
            self.scope.clone(),
            self.shared.clone(),
            pwatch,
        );
        let (cmds, rx) = mpsc::unbounded_channel();
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*phase, Phase::Latent) {
            return Err(already_started());
        }
        let task = tokio::spawn(engine.run(rx));
        *phase = Phase::Running { cmds, task };
        *self.running_mode.lock().unwrap_or_else(|e| e.into_inner()) = Some(match mode {
            Mode::Persistent => WatchMode::PersistentRecursive,
            Mode::OneShot => WatchMode::OneShot,
        });
        Ok(())
    }

    async fn choose_mode(&self) -> Result<(Mode, Option<PersistentWatch>)> {
        if self.mode == WatchMode::OneShot {
            return Ok((Mode::OneShot, None));
        }
        if self.mode == WatchMode::Auto {
            // A pre-3.6 server may not reject an unknown request cleanly; ask its version
            // first when the four-letter word is allowed.
            if let Ok((major, minor, _)) = self.client.server_version().await {
                if (major, minor) < (3, 6) {
                    return Ok((Mode::OneShot, None));
                }
            }
        }
        loop {
            match self
                .client
                .add_watch(&self.root, AddWatchMode::PersistentRecursive)
                .await
            {
                Ok(w) => return Ok((Mode::Persistent, Some(w))),
                Err(Error::Unimplemented { .. }) if self.mode == WatchMode::Auto => {
                    return Ok((Mode::OneShot, None));
                }
                Err(e) if e.is_connection_loss() || e.is_retryable() => {
                    self.client.wait_connected().await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The watch mode in use once started.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::TreeCache) { println!("{:?}", c.watch_mode()); }
    /// ```
    pub fn watch_mode(&self) -> Option<WatchMode> {
        *self.running_mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Calls `f` with every event from now on (kazoo's `listen`), on a thread of its own: it
    /// may block. Register before [`start`](Self::start) to see the loading too.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// cache.listen(|event| println!("{event:?}"));
    /// # }
    /// ```
    pub fn listen(&self, f: impl FnMut(TreeEvent) + Send + 'static) {
        self.shared.events.listen("kazoo-tree-cache", f);
    }

    /// Calls `f` with each error the cache meets while reading (kazoo's `listen_fault`), on a
    /// thread of its own: a node it may not read (`NoAuth`), for example, stays out of the
    /// cache. Connection losses and session expiry are not faults (the cache rides them out).
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// cache.listen_fault(|e| eprintln!("tree cache: {e}"));
    /// # }
    /// ```
    pub fn listen_fault(&self, f: impl FnMut(Error) + Send + 'static) {
        self.shared.faults.listen("kazoo-tree-cache-fault", f);
    }

    /// Every event from now on, as a stream that ends when the cache closes. Take it before
    /// [`start`](Self::start) to see the loading too. It buffers without bound: consume it.
    ///
    /// ```no_run
    /// # async fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// use futures::StreamExt;
    /// let mut events = cache.events();
    /// while let Some(e) = events.next().await { println!("{e:?}"); }
    /// # }
    /// ```
    pub fn events(&self) -> TreeEventStream {
        TreeEventStream {
            inner: Events {
                rx: self.shared.events.subscribe(),
            },
        }
    }

    /// The cached data of `path` (kazoo's `get_data`); `None` when not cached (missing,
    /// outside the tree, filtered out or not loaded yet).
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// if let Some(node) = cache.get_data("/app/config") {
    ///     println!("{:?} (version {})", node.data, node.stat.version);
    /// }
    /// # }
    /// ```
    pub fn get_data(&self, path: &str) -> Option<NodeData> {
        let store = self.shared.read();
        let idx = store.find(path)?;
        let n = store.node(idx);
        Some(NodeData {
            path: path.to_owned(),
            data: n.data.clone(),
            stat: n.stat,
        })
    }

    /// The cached children's names of `path`, sorted (kazoo's `get_children`); `None` when
    /// the node is not cached.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// let services = cache.get_children("/services").unwrap_or_default();
    /// # }
    /// ```
    pub fn get_children(&self, path: &str) -> Option<Vec<String>> {
        let store = self.shared.read();
        let idx = store.find(path)?;
        Some(store.children_names(idx))
    }

    /// Every cached node, parents before children.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// for node in cache.snapshot() { println!("{} {:?}", node.path, node.data); }
    /// # }
    /// ```
    pub fn snapshot(&self) -> Vec<NodeData> {
        let store = self.shared.read();
        store
            .walk()
            .into_iter()
            .map(|(idx, path)| {
                let n = store.node(idx);
                NodeData {
                    path,
                    data: n.data.clone(),
                    stat: n.stat,
                }
            })
            .collect()
    }

    /// How much the cache has asked of the server so far.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// let s = cache.stats();
    /// println!("{} data reads, {} stat checks", s.data_reads, s.stat_checks);
    /// # }
    /// ```
    pub fn stats(&self) -> TreeCacheStats {
        let c = &self.shared.stats;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        TreeCacheStats {
            data_reads: get(&c.data_reads),
            child_lists: get(&c.child_lists),
            stat_checks: get(&c.stat_checks),
            passes: get(&c.passes),
            full_resyncs: get(&c.full_resyncs),
        }
    }

    /// How many nodes are cached.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) { println!("{}", cache.len()); }
    /// ```
    pub fn len(&self) -> usize {
        self.shared.read().len()
    }

    /// True when nothing is cached.
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) { assert!(!cache.is_empty()); }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once the tree was loaded (false again after a session loss, until reloaded).
    ///
    /// ```no_run
    /// # fn f(cache: kazoo_recipes::cache::TreeCache) { if cache.is_initialized() {} }
    /// ```
    pub fn is_initialized(&self) -> bool {
        *self.shared.initialized.borrow()
    }

    /// Waits until the tree is loaded.
    ///
    /// ```no_run
    /// # async fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// cache.initialized().await;
    /// # }
    /// ```
    pub async fn initialized(&self) {
        let mut rx = self.shared.initialized.subscribe();
        // The sender lives as long as `self`.
        let _ = rx.wait_for(|v| *v).await;
    }

    /// Waits until the cache reflects every change committed before this call (a ZooKeeper
    /// `sync`, then every read it caused). Fails when the cache is not running.
    ///
    /// ```no_run
    /// # async fn f(cache: kazoo_recipes::cache::TreeCache) -> kazoo_client::Result<()> {
    /// cache.sync().await?;
    /// # Ok(()) }
    /// ```
    pub async fn sync(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.command(Command::Sync(tx))?;
        rx.await.map_err(|_| Error::Closed)
    }

    fn command(&self, cmd: Command) -> Result<()> {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        match &*phase {
            Phase::Running { cmds, .. } => cmds.send(cmd).map_err(|_| Error::Closed),
            _ => Err(Error::Closed),
        }
    }

    /// Stops the cache: its watches are removed from the server, its content is dropped and
    /// its event streams end. Idempotent.
    ///
    /// ```no_run
    /// # async fn f(cache: kazoo_recipes::cache::TreeCache) {
    /// cache.close().await;
    /// # }
    /// ```
    pub async fn close(&self) {
        let previous = {
            let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *phase, Phase::Closed)
        };
        if let Phase::Running { cmds, task } = previous {
            let (tx, rx) = oneshot::channel();
            if cmds.send(Command::Close(tx)).is_ok() {
                let _ = rx.await;
            }
            let _ = task.await;
        }
        self.shared.write_clear();
    }
}

fn already_started() -> Error {
    Error::Config("the tree cache was started already".into())
}

impl Shared {
    fn write_clear(&self) {
        self.store
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.events.close();
    }
}

/// Counts of what a [`TreeCache`] asked of the server (requests sent, retries included).
///
/// ```
/// let s = kazoo_recipes::cache::TreeCacheStats::default();
/// assert_eq!(s.data_reads, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeCacheStats {
    /// getData requests.
    pub data_reads: u64,
    /// getChildren requests.
    pub child_lists: u64,
    /// exists requests of the catch-up passes.
    pub stat_checks: u64,
    /// Catch-up passes after a reconnect with the same session.
    pub passes: u64,
    /// Full reads after a session change.
    pub full_resyncs: u64,
}

/// The stream of a [`TreeCache`]'s events (see [`TreeCache::events`]).
///
/// ```no_run
/// # async fn f(cache: kazoo_recipes::cache::TreeCache) {
/// use futures::StreamExt;
/// let first = cache.events().next().await;
/// # }
/// ```
pub struct TreeEventStream {
    inner: Events<TreeEvent>,
}

impl std::fmt::Debug for TreeEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeEventStream").finish_non_exhaustive()
    }
}

impl TreeEventStream {
    /// The next event, `None` once the cache closed.
    pub async fn recv(&mut self) -> Option<TreeEvent> {
        self.inner.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<TreeEvent> {
        self.inner.rx.try_recv().ok()
    }

    /// Blocks for the next event (outside any runtime); `None` once the cache closed.
    pub fn blocking_recv(&mut self) -> Option<TreeEvent> {
        self.inner.rx.blocking_recv()
    }
}

impl Stream for TreeEventStream {
    type Item = TreeEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TreeEvent>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}
