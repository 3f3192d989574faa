//! What watchers receive: [`WatchedEvent`], the one-shot [`Watch`] future returned by the `_w`
//! reads, and the [`PersistentWatch`] stream returned by [`crate::Client::add_watch`].
//!
//! Events are delivered through channels filled by the I/O task, never by calling user code on
//! it: a slow consumer cannot stall pings. A persistent stream's channel is unbounded for that
//! reason; consume it or drop it.

use crate::client::Gate;
use crate::driver::Command;
use crate::reply::OnceSlot;
use crate::session::watches::{WatchKind, WatcherId};
use futures::Stream;
use kazoo_proto::{EventType, KeeperState};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// A change a watcher is told about.
///
/// `path` is chroot-relative. After a session expiry or a close every pending watcher receives
/// a terminal event: `event_type` [`EventType::None`] with `keeper_state`
/// [`KeeperState::Expired`] or [`KeeperState::Closed`].
///
/// ```
/// use kazoo_client::WatchedEvent;
/// use kazoo_proto::{EventType, KeeperState};
/// let e = WatchedEvent { event_type: EventType::NodeDeleted, keeper_state: KeeperState::SyncConnected, path: "/a".into() };
/// assert!(!e.is_terminal());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchedEvent {
    /// What happened.
    pub event_type: EventType,
    /// The session state when it happened.
    pub keeper_state: KeeperState,
    /// The node's path, chroot-relative.
    pub path: String,
}

impl WatchedEvent {
    /// True for the event that ends a watch because the session ended (expiry, close, auth
    /// failure) rather than because the node changed.
    pub fn is_terminal(&self) -> bool {
        self.event_type == EventType::None
    }

    pub(crate) fn closed(path: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: EventType::None,
            keeper_state: KeeperState::Closed,
            path: path.to_owned(),
        }
    }
}

/// A one-shot watch: a future that resolves once, with the first event on the watched node.
///
/// It never hangs: on session expiry, auth failure or close it resolves with a terminal event
/// ([`WatchedEvent::is_terminal`]). Dropping it before it fired forgets the watcher, and when
/// no other watcher of this client needs the server-side watch on that path any more, the
/// client removes that too (removeWatches, ZooKeeper 3.5.0; watchers of other kinds on the
/// path are registered again right after). Code that gives up waiting thus leaves no watch
/// behind on the server.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// let (_data, _stat, watch) = client.get_w("/config").await?;
/// let event = watch.await;
/// println!("{:?} on {}", event.event_type, event.path);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Watch {
    /// Everything a pending watch needs is in the one allocation it shares with the I/O task:
    /// thousands of pending watches are common (W6 in BENCHMARKS.md).
    slot: Arc<Slot>,
}

/// The allocation shared by a [`Watch`] and the I/O task's [`WatchTx`].
#[derive(Debug)]
struct Slot {
    /// What fired. A one-shot watch's event is always on its own path, so only the type and
    /// state are kept.
    fired: OnceSlot<(EventType, KeeperState)>,
    /// The server's path; the caller's is its tail after the chroot (one string for both).
    server_path: Box<str>,
    chroot_len: u32,
    kind: WatchKind,
    watcher: WatcherId,
    /// Whom to tell when dropped unfired (dangling when the client was already closed).
    gate: Weak<Gate>,
}

impl Slot {
    fn path(&self) -> &str {
        kazoo_proto::path::strip_chroot_len(self.chroot_len as usize, &self.server_path)
            .unwrap_or(&self.server_path)
    }
}

/// The I/O task's end of a one-shot watch: fires it once. Dropped without firing, the watch
/// resolves with a terminal `Closed` event.
#[derive(Debug)]
pub(crate) struct WatchTx(Arc<Slot>);

impl WatchTx {
    /// Resolves the watch with `event` (whose path is the watch's own).
    pub(crate) fn fire(self, event: &WatchedEvent) {
        self.0
            .fired
            .complete(Some((event.event_type, event.keeper_state)));
    }

    /// True when the [`Watch`] was dropped: an event would go nowhere.
    #[cfg(test)]
    pub(crate) fn is_closed(&self) -> bool {
        self.0.fired.is_abandoned()
    }

    /// A handle that tells whether the [`Watch`] was dropped.
    pub(crate) fn probe(&self) -> WatchProbe {
        WatchProbe(self.0.clone())
    }
}

/// A look at whether a one-shot [`Watch`] was dropped, without the power to fire it (and
/// without [`WatchTx`]'s closing on drop).
#[derive(Debug)]
pub(crate) struct WatchProbe(Arc<Slot>);

impl WatchProbe {
    /// True when the [`Watch`] was dropped.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.fired.is_abandoned()
    }

    /// The watcher it looks at.
    pub(crate) fn watcher(&self) -> WatcherId {
        self.0.watcher
    }

    /// The kind of watch it was asked for.
    pub(crate) fn kind(&self) -> WatchKind {
        self.0.kind
    }

    /// The watched server path.
    pub(crate) fn server_path(&self) -> &str {
        &self.0.server_path
    }
}

impl Drop for WatchTx {
    fn drop(&mut self) {
        self.0.fired.complete(None);
    }
}

impl Watch {
    /// A pending watch of `watcher` on `server_path`, and the I/O task's end of it.
    pub(crate) fn new(
        server_path: String,
        chroot_len: usize,
        kind: WatchKind,
        watcher: WatcherId,
        gate: Weak<Gate>,
    ) -> (Watch, WatchTx) {
        let slot = Arc::new(Slot {
            fired: OnceSlot::default(),
            server_path: server_path.into_boxed_str(),
            chroot_len: u32::try_from(chroot_len).unwrap_or(0),
            kind,
            watcher,
            gate,
        });
        (Watch { slot: slot.clone() }, WatchTx(slot))
    }

    /// The watched path (chroot-relative).
    pub fn path(&self) -> &str {
        self.slot.path()
    }
}

impl Future for Watch {
    type Output = WatchedEvent;

    /// Polled again after it resolved, it gives the closed event, as a used channel would.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchedEvent> {
        // Taken as is: the event is built after the slot's lock is released.
        self.slot
            .fired
            .poll_take(cx, |f| f)
            .map(|fired| match fired {
                Some((event_type, keeper_state)) => WatchedEvent {
                    event_type,
                    keeper_state,
                    path: self.path().to_owned(),
                },
                // The I/O task is gone: the client was closed or dropped.
                None => WatchedEvent::closed(self.path()),
            })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // Fired (or the I/O task gone): nothing to forget.
        if self.slot.fired.abandon() {
            return;
        }
        if let Some(gate) = self.slot.gate.upgrade() {
            let _ = gate.send(Command::DropWatcher {
                watcher: self.slot.watcher,
                kind: self.slot.kind,
                server_path: self.slot.server_path.to_string(),
            });
        }
    }
}

/// How [`crate::Client::add_watch`] watches (ZooKeeper 3.6+).
///
/// ```
/// use kazoo_client::AddWatchMode;
/// assert_ne!(AddWatchMode::Persistent, AddWatchMode::PersistentRecursive);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddWatchMode {
    /// Data changes, creation and deletion of the node, and changes of its children list.
    Persistent,
    /// Creation, deletion and data changes of the node and of every node below it.
    PersistentRecursive,
}

impl AddWatchMode {
    pub(crate) fn kind(self) -> WatchKind {
        match self {
            AddWatchMode::Persistent => WatchKind::Persistent,
            AddWatchMode::PersistentRecursive => WatchKind::PersistentRecursive,
        }
    }
    pub(crate) fn wire(self) -> kazoo_proto::AddWatchMode {
        match self {
            AddWatchMode::Persistent => kazoo_proto::AddWatchMode::Persistent,
            AddWatchMode::PersistentRecursive => kazoo_proto::AddWatchMode::PersistentRecursive,
        }
    }
}

/// A persistent (or persistent-recursive) watch: a [`Stream`] of every event until it is
/// removed, the session ends, or it is dropped.
///
/// It survives reconnects (re-registered with SetWatches2). Dropping it removes the server-side
/// watch when no other watcher of this client needs it. The stream ends after a terminal event
/// (expiry, close) or a `PersistentWatchRemoved` event.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use futures::StreamExt;
/// use kazoo_client::AddWatchMode;
/// let mut watch = client.add_watch("/app", AddWatchMode::PersistentRecursive).await?;
/// while let Some(event) = watch.next().await {
///     println!("{:?} {}", event.event_type, event.path);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PersistentWatch {
    rx: mpsc::UnboundedReceiver<WatchedEvent>,
    id: WatcherId,
    kind: WatchKind,
    server_path: String,
    path: String,
    cmd: Weak<Gate>,
    done: bool,
}

impl PersistentWatch {
    pub(crate) fn new(
        rx: mpsc::UnboundedReceiver<WatchedEvent>,
        id: WatcherId,
        mode: AddWatchMode,
        server_path: String,
        path: String,
        cmd: Weak<Gate>,
    ) -> PersistentWatch {
        PersistentWatch {
            rx,
            id,
            kind: mode.kind(),
            server_path,
            path,
            cmd,
            done: false,
        }
    }

    /// The watched path (chroot-relative).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The mode it was added with.
    pub fn mode(&self) -> AddWatchMode {
        match self.kind {
            WatchKind::PersistentRecursive => AddWatchMode::PersistentRecursive,
            _ => AddWatchMode::Persistent,
        }
    }

    /// Waits for the next event; `None` once the watch ended.
    pub async fn recv(&mut self) -> Option<WatchedEvent> {
        futures::StreamExt::next(self).await
    }
}

impl Stream for PersistentWatch {
    type Item = WatchedEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchedEvent>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(e)) => {
                if e.is_terminal() || e.event_type == EventType::PersistentWatchRemoved {
                    self.done = true;
                }
                Poll::Ready(Some(e))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for PersistentWatch {
    fn drop(&mut self) {
        if let Some(cmd) = self.cmd.upgrade() {
            let _ = cmd.send(Command::DropWatcher {
                watcher: self.id,
                kind: self.kind,
                server_path: std::mem::take(&mut self.server_path),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(path: &str, chroot_len: usize) -> (Watch, WatchTx) {
        Watch::new(
            path.to_owned(),
            chroot_len,
            WatchKind::Data,
            WatcherId(1),
            Weak::new(),
        )
    }

    #[tokio::test]
    async fn a_fired_watch_resolves_with_its_own_chroot_relative_path() {
        let (watch, tx) = pending("/app/a", 4);
        let waiter = tokio::spawn(watch);
        tokio::task::yield_now().await;
        tx.fire(&WatchedEvent {
            event_type: EventType::NodeDeleted,
            keeper_state: KeeperState::SyncConnected,
            path: "/a".into(),
        });
        let e = waiter.await.unwrap();
        assert_eq!(e.event_type, EventType::NodeDeleted);
        assert_eq!(e.keeper_state, KeeperState::SyncConnected);
        assert_eq!(e.path, "/a");
        let (watch, _tx) = pending("/app", 4);
        assert_eq!(watch.path(), "/");
    }

    #[tokio::test]
    async fn a_dropped_sender_resolves_the_watch_with_a_closed_event() {
        let (watch, tx) = pending("/a", 0);
        drop(tx);
        let e = watch.await;
        assert!(e.is_terminal());
        assert_eq!(e.keeper_state, KeeperState::Closed);
        assert_eq!(e.path, "/a");
    }

    #[test]
    fn the_sender_sees_a_dropped_watch() {
        let (watch, tx) = pending("/a", 0);
        assert!(!tx.is_closed());
        drop(watch);
        assert!(tx.is_closed());
        // Firing into a dropped watch is harmless.
        tx.fire(&WatchedEvent::closed("/a"));
    }
}
