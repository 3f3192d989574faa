//! ChildrenWatch: kazoo's higher-level children watch. A callback (or a stream) gets the
//! node's children at once and after every change of the set.

use super::control::{classify, Recovery, StopReason};
use super::rearm::{Reader, Rearm};
use super::task::{pair, run_async, Running};
use futures::future::BoxFuture;
use futures::Stream;
use kazoo_client::{Client, Error, Result, Watch, WatchedEvent};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// One state of a watched node's children, as a [`ChildrenWatch`] reports it.
///
/// `children` is in the server's order. `event` is the watch event that led to this read when
/// the watch was built with `send_event(true)` (kazoo's `send_event=True`); it is `None` for
/// the first call, for the call after a session expiry, and always without `send_event`.
///
/// ```
/// use kazoo_recipes::watchers::ChildrenUpdate;
/// let u = ChildrenUpdate { children: vec!["a".into()], event: None };
/// assert_eq!(u.children.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildrenUpdate {
    /// The children's names.
    pub children: Vec<String>,
    /// The watch event that caused this read (see above).
    pub event: Option<WatchedEvent>,
}

/// getChildren with a watch. The node must exist.
pub(crate) struct ChildrenReader {
    path: String,
}

impl Reader for ChildrenReader {
    type State = Vec<String>;
    /// The sorted names: the server's order is not part of the state.
    type Key = Vec<String>;

    fn path(&self) -> &str {
        &self.path
    }

    fn read(&self, client: &Client) -> BoxFuture<'static, Result<(Vec<String>, Watch)>> {
        Box::pin(client.get_children_w(&self.path))
    }

    fn key(state: &Vec<String>) -> Vec<String> {
        let mut k = state.clone();
        k.sort_unstable();
        k
    }

    fn on_error(&self, e: Error) -> Recovery {
        match e {
            // kazoo's ChildrenWatch stops silently when its node is gone.
            Error::NoNode { .. } => Recovery::Stop(StopReason::NodeDeleted),
            e => classify(e),
        }
    }
}

pub(crate) fn core(client: &Client, path: &str, allow_session_lost: bool) -> Rearm<ChildrenReader> {
    Rearm::new(
        client.clone(),
        ChildrenReader {
            path: path.to_owned(),
        },
        allow_session_lost,
    )
}

pub(crate) fn mapper(
    send_event: bool,
) -> impl Fn(Vec<String>, Option<WatchedEvent>) -> ChildrenUpdate + Send + Sync + 'static {
    move |children, event| ChildrenUpdate {
        children,
        event: event.filter(|_| send_event),
    }
}

/// Watches a node's children (kazoo's `ChildrenWatch`): the callback is called at once with the
/// current children and again after every change of the set, until it returns `false`.
///
/// - The node must exist: starting on a missing node fails with [`Error::NoNode`]; when the
///   node is deleted later the watch stops ([`StopReason::NodeDeleted`]) without a call.
/// - Each distinct set of children is reported once.
/// - Reconnects cost nothing (the client keeps the watch and the server fires it for changes
///   made meanwhile). After a session expiry the watch is set again on the next session, or,
///   with `allow_session_lost(false)`, the watch stops ([`StopReason::SessionLost`]).
/// - The callback runs off the client's I/O task, one call at a time, on tokio's blocking
///   pool: it may block without stalling the session.
/// - Dropping the handle detaches the watch; [`ChildrenWatch::close`] stops it and removes its
///   server-side watch.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::watchers::ChildrenWatch;
/// let watch = ChildrenWatch::new(&client, "/workers", |u| {
///     println!("workers: {:?}", u.children);
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ChildrenWatch {
    running: Running,
    path: String,
}

/// Options of a [`ChildrenWatch`] (or of its stream form).
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::watchers::ChildrenWatch;
/// let watch = ChildrenWatch::builder(&client, "/workers")
///     .allow_session_lost(false)
///     .send_event(true)
///     .spawn(|u| println!("{:?} after {:?}", u.children, u.event))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ChildrenWatchBuilder {
    client: Client,
    path: String,
    allow_session_lost: bool,
    send_event: bool,
}

impl ChildrenWatchBuilder {
    /// Whether the watch is set again on the next session after a session expiry (default
    /// `true`, kazoo's default).
    pub fn allow_session_lost(mut self, yes: bool) -> Self {
        self.allow_session_lost = yes;
        self
    }

    /// Whether [`ChildrenUpdate::event`] carries the watch event (default `false`, kazoo's
    /// default).
    pub fn send_event(mut self, yes: bool) -> Self {
        self.send_event = yes;
        self
    }

    /// Starts the callback form; resolves once the callback ran for the current children.
    pub async fn spawn<F, K>(self, f: F) -> Result<ChildrenWatch>
    where
        F: FnMut(ChildrenUpdate) -> K + Send + 'static,
        K: super::KeepWatching + 'static,
    {
        let core = core(&self.client, &self.path, self.allow_session_lost);
        let (running, control) = pair();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(run_async(
            core,
            control,
            started_tx,
            mapper(self.send_event),
            f,
        ));
        if let Ok(Err(e)) = started_rx.await {
            return Err(e);
        }
        Ok(ChildrenWatch {
            running,
            path: self.path,
        })
    }

    /// Starts the stream form: the first item is the current children.
    pub async fn stream(self) -> Result<ChildrenWatchStream> {
        let (inner, reason) = super::stream::start(
            core(&self.client, &self.path, self.allow_session_lost),
            mapper(self.send_event),
        )
        .await?;
        Ok(ChildrenWatchStream { inner, reason })
    }
}

impl ChildrenWatch {
    /// Options: `allow_session_lost`, `send_event`, then `spawn` or `stream`.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let s = kazoo_recipes::watchers::ChildrenWatch::builder(&client, "/workers").stream().await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(client: &Client, path: &str) -> ChildrenWatchBuilder {
        ChildrenWatchBuilder {
            client: client.clone(),
            path: path.to_owned(),
            allow_session_lost: true,
            send_event: false,
        }
    }

    /// Watches the children of `path` with `f` (default options); resolves once `f` ran for
    /// the current children.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let w = kazoo_recipes::watchers::ChildrenWatch::new(&client, "/workers", |u| {
    ///     u.children.len() < 10 // stop once there are ten
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn new<F, K>(client: &Client, path: &str, f: F) -> Result<ChildrenWatch>
    where
        F: FnMut(ChildrenUpdate) -> K + Send + 'static,
        K: super::KeepWatching + 'static,
    {
        ChildrenWatch::builder(client, path).spawn(f).await
    }

    /// The stream form with default options.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use futures::StreamExt;
    /// let mut s = kazoo_recipes::watchers::ChildrenWatch::stream(&client, "/workers").await?;
    /// while let Some(u) = s.next().await { println!("{:?}", u.children); }
    /// # Ok(()) }
    /// ```
    pub async fn stream(client: &Client, path: &str) -> Result<ChildrenWatchStream> {
        ChildrenWatch::builder(client, path).stream().await
    }

    /// The watched path.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::ChildrenWatch) { println!("{}", w.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// True once the watch stopped.
    ///
    /// ```no_run
    /// # fn f(w: kazoo_recipes::watchers::ChildrenWatch) { if w.is_stopped() { /* ... */ } }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.running.is_stopped()
    }

    /// Waits until the watch stops by itself and says why.
    ///
    /// ```no_run
    /// # async fn f(w: kazoo_recipes::watchers::ChildrenWatch) {
    /// let why = w.stopped().await;
    /// # }
    /// ```
    pub async fn stopped(&self) -> StopReason {
        self.running.stopped().await
    }

    /// Stops the watch and removes its server-side watch.
    ///
    /// ```no_run
    /// # async fn f(w: kazoo_recipes::watchers::ChildrenWatch) {
    /// w.close().await;
    /// # }
    /// ```
    pub async fn close(&self) -> StopReason {
        self.running.close().await
    }

    pub(crate) fn from_running(running: Running, path: String) -> ChildrenWatch {
        ChildrenWatch { running, path }
    }
}

/// The stream form of a [`ChildrenWatch`]: each distinct set of children, the current one
/// first. It ends when the node is deleted, the client closed, or (with
/// `allow_session_lost(false)`) the session expired; dropping it removes the watch.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use futures::StreamExt;
/// let mut s = kazoo_recipes::watchers::ChildrenWatch::stream(&client, "/workers").await?;
/// let first = s.next().await;
/// # Ok(()) }
/// ```
pub struct ChildrenWatchStream {
    inner: Pin<Box<dyn Stream<Item = ChildrenUpdate> + Send>>,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl std::fmt::Debug for ChildrenWatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildrenWatchStream")
            .field("reason", &self.stop_reason())
            .finish_non_exhaustive()
    }
}

impl ChildrenWatchStream {
    /// Why the stream ended (`None` while it runs).
    ///
    /// ```no_run
    /// # fn f(s: kazoo_recipes::watchers::ChildrenWatchStream) { println!("{:?}", s.stop_reason()); }
    /// ```
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Stream for ChildrenWatchStream {
    type Item = ChildrenUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ChildrenUpdate>> {
        self.inner.as_mut().poll_next(cx)
    }
}
