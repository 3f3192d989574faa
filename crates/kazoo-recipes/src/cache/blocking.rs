//! The caches for the blocking client ([`kazoo_client::blocking::Client`]): the async caches
//! run on the client's runtime, these handles block on them. Listeners run on threads of
//! their own and may call the blocking client.

use super::{NodeCacheEvent, NodeData, TreeEvent, WatchMode};
use kazoo_client::blocking::Client;
use kazoo_client::{Error, Result};
use std::time::Duration;
use tokio::runtime::Handle;

/// Blocking [`super::TreeCache`].
///
/// ```no_run
/// use kazoo_recipes::cache::blocking::TreeCache;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let cache = TreeCache::new(&zk, "/services");
/// cache.listen(|event| println!("{event:?}"));
/// cache.start()?;
/// cache.wait_initialized(std::time::Duration::from_secs(10))?;
/// println!("{:?}", cache.get_children("/services"));
/// cache.close();
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct TreeCache {
    inner: super::TreeCache,
    rt: Handle,
}

/// Options of a blocking [`TreeCache`] (see [`super::TreeCacheBuilder`]).
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let cache = kazoo_recipes::cache::blocking::TreeCache::builder(&zk, "/app").max_depth(1).build();
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct TreeCacheBuilder {
    inner: super::TreeCacheBuilder,
    rt: Handle,
}

impl TreeCacheBuilder {
    /// See [`super::TreeCacheBuilder::max_depth`].
    pub fn max_depth(self, depth: usize) -> Self {
        TreeCacheBuilder {
            inner: self.inner.max_depth(depth),
            rt: self.rt,
        }
    }

    /// See [`super::TreeCacheBuilder::filter`].
    pub fn filter(self, keep: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        TreeCacheBuilder {
            inner: self.inner.filter(keep),
            rt: self.rt,
        }
    }

    /// See [`super::TreeCacheBuilder::watch_mode`].
    pub fn watch_mode(self, mode: WatchMode) -> Self {
        TreeCacheBuilder {
            inner: self.inner.watch_mode(mode),
            rt: self.rt,
        }
    }

    /// See [`super::TreeCacheBuilder::create_root`].
    pub fn create_root(self, yes: bool) -> Self {
        TreeCacheBuilder {
            inner: self.inner.create_root(yes),
            rt: self.rt,
        }
    }

    /// The cache, not started yet.
    pub fn build(self) -> TreeCache {
        TreeCache {
            inner: self.inner.build(),
            rt: self.rt,
        }
    }
}

impl TreeCache {
    /// See [`super::TreeCache::new`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let cache = kazoo_recipes::cache::blocking::TreeCache::new(&zk, "/app");
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn new(client: &Client, path: &str) -> TreeCache {
        TreeCache::builder(client, path).build()
    }

    /// See [`super::TreeCache::builder`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let b = kazoo_recipes::cache::blocking::TreeCache::builder(&zk, "/app");
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn builder(client: &Client, path: &str) -> TreeCacheBuilder {
        TreeCacheBuilder {
            inner: super::TreeCache::builder(client.as_async(), path),
            rt: client.runtime_handle(),
        }
    }

    /// See [`super::TreeCache::start`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::blocking::TreeCache) -> kazoo_client::Result<()> {
    /// c.start()?;
    /// # Ok(()) }
    /// ```
    pub fn start(&self) -> Result<()> {
        self.rt.block_on(self.inner.start())
    }

    /// Blocks until the tree is loaded, at most `limit` ([`Error::Timeout`] then).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::blocking::TreeCache) -> kazoo_client::Result<()> {
    /// c.wait_initialized(std::time::Duration::from_secs(10))?;
    /// # Ok(()) }
    /// ```
    pub fn wait_initialized(&self, limit: Duration) -> Result<()> {
        self.rt
            .block_on(async { tokio::time::timeout(limit, self.inner.initialized()).await })
            .map_err(|_| Error::Timeout)
    }

    /// See [`super::TreeCache::is_initialized`].
    pub fn is_initialized(&self) -> bool {
        self.inner.is_initialized()
    }

    /// See [`super::TreeCache::listen`].
    pub fn listen(&self, f: impl FnMut(TreeEvent) + Send + 'static) {
        self.inner.listen(f)
    }

    /// See [`super::TreeCache::listen_fault`].
    pub fn listen_fault(&self, f: impl FnMut(Error) + Send + 'static) {
        self.inner.listen_fault(f)
    }

    /// Every event from now on, as a blocking iterator that ends when the cache closes.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::cache::blocking::TreeCache) {
    /// for event in c.events() { println!("{event:?}"); }
    /// # }
    /// ```
    pub fn events(&self) -> TreeEventIter {
        TreeEventIter {
            inner: self.inner.events(),
            rt: self.rt.clone(),
        }
    }

    /// See [`super::TreeCache::get_data`].
    pub fn get_data(&self, path: &str) -> Option<NodeData> {
        self.inner.get_data(path)
    }

    /// See [`super::TreeCache::get_children`].
    pub fn get_children(&self, path: &str) -> Option<Vec<String>> {
        self.inner.get_children(path)
    }

    /// See [`super::TreeCache::snapshot`].
    pub fn snapshot(&self) -> Vec<NodeData> {
        self.inner.snapshot()
    }

    /// See [`super::TreeCache::stats`].
    pub fn stats(&self) -> super::TreeCacheStats {
        self.inner.stats()
    }

    /// See [`super::TreeCache::len`].
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// See [`super::TreeCache::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// See [`super::TreeCache::watch_mode`].
    pub fn watch_mode(&self) -> Option<WatchMode> {
        self.inner.watch_mode()
    }

    /// See [`super::TreeCache::sync`].
    pub fn sync(&self) -> Result<()> {
        self.rt.block_on(self.inner.sync())
    }

    /// See [`super::TreeCache::close`].
    pub fn close(&self) {
        self.rt.block_on(self.inner.close())
    }
}

/// The blocking iterator of a [`TreeCache`]'s events.
///
/// ```no_run
/// # fn f(c: kazoo_recipes::cache::blocking::TreeCache) {
/// let mut events = c.events();
/// let next = events.recv_timeout(std::time::Duration::from_secs(1));
/// # }
/// ```
#[derive(Debug)]
pub struct TreeEventIter {
    inner: super::TreeEventStream,
    rt: Handle,
}

impl TreeEventIter {
    /// The next event, waiting at most `t`: [`Error::Timeout`] when none came, `Ok(None)`
    /// once the cache closed.
    pub fn recv_timeout(&mut self, t: Duration) -> Result<Option<TreeEvent>> {
        let inner = &mut self.inner;
        self.rt
            .block_on(async { tokio::time::timeout(t, inner.recv()).await })
            .map_err(|_| Error::Timeout)
    }
}

impl Iterator for TreeEventIter {
    type Item = TreeEvent;

    fn next(&mut self) -> Option<TreeEvent> {
        self.inner.blocking_recv()
    }
}

/// Blocking [`super::NodeCache`].
///
/// ```no_run
/// use kazoo_recipes::cache::blocking::NodeCache;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let cache = NodeCache::start(&zk, "/config")?;
/// println!("{:?}", cache.get());
/// cache.close();
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct NodeCache {
    inner: super::NodeCache,
    rt: Handle,
}

impl NodeCache {
    /// Starts a cache of `path` (see [`super::NodeCache::start`]).
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let cache = kazoo_recipes::cache::blocking::NodeCache::start(&zk, "/config")?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn start(client: &Client, path: &str) -> Result<NodeCache> {
        let rt = client.runtime_handle();
        let inner = super::NodeCache::new(client.as_async(), path);
        rt.block_on(inner.start())?;
        Ok(NodeCache { inner, rt })
    }

    /// See [`super::NodeCache::get`].
    pub fn get(&self) -> Option<NodeData> {
        self.inner.get()
    }

    /// See [`super::NodeCache::listen`].
    pub fn listen(&self, f: impl FnMut(NodeCacheEvent) + Send + 'static) {
        self.inner.listen(f)
    }

    /// The next event, waiting at most `t` (events from the time of the call on are seen by
    /// a subscription: take one with [`NodeCache::events`] to not miss any).
    pub fn events(&self) -> NodeCacheEventIter {
        NodeCacheEventIter {
            inner: self.inner.events(),
            rt: self.rt.clone(),
        }
    }

    /// See [`super::NodeCache::close`].
    pub fn close(&self) {
        self.rt.block_on(self.inner.close())
    }
}

/// The blocking iterator of a [`NodeCache`]'s events.
///
/// ```no_run
/// # fn f(c: kazoo_recipes::cache::blocking::NodeCache) {
/// for event in c.events() { println!("{event:?}"); }
/// # }
/// ```
#[derive(Debug)]
pub struct NodeCacheEventIter {
    inner: super::NodeCacheEventStream,
    rt: Handle,
}

impl NodeCacheEventIter {
    /// The next event, waiting at most `t`: [`Error::Timeout`] when none came.
    pub fn recv_timeout(&mut self, t: Duration) -> Result<Option<NodeCacheEvent>> {
        let inner = &mut self.inner;
        self.rt
            .block_on(async { tokio::time::timeout(t, inner.recv()).await })
            .map_err(|_| Error::Timeout)
    }
}

impl Iterator for NodeCacheEventIter {
    type Item = NodeCacheEvent;

    fn next(&mut self) -> Option<NodeCacheEvent> {
        self.inner.blocking_recv()
    }
}
