//! The watch helpers for the blocking client ([`kazoo_client::blocking::Client`]). Each
//! callback runs on a thread of its own, outside any runtime, so it may block and may call the
//! blocking client. The iterator forms block in `next`.

use super::children::{self, ChildrenReader};
use super::control::{KeepWatching, StopReason};
use super::data::{self, DataReader};
use super::rearm::{Reader, Rearm};
use super::task::{pair, run_blocking, start_error, Running};
use super::{ChildrenUpdate, DataUpdate};
use kazoo_client::blocking::Client;
use kazoo_client::{Error, Result, Watch, WatchedEvent};
use std::time::Duration;
use tokio::runtime::Handle;

/// Starts `core` on a new thread calling `f`; returns once `f` ran for the first state.
fn spawn_thread<R, U, K>(
    rt: Handle,
    core: Rearm<R>,
    map: impl Fn(R::State, Option<WatchedEvent>) -> U + Send + 'static,
    f: impl FnMut(U) -> K + Send + 'static,
) -> Result<Running>
where
    R: Reader,
    U: 'static,
    K: KeepWatching,
{
    let (running, control) = pair();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let thread_rt = rt.clone();
    let handle = std::thread::Builder::new()
        .name("kazoo-watch".into())
        .spawn(move || run_blocking(&thread_rt, core, control, started_tx, map, f))
        .map_err(Error::from)?;
    running.set_thread(handle.thread().id());
    if let Ok(Err(e)) = started_rx.blocking_recv() {
        return Err(e);
    }
    Ok(running)
}

/// Blocking [`super::DataWatch`]: the callback runs on a thread of its own.
///
/// ```no_run
/// use kazoo_recipes::watchers::blocking::DataWatch;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let watch = DataWatch::new(&zk, "/config", |u| {
///     println!("config is now {:?}", u.data);
/// })?;
/// // ...
/// watch.close();
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct DataWatch {
    inner: super::DataWatch,
    rt: Handle,
}

/// Options of a blocking [`DataWatch`].
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let w = kazoo_recipes::watchers::blocking::DataWatch::builder(&zk, "/config")
///     .allow_session_lost(false)
///     .spawn(|u| u.exists())?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DataWatchBuilder {
    client: Client,
    path: String,
    allow_session_lost: bool,
}

impl DataWatchBuilder {
    /// See [`super::DataWatchBuilder::allow_session_lost`].
    pub fn allow_session_lost(mut self, yes: bool) -> Self {
        self.allow_session_lost = yes;
        self
    }

    /// Starts the callback form; returns once the callback ran for the current state.
    pub fn spawn<F, K>(self, f: F) -> Result<DataWatch>
    where
        F: FnMut(DataUpdate) -> K + Send + 'static,
        K: KeepWatching + 'static,
    {
        let rt = self.client.runtime_handle();
        let core = data::core(self.client.as_async(), &self.path, self.allow_session_lost);
        let running = spawn_thread(rt.clone(), core, data::to_update, f)?;
        Ok(DataWatch {
            inner: super::DataWatch::from_running(running, self.path),
            rt,
        })
    }

    /// Starts the iterator form: the first item is the current state.
    pub fn iter(self) -> Result<DataWatchIter> {
        let rt = self.client.runtime_handle();
        let core = data::core(self.client.as_async(), &self.path, self.allow_session_lost);
        Ok(DataWatchIter {
            inner: Updates::start(rt, core, Box::new(data::to_update) as MapFn<_, _>)?,
        })
    }
}

impl DataWatch {
    /// Options, then [`DataWatchBuilder::spawn`] or [`DataWatchBuilder::iter`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let states = kazoo_recipes::watchers::blocking::DataWatch::builder(&zk, "/config").iter()?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn builder(client: &Client, path: &str) -> DataWatchBuilder {
        DataWatchBuilder {
            client: client.clone(),
            path: path.to_owned(),
            allow_session_lost: true,
        }
    }

    /// Watches `path` with `f`; returns once `f` ran for the current state.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let w = kazoo_recipes::watchers::blocking::DataWatch::new(&zk, "/config", |u| u.exists())?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn new<F, K>(client: &Client, path: &str, f: F) -> Result<DataWatch>
    where
        F: FnMut(DataUpdate) -> K + Send + 'static,
        K: KeepWatching + 'static,
    {
        DataWatch::builder(client, path).spawn(f)
    }

    /// The iterator form with default options.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// for u in kazoo_recipes::watchers::blocking::DataWatch::iter(&zk, "/config")? {
    ///     println!("{:?}", u.data);
    /// }
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn iter(client: &Client, path: &str) -> Result<DataWatchIter> {
        DataWatch::builder(client, path).iter()
    }

    /// The watched path.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::DataWatch) { println!("{}", w.path()); }
    /// ```
    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// True once the watch stopped.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::DataWatch) { if w.is_stopped() {} }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.inner.is_stopped()
    }

    /// Blocks until the watch stops by itself and says why.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::DataWatch) { let why = w.stopped(); }
    /// ```
    pub fn stopped(&self) -> StopReason {
        self.rt.block_on(self.inner.stopped())
    }

    /// Stops the watch and removes its server-side watch. Called from the callback itself it
    /// only asks for the stop (the callback's thread cannot wait for itself).
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::DataWatch) { w.close(); }
    /// ```
    pub fn close(&self) -> StopReason {
        self.rt.block_on(self.inner.close())
    }
}

/// Blocking [`super::ChildrenWatch`]: the callback runs on a thread of its own.
///
/// ```no_run
/// use kazoo_recipes::watchers::blocking::ChildrenWatch;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let watch = ChildrenWatch::new(&zk, "/workers", |u| println!("{:?}", u.children))?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct ChildrenWatch {
    inner: super::ChildrenWatch,
    rt: Handle,
}

/// Options of a blocking [`ChildrenWatch`].
///
/// ```no_run
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let w = kazoo_recipes::watchers::blocking::ChildrenWatch::builder(&zk, "/workers")
///     .send_event(true)
///     .spawn(|u| println!("{:?} {:?}", u.children, u.event))?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChildrenWatchBuilder {
    client: Client,
    path: String,
    allow_session_lost: bool,
    send_event: bool,
}

impl ChildrenWatchBuilder {
    /// See [`super::ChildrenWatchBuilder::allow_session_lost`].
    pub fn allow_session_lost(mut self, yes: bool) -> Self {
        self.allow_session_lost = yes;
        self
    }

    /// See [`super::ChildrenWatchBuilder::send_event`].
    pub fn send_event(mut self, yes: bool) -> Self {
        self.send_event = yes;
        self
    }

    /// Starts the callback form; returns once the callback ran for the current children.
    pub fn spawn<F, K>(self, f: F) -> Result<ChildrenWatch>
    where
        F: FnMut(ChildrenUpdate) -> K + Send + 'static,
        K: KeepWatching + 'static,
    {
        let rt = self.client.runtime_handle();
        let core = children::core(self.client.as_async(), &self.path, self.allow_session_lost);
        let running = spawn_thread(rt.clone(), core, children::mapper(self.send_event), f)?;
        Ok(ChildrenWatch {
            inner: super::ChildrenWatch::from_running(running, self.path),
            rt,
        })
    }

    /// Starts the iterator form: the first item is the current children.
    pub fn iter(self) -> Result<ChildrenWatchIter> {
        let rt = self.client.runtime_handle();
        let core = children::core(self.client.as_async(), &self.path, self.allow_session_lost);
        Ok(ChildrenWatchIter {
            inner: Updates::start(
                rt,
                core,
                Box::new(children::mapper(self.send_event)) as MapFn<_, _>,
            )?,
        })
    }
}

impl ChildrenWatch {
    /// Options, then [`ChildrenWatchBuilder::spawn`] or [`ChildrenWatchBuilder::iter`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let it = kazoo_recipes::watchers::blocking::ChildrenWatch::builder(&zk, "/workers").iter()?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn builder(client: &Client, path: &str) -> ChildrenWatchBuilder {
        ChildrenWatchBuilder {
            client: client.clone(),
            path: path.to_owned(),
            allow_session_lost: true,
            send_event: false,
        }
    }

    /// Watches the children of `path` with `f`; returns once `f` ran for the current children.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let w = kazoo_recipes::watchers::blocking::ChildrenWatch::new(&zk, "/workers", |u| {
    ///     println!("{:?}", u.children)
    /// })?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn new<F, K>(client: &Client, path: &str, f: F) -> Result<ChildrenWatch>
    where
        F: FnMut(ChildrenUpdate) -> K + Send + 'static,
        K: KeepWatching + 'static,
    {
        ChildrenWatch::builder(client, path).spawn(f)
    }

    /// The iterator form with default options.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// for u in kazoo_recipes::watchers::blocking::ChildrenWatch::iter(&zk, "/workers")? {
    ///     println!("{:?}", u.children);
    /// }
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn iter(client: &Client, path: &str) -> Result<ChildrenWatchIter> {
        ChildrenWatch::builder(client, path).iter()
    }

    /// The watched path.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::ChildrenWatch) { println!("{}", w.path()); }
    /// ```
    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// True once the watch stopped.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::ChildrenWatch) { if w.is_stopped() {} }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.inner.is_stopped()
    }

    /// Blocks until the watch stops by itself and says why.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::ChildrenWatch) { let why = w.stopped(); }
    /// ```
    pub fn stopped(&self) -> StopReason {
        self.rt.block_on(self.inner.stopped())
    }

    /// Stops the watch and removes its server-side watch.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::blocking::ChildrenWatch) { w.close(); }
    /// ```
    pub fn close(&self) -> StopReason {
        self.rt.block_on(self.inner.close())
    }
}

/// How an iterator turns a read state into what it yields.
type MapFn<S, U> = Box<dyn Fn(S, Option<WatchedEvent>) -> U + Send>;

/// Blocking iteration over a re-arming loop.
struct Updates<R: Reader, U, M> {
    rt: Handle,
    core: Rearm<R>,
    first: Option<U>,
    map: M,
    reason: Option<StopReason>,
}

impl<R, U, M> Updates<R, U, M>
where
    R: Reader,
    M: Fn(R::State, Option<WatchedEvent>) -> U,
{
    fn start(rt: Handle, mut core: Rearm<R>, map: M) -> Result<Self> {
        let first = match rt.block_on(core.next()) {
            Ok((s, e)) => map(s, e),
            Err(r) => return Err(start_error(r, core.path())),
        };
        Ok(Updates {
            rt,
            core,
            first: Some(first),
            map,
            reason: None,
        })
    }

    fn step(&mut self, limit: Option<Duration>) -> Result<Option<U>> {
        if let Some(u) = self.first.take() {
            return Ok(Some(u));
        }
        if self.reason.is_some() {
            return Ok(None);
        }
        let core = &mut self.core;
        let r = match limit {
            None => self.rt.block_on(core.next()),
            Some(t) => match self
                .rt
                .block_on(async { tokio::time::timeout(t, core.next()).await })
            {
                Ok(r) => r,
                Err(_) => return Err(Error::Timeout),
            },
        };
        match r {
            Ok((s, e)) => Ok(Some((self.map)(s, e))),
            Err(reason) => {
                self.reason = Some(reason);
                Ok(None)
            }
        }
    }
}

macro_rules! iter_type {
    ($(#[$m:meta])* $name:ident, $reader:ty, $update:ty) => {
        $(#[$m])*
        pub struct $name {
            inner: Updates<$reader, $update, MapFn<<$reader as Reader>::State, $update>>,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("reason", &self.inner.reason)
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            /// The next state, waiting at most `t`: [`Error::Timeout`] when nothing changed
            /// in time, `Ok(None)` once the watch ended.
            pub fn next_timeout(&mut self, t: Duration) -> Result<Option<$update>> {
                self.inner.step(Some(t))
            }

            /// Why the iteration ended (`None` while it runs).
            pub fn stop_reason(&self) -> Option<StopReason> {
                self.inner.reason.clone()
            }
        }

        impl Iterator for $name {
            type Item = $update;

            fn next(&mut self) -> Option<$update> {
                self.inner.step(None).ok().flatten()
            }
        }
    };
}

iter_type!(
    /// The iterator form of a blocking [`DataWatch`]: each distinct state, the current one
    /// first; `next` blocks. Dropping it removes the watch.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let mut it = kazoo_recipes::watchers::blocking::DataWatch::iter(&zk, "/config")?;
    /// let current = it.next();
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    DataWatchIter,
    DataReader,
    DataUpdate
);

iter_type!(
    /// The iterator form of a blocking [`ChildrenWatch`]: each distinct set of children, the
    /// current one first; `next` blocks. Dropping it removes the watch.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let mut it = kazoo_recipes::watchers::blocking::ChildrenWatch::iter(&zk, "/workers")?;
    /// let current = it.next();
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    ChildrenWatchIter,
    ChildrenReader,
    ChildrenUpdate
);

/// Blocking [`super::PatientChildrenWatch`].
///
/// ```no_run
/// use kazoo_recipes::watchers::blocking::PatientChildrenWatch;
/// use std::time::Duration;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let (members, changed) = PatientChildrenWatch::new(&zk, "/party", Duration::from_secs(5)).start()?;
/// changed.wait();
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PatientChildrenWatch {
    inner: super::PatientChildrenWatch,
    rt: Handle,
}

impl PatientChildrenWatch {
    /// See [`super::PatientChildrenWatch::new`].
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let p = kazoo_recipes::watchers::blocking::PatientChildrenWatch::new(&zk, "/party", std::time::Duration::from_secs(30));
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn new(client: &Client, path: &str, time_boundary: Duration) -> PatientChildrenWatch {
        PatientChildrenWatch {
            inner: super::PatientChildrenWatch::new(client.as_async(), path, time_boundary),
            rt: client.runtime_handle(),
        }
    }

    /// Blocks until the children stayed unchanged for the time boundary; returns them and a
    /// handle on their next change.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::watchers::blocking::PatientChildrenWatch) -> kazoo_client::Result<()> {
    /// let (children, next_change) = p.start()?;
    /// # Ok(()) }
    /// ```
    pub fn start(&self) -> Result<(Vec<String>, ChildrenChanged)> {
        let (children, watch) = self.rt.block_on(self.inner.start())?;
        Ok((
            children,
            ChildrenChanged {
                watch,
                rt: self.rt.clone(),
            },
        ))
    }
}

/// The next change of the children a [`PatientChildrenWatch`] settled on. Dropping it removes
/// the watch from the server.
///
/// ```no_run
/// # fn f(c: kazoo_recipes::watchers::blocking::ChildrenChanged) {
/// let event = c.wait();
/// # }
/// ```
#[derive(Debug)]
pub struct ChildrenChanged {
    watch: Watch,
    rt: Handle,
}

impl ChildrenChanged {
    /// Blocks until the children change (or the session ends: a terminal event).
    pub fn wait(mut self) -> WatchedEvent {
        let rt = self.rt.clone();
        rt.block_on(&mut self.watch)
    }

    /// Blocks at most `t`; gives the handle back when nothing changed.
    pub fn wait_timeout(
        mut self,
        t: Duration,
    ) -> std::result::Result<WatchedEvent, ChildrenChanged> {
        let rt = self.rt.clone();
        let watch = &mut self.watch;
        match rt.block_on(async { tokio::time::timeout(t, watch).await }) {
            Ok(e) => Ok(e),
            Err(_) => Err(self),
        }
    }
}
