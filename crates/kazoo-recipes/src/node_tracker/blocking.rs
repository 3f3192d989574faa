//! [`NodeTracker`] for the blocking client: the async tracker runs on the client's runtime;
//! subscribers run on threads of their own and may call the blocking client.

use super::{Value, ValueStream};
use kazoo_client::blocking::Client;
use kazoo_client::{Acl, CreateMode, Result, Stat};
use std::time::SystemTime;
use tokio::runtime::Handle;

/// Blocking [`super::NodeTracker`].
///
/// ```no_run
/// use kazoo_recipes::node_tracker::blocking::NodeTracker;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let node = NodeTracker::new(&zk, "/some/config/node")?;
/// node.set(483.24)?;
/// println!("{} (modified {:?})", node.value(), node.last_modified());
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct NodeTracker {
    inner: super::NodeTracker,
    rt: Handle,
}

/// Options of a blocking [`NodeTracker`] (see [`super::NodeTrackerBuilder`]).
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let node = kazoo_recipes::node_tracker::blocking::NodeTracker::builder(&zk, "/cfg")
///     .default("on")
///     .start()?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct NodeTrackerBuilder {
    inner: super::NodeTrackerBuilder,
    rt: Handle,
}

impl NodeTrackerBuilder {
    /// See [`super::NodeTrackerBuilder::default`].
    pub fn default(self, value: impl Into<Value>) -> Self {
        NodeTrackerBuilder {
            inner: self.inner.default(value),
            rt: self.rt,
        }
    }

    /// See [`super::NodeTrackerBuilder::json`].
    pub fn json(self, yes: bool) -> Self {
        NodeTrackerBuilder {
            inner: self.inner.json(yes),
            rt: self.rt,
        }
    }

    /// See [`super::NodeTrackerBuilder::acl`].
    pub fn acl(self, acl: Vec<Acl>) -> Self {
        NodeTrackerBuilder {
            inner: self.inner.acl(acl),
            rt: self.rt,
        }
    }

    /// See [`super::NodeTrackerBuilder::create_mode`].
    pub fn create_mode(self, mode: CreateMode) -> Self {
        NodeTrackerBuilder {
            inner: self.inner.create_mode(mode),
            rt: self.rt,
        }
    }

    /// See [`super::NodeTrackerBuilder::start`].
    pub fn start(self) -> Result<NodeTracker> {
        let inner = self.rt.block_on(self.inner.start())?;
        Ok(NodeTracker { inner, rt: self.rt })
    }
}

impl NodeTracker {
    /// See [`super::NodeTracker::builder`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let b = kazoo_recipes::node_tracker::blocking::NodeTracker::builder(&zk, "/cfg");
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn builder(client: &Client, path: &str) -> NodeTrackerBuilder {
        NodeTrackerBuilder {
            inner: super::NodeTracker::builder(client.as_async(), path),
            rt: client.runtime_handle(),
        }
    }

    /// See [`super::NodeTracker::new`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let node = kazoo_recipes::node_tracker::blocking::NodeTracker::new(&zk, "/cfg")?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn new(client: &Client, path: &str) -> Result<NodeTracker> {
        NodeTracker::builder(client, path).start()
    }

    /// See [`super::NodeTracker::value`].
    pub fn value(&self) -> Value {
        self.inner.value()
    }

    /// See [`super::NodeTracker::raw`].
    pub fn raw(&self) -> Option<bytes::Bytes> {
        self.inner.raw()
    }

    /// See [`super::NodeTracker::stat`].
    pub fn stat(&self) -> Option<Stat> {
        self.inner.stat()
    }

    /// See [`super::NodeTracker::children`].
    pub fn children(&self) -> Vec<String> {
        self.inner.children()
    }

    /// See [`super::NodeTracker::last_modified`].
    pub fn last_modified(&self) -> Option<SystemTime> {
        self.inner.last_modified()
    }

    /// See [`super::NodeTracker::last_modified_ms`].
    pub fn last_modified_ms(&self) -> Option<i64> {
        self.inner.last_modified_ms()
    }

    /// See [`super::NodeTracker::connected`].
    pub fn connected(&self) -> bool {
        self.inner.connected()
    }

    /// See [`super::NodeTracker::set`].
    pub fn set(&self, value: impl Into<Value>) -> Result<Stat> {
        self.rt.block_on(self.inner.set(value))
    }

    /// See [`super::NodeTracker::on_value`].
    pub fn on_value(&self, f: impl FnMut(Value) + Send + 'static) {
        self.inner.on_value(f)
    }

    /// See [`super::NodeTracker::on_children`].
    pub fn on_children(&self, f: impl FnMut(Vec<String>) + Send + 'static) {
        self.inner.on_children(f)
    }

    /// The current value, then each change (block with [`ValueStream::blocking_recv`]).
    pub fn values(&self) -> ValueStream {
        self.inner.values()
    }

    /// See [`super::NodeTracker::close`].
    pub fn close(&self) {
        self.rt.block_on(self.inner.close())
    }
}
