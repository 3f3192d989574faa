//! Running a re-arming loop for a callback: on a tokio task of its own (async helpers) or on a
//! thread of its own (blocking helpers, whose callbacks may block and call the blocking
//! client), never on the client's I/O task. Also the stop handle both kinds share.

use super::control::{KeepWatching, StopReason};
use super::rearm::{Reader, Rearm};
use kazoo_client::{Error, WatchedEvent};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use tokio::sync::{oneshot, watch};

/// The handle side of a running helper: asks it to stop, tells why it stopped.
#[derive(Debug)]
pub(crate) struct Running {
    stop: Mutex<Option<oneshot::Sender<()>>>,
    done: watch::Receiver<Option<StopReason>>,
    /// The callback thread of a blocking helper.
    thread: OnceLock<ThreadId>,
}

impl Running {
    pub(crate) fn is_stopped(&self) -> bool {
        self.done.borrow().is_some()
    }

    /// Waits until the helper stopped by itself (or was closed).
    pub(crate) async fn stopped(&self) -> StopReason {
        let mut rx = self.done.clone();
        loop {
            if let Some(r) = rx.borrow_and_update().clone() {
                return r;
            }
            if rx.changed().await.is_err() {
                // The task ended without saying why: the callback panicked.
                return StopReason::CallbackPanicked;
            }
        }
    }

    /// Asks the helper to stop; true when the caller may wait for it (not when called from
    /// the helper's own callback thread, which would wait for itself).
    pub(crate) fn request_stop(&self) -> bool {
        if let Some(tx) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
        self.thread.get() != Some(&std::thread::current().id())
    }

    /// Records the callback thread of a blocking helper.
    pub(crate) fn set_thread(&self, id: ThreadId) {
        let _ = self.thread.set(id);
    }

    /// Stops the helper and waits until it has (its watch is dropped, hence removed).
    pub(crate) async fn close(&self) -> StopReason {
        if self.request_stop() {
            self.stopped().await
        } else {
            StopReason::Closed
        }
    }
}

/// The task side: the stop request and where to leave the reason.
pub(crate) struct Control {
    stop: oneshot::Receiver<()>,
    done: watch::Sender<Option<StopReason>>,
}

impl Control {
    /// Resolves when `close` was called. A dropped handle does not stop the helper (kazoo's
    /// watchers keep running without a reference too).
    pub(crate) async fn stop_requested(&mut self) {
        if (&mut self.stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    pub(crate) fn finish(self, reason: StopReason) {
        self.done.send_replace(Some(reason));
    }
}

pub(crate) fn pair() -> (Running, Control) {
    let (stop_tx, stop_rx) = oneshot::channel();
    let (done_tx, done_rx) = watch::channel(None);
    (
        Running {
            stop: Mutex::new(Some(stop_tx)),
            done: done_rx,
            thread: OnceLock::new(),
        },
        Control {
            stop: stop_rx,
            done: done_tx,
        },
    )
}

/// What a start reports to the caller: the first call happened, or why it could not.
pub(crate) type Started = oneshot::Sender<Result<(), Error>>;

/// Turns a stop reason seen before the first call into the error `start` returns.
pub(crate) fn start_error(reason: StopReason, path: &str) -> Error {
    match reason {
        StopReason::Failed(e) => e,
        StopReason::NodeDeleted => Error::NoNode {
            path: path.to_owned(),
        },
        StopReason::SessionLost => Error::SessionExpired,
        _ => Error::Closed,
    }
}

/// Runs `core` on the current task, calling `f` (on tokio's blocking pool) with each distinct
/// state, until the callback, `close` or the core stops it.
pub(crate) async fn run_async<R, U, K>(
    mut core: Rearm<R>,
    mut control: Control,
    started: Started,
    map: impl Fn(R::State, Option<WatchedEvent>) -> U,
    mut f: impl FnMut(U) -> K + Send + 'static,
) where
    R: Reader,
    U: Send + 'static,
    K: KeepWatching,
{
    let mut started = Some(started);
    let reason = loop {
        let step = tokio::select! {
            biased;
            _ = control.stop_requested() => Err(StopReason::Closed),
            r = core.next() => r,
        };
        match step {
            Ok((state, event)) => {
                let update = map(state, event);
                // On the blocking pool: a callback that blocks (kazoo's callbacks are plain
                // functions) must not hold a runtime worker, where it could stall other
                // tasks, the client's I/O task among them.
                let Ok((back, keep)) = tokio::task::spawn_blocking(move || {
                    let keep = f(update).keep_watching();
                    (f, keep)
                })
                .await
                else {
                    // The callback panicked: the handle reports it.
                    return;
                };
                f = back;
                if let Some(tx) = started.take() {
                    let _ = tx.send(Ok(()));
                }
                if !keep {
                    break StopReason::Callback;
                }
            }
            Err(reason) => {
                if let Some(tx) = started.take() {
                    let _ = tx.send(Err(start_error(reason.clone(), core.path())));
                }
                break reason;
            }
        }
    };
    // Dropping the core drops its armed watch: the client removes it from the server.
    drop(core);
    control.finish(reason);
}

/// [`run_async`] for a blocking helper: the loop runs on the calling thread, blocking on
/// `rt` for each read and calling `f` outside the runtime (so `f` may use the blocking client).
pub(crate) fn run_blocking<R, U, K>(
    rt: &tokio::runtime::Handle,
    mut core: Rearm<R>,
    mut control: Control,
    started: Started,
    map: impl Fn(R::State, Option<WatchedEvent>) -> U,
    mut f: impl FnMut(U) -> K,
) where
    R: Reader,
    K: KeepWatching,
{
    let mut started = Some(started);
    let reason = loop {
        let step = rt.block_on(async {
            tokio::select! {
                biased;
                _ = control.stop_requested() => Err(StopReason::Closed),
                r = core.next() => r,
            }
        });
        match step {
            Ok((state, event)) => {
                let keep = f(map(state, event)).keep_watching();
                if let Some(tx) = started.take() {
                    let _ = tx.send(Ok(()));
                }
                if !keep {
                    break StopReason::Callback;
                }
            }
            Err(reason) => {
                if let Some(tx) = started.take() {
                    let _ = tx.send(Err(start_error(reason.clone(), core.path())));
                }
                break reason;
            }
        }
    };
    drop(core);
    control.finish(reason);
}
