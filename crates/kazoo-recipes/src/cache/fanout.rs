//! Delivering a cache's events to its subscribers: one unbounded channel each, so a slow
//! subscriber delays only itself and loses nothing, and callback listeners on a thread of
//! their own (they may block, and may call the blocking client).

use futures::Stream;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// The subscribers of one cache.
#[derive(Debug)]
pub(crate) struct Fanout<T> {
    subs: Mutex<Vec<mpsc::UnboundedSender<T>>>,
}

impl<T: Clone + Send + 'static> Fanout<T> {
    pub(crate) fn new() -> Fanout<T> {
        Fanout {
            subs: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn subscribe(&self) -> mpsc::UnboundedReceiver<T> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.subs.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        rx
    }

    /// A subscription whose first item is `current()`, computed under the lock [`update`]
    /// takes, so the subscriber sees each later change exactly once.
    ///
    /// [`update`]: Fanout::update
    pub(crate) fn subscribe_with(&self, current: impl FnOnce() -> T) -> mpsc::UnboundedReceiver<T> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut subs = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        let _ = tx.send(current());
        subs.push(tx);
        rx
    }

    /// Applies a change (`change` returns the event) and sends it, atomically with respect to
    /// [`subscribe_with`](Fanout::subscribe_with).
    pub(crate) fn update(&self, change: impl FnOnce() -> T) {
        let mut subs = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        let ev = change();
        subs.retain(|s| s.send(ev.clone()).is_ok());
    }

    /// Runs `f` for every event on a thread of its own, until the cache closes.
    pub(crate) fn listen(&self, name: &str, f: impl FnMut(T) + Send + 'static) {
        self.listen_on(name, self.subscribe(), f);
    }

    /// Runs `f` for every item of `rx` on a thread of its own.
    pub(crate) fn listen_on(
        &self,
        name: &str,
        mut rx: mpsc::UnboundedReceiver<T>,
        mut f: impl FnMut(T) + Send + 'static,
    ) {
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                while let Some(ev) = rx.blocking_recv() {
                    f(ev);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a listener thread");
        }
    }

    pub(crate) fn send(&self, ev: T) {
        let mut subs = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        subs.retain(|s| s.send(ev.clone()).is_ok());
    }

    /// Ends every subscription (their streams end, their threads exit).
    pub(crate) fn close(&self) {
        self.subs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A stream of a cache's events; it ends when the cache is closed.
pub(crate) struct Events<T> {
    pub(crate) rx: mpsc::UnboundedReceiver<T>,
}

impl<T> Stream for Events<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }
}
