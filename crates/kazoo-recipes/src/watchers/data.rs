//! DataWatch: kazoo's higher-level data watch. A callback (or a stream) gets the node's data
//! and stat at once and after every change, `None` while the node does not exist.

use super::control::StopReason;
use super::rearm::{Reader, Rearm};
use super::task::{pair, run_async, Running};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::Stream;
use kazoo_client::{Client, Error, Result, Stat, Watch, WatchedEvent};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// One state of a watched node, as a [`DataWatch`] reports it.
///
/// `data` and `stat` are both `None` while the node does not exist. `event` is the watch
/// event that led to this read; it is `None` for the first call and for the call that
/// follows a session expiry (kazoo's rule).
///
/// ```
/// use kazoo_recipes::watchers::DataUpdate;
/// let u = DataUpdate { data: None, stat: None, event: None };
/// assert!(!u.exists());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUpdate {
    /// The node's data, `None` when the node does not exist.
    pub data: Option<Bytes>,
    /// The node's stat, `None` when the node does not exist.
    pub stat: Option<Stat>,
    /// The watch event that caused this read, if any.
    pub event: Option<WatchedEvent>,
}

impl DataUpdate {
    /// True when the node exists.
    pub fn exists(&self) -> bool {
        self.stat.is_some()
    }

    fn new(state: Option<(Bytes, Stat)>, event: Option<WatchedEvent>) -> DataUpdate {
        match state {
            Some((data, stat)) => DataUpdate {
                data: Some(data),
                stat: Some(stat),
                event,
            },
            None => DataUpdate {
                data: None,
                stat: None,
                event,
            },
        }
    }
}

/// getData with a watch; on a missing node, exists with a watch (which fires on creation).
pub(crate) struct DataReader {
    path: String,
}

impl Reader for DataReader {
    type State = Option<(Bytes, Stat)>;
    /// The mzxid tells states apart: every change of the data, and every creation, has its own.
    type Key = Option<i64>;

    fn path(&self) -> &str {
        &self.path
    }

    fn read(&self, client: &Client) -> BoxFuture<'static, Result<(Self::State, Watch)>> {
        let get = client.get_w(&self.path);
        let client = client.clone();
        let path = self.path.clone();
        Box::pin(async move {
            match get.await {
                Ok((data, stat, w)) => Ok((Some((data, stat)), w)),
                Err(Error::NoNode { .. }) => {
                    let (stat, w) = client.exists_w(&path).await?;
                    if stat.is_none() {
                        return Ok((None, w));
                    }
                    // Created between the two reads: the exists watch is a data watch now, so
                    // read the data without arming a second one. If it is gone again, the
                    // watch fires for that and the next read reports it.
                    match client.get(&path).await {
                        Ok((data, stat)) => Ok((Some((data, stat)), w)),
                        Err(Error::NoNode { .. }) => Ok((None, w)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        })
    }

    fn key(state: &Self::State) -> Option<i64> {
        state.as_ref().map(|(_, s)| s.mzxid)
    }
}

pub(crate) fn core(client: &Client, path: &str, allow_session_lost: bool) -> Rearm<DataReader> {
    Rearm::new(
        client.clone(),
        DataReader {
            path: path.to_owned(),
        },
        allow_session_lost,
    )
}

pub(crate) fn to_update(state: Option<(Bytes, Stat)>, event: Option<WatchedEvent>) -> DataUpdate {
    DataUpdate::new(state, event)
}

/// Watches a node's data (kazoo's `DataWatch`): the callback is called at once with the
/// current data and stat, and again after every change, until it returns `false`.
///
/// - The node need not exist: the callback then gets `None`s, and is called again when the
///   node is created (a higher-level exists watch that survives reconnects and session loss).
/// - Each distinct state is reported once (told apart by the node's mzxid): a re-read after a
///   reconnect that finds nothing new calls nothing.
/// - Reconnects cost nothing: the client keeps the armed watch and the server fires it for a
///   change made meanwhile. After a session expiry the watch is set again on the client's
///   next session and the callback gets the state found there (`event` is `None`).
/// - The callback runs off the client's I/O task, one call at a time, on tokio's blocking
///   pool: it may block without stalling the session (use [`DataWatch::stream`] to handle
///   states with async code).
/// - Dropping the handle detaches the watch (like dropping a `JoinHandle`); [`DataWatch::close`]
///   stops it and removes its server-side watch.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::watchers::{DataUpdate, DataWatch};
/// let watch = DataWatch::new(&client, "/config", |u: DataUpdate| {
///     match (&u.data, &u.stat) {
///         (Some(data), Some(stat)) => println!("version {}: {:?}", stat.version, data),
///         _ => println!("no node"),
///     }
///     true // keep watching
/// })
/// .await?;
/// // ...
/// watch.close().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DataWatch {
    running: Running,
    path: String,
}

/// Options of a [`DataWatch`] (or of its stream form).
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::watchers::DataWatch;
/// let watch = DataWatch::builder(&client, "/config")
///     .allow_session_lost(false)
///     .spawn(|u| println!("{:?}", u.data))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DataWatchBuilder {
    client: Client,
    path: String,
    allow_session_lost: bool,
}

impl DataWatchBuilder {
    /// Whether the watch is set again on the next session after a session expiry (the
    /// default, kazoo's behaviour). With `false` it stops with [`StopReason::SessionLost`].
    pub fn allow_session_lost(mut self, yes: bool) -> Self {
        self.allow_session_lost = yes;
        self
    }

    /// Starts the callback form; resolves once the callback ran for the current state.
    /// Fails when the first read fails for good (an invalid path, `NoAuth`, a closed client).
    pub async fn spawn<F, K>(self, f: F) -> Result<DataWatch>
    where
        F: FnMut(DataUpdate) -> K + Send + 'static,
        K: super::KeepWatching + 'static,
    {
        let core = core(&self.client, &self.path, self.allow_session_lost);
        let (running, control) = pair();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(run_async(core, control, started_tx, to_update, f));
        // A dropped sender means the first callback panicked; the handle reports that.
        if let Ok(Err(e)) = started_rx.await {
            return Err(e);
        }
        Ok(DataWatch {
            running,
            path: self.path,
        })
    }

    /// Starts the stream form: the first item is the current state.
    pub async fn stream(self) -> Result<DataWatchStream> {
        DataWatchStream::start(core(&self.client, &self.path, self.allow_session_lost)).await
    }
}

impl DataWatch {
    /// Options: `allow_session_lost`, and [`DataWatchBuilder::spawn`] or
    /// [`DataWatchBuilder::stream`].
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let mut states = kazoo_recipes::watchers::DataWatch::builder(&client, "/config").stream().await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(client: &Client, path: &str) -> DataWatchBuilder {
        DataWatchBuilder {
            client: client.clone(),
            path: path.to_owned(),
            allow_session_lost: true,
        }
    }

    /// Watches `path` with `f` (the callback form with default options); resolves once `f`
    /// ran for the current state.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let w = kazoo_recipes::watchers::DataWatch::new(&client, "/config", |u| u.exists()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn new<F, K>(client: &Client, path: &str, f: F) -> Result<DataWatch>
    where
        F: FnMut(DataUpdate) -> K + Send + 'static,
        K: super::KeepWatching + 'static,
    {
        DataWatch::builder(client, path).spawn(f).await
    }

    /// The stream form with default options: each distinct state, the current one first.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use futures::StreamExt;
    /// let mut states = kazoo_recipes::watchers::DataWatch::stream(&client, "/config").await?;
    /// while let Some(u) = states.next().await {
    ///     println!("{:?}", u.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(client: &Client, path: &str) -> Result<DataWatchStream> {
        DataWatch::builder(client, path).stream().await
    }

    /// The watched path.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::DataWatch) { assert_eq!(w.path(), "/config"); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// True once the watch stopped (callback, close, client closed...).
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::DataWatch) { if w.is_stopped() { /* ... */ } }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.running.is_stopped()
    }

    /// Waits until the watch stops by itself and says why.
    ///
    /// ```no_run
    /// # async fn f(w: kazoo_recipes::watchers::DataWatch) {
    /// let why = w.stopped().await;
    /// # }
    /// ```
    pub async fn stopped(&self) -> StopReason {
        self.running.stopped().await
    }

    /// Stops the watch, removes its server-side watch, and returns why it stopped
    /// ([`StopReason::Closed`] unless it had stopped before).
    ///
    /// ```no_run
    /// # async fn f(w: kazoo_recipes::watchers::DataWatch) {
    /// w.close().await;
    /// # }
    /// ```
    pub async fn close(&self) -> StopReason {
        self.running.close().await
    }

    pub(crate) fn from_running(running: Running, path: String) -> DataWatch {
        DataWatch { running, path }
    }
}

/// The stream form of a [`DataWatch`]: each distinct state of the node, the current one first.
///
/// The stream runs in the task that polls it. It ends when the client is closed, when the
/// session expired and `allow_session_lost(false)` was asked, or after a read failed for
/// good; [`DataWatchStream::stop_reason`] then says why. Dropping it removes the watch.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use futures::StreamExt;
/// let mut states = kazoo_recipes::watchers::DataWatch::stream(&client, "/config").await?;
/// let first = states.next().await;
/// # Ok(()) }
/// ```
pub struct DataWatchStream {
    inner: Pin<Box<dyn Stream<Item = DataUpdate> + Send>>,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl std::fmt::Debug for DataWatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataWatchStream")
            .field("reason", &self.stop_reason())
            .finish_non_exhaustive()
    }
}

impl DataWatchStream {
    async fn start(core: Rearm<DataReader>) -> Result<DataWatchStream> {
        let (inner, reason) = super::stream::start(core, to_update).await?;
        Ok(DataWatchStream { inner, reason })
    }

    /// Why the stream ended (`None` while it runs).
    ///
    /// ```no_run
    /// # fn f(s: kazoo_recipes::watchers::DataWatchStream) { println!("{:?}", s.stop_reason()); }
    /// ```
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Stream for DataWatchStream {
    type Item = DataUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DataUpdate>> {
        self.inner.as_mut().poll_next(cx)
    }
}
