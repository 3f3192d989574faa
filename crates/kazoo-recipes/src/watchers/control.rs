//! What the watch helpers share: how a callback says "stop", why a helper stopped, and how a
//! helper rides out a connection loss or a session expiry before it reads again.

use kazoo_client::{Client, Error, KeeperState, WatchedEvent};
use std::ops::ControlFlow;
use std::time::Duration;

/// What a watch callback returns: whether to keep watching.
///
/// kazoo stops calling a function that returns `False`; here a callback may return `()` (keep
/// watching), a `bool` (`false` stops) or a [`ControlFlow`] (`Break` stops).
///
/// ```
/// use kazoo_recipes::watchers::KeepWatching;
/// use std::ops::ControlFlow;
/// assert!(().keep_watching());
/// assert!(!false.keep_watching());
/// assert!(!ControlFlow::<()>::Break(()).keep_watching());
/// ```
pub trait KeepWatching {
    /// True to be called again on the next change.
    fn keep_watching(self) -> bool;
}

impl KeepWatching for () {
    fn keep_watching(self) -> bool {
        true
    }
}

impl KeepWatching for bool {
    fn keep_watching(self) -> bool {
        self
    }
}

impl<B, C> KeepWatching for ControlFlow<B, C> {
    fn keep_watching(self) -> bool {
        matches!(self, ControlFlow::Continue(_))
    }
}

/// Why a watch helper stopped.
///
/// ```
/// use kazoo_recipes::watchers::StopReason;
/// let r = StopReason::Callback;
/// assert!(matches!(r, StopReason::Callback));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StopReason {
    /// The callback asked to stop (returned `false` or `ControlFlow::Break`).
    Callback,
    /// The helper was closed (its `close` was called, or its stream dropped).
    Closed,
    /// The client was closed or its authentication failed: no session will follow.
    ClientClosed,
    /// The session expired and the helper was built with `allow_session_lost(false)`.
    SessionLost,
    /// The watched node was deleted (a children watch needs its node).
    NodeDeleted,
    /// A read failed with an error that retrying cannot fix (for example `NoAuth`).
    Failed(Error),
    /// The callback panicked.
    CallbackPanicked,
}

/// What to do after a read failed.
pub(crate) enum Recovery {
    /// Wait until connected, then read again (same session, or a new one is fine).
    Reconnect,
    /// The session expired: read again on the next session, unless sessions may not be lost.
    NewSession,
    /// Give up.
    Stop(StopReason),
}

/// Sorts a failed read into what the helper does next.
pub(crate) fn classify(e: Error) -> Recovery {
    match e {
        Error::SessionExpired => Recovery::NewSession,
        Error::Closed | Error::AuthFailed | Error::SessionClosedRequireSasl => {
            Recovery::Stop(StopReason::ClientClosed)
        }
        e if e.is_retryable() || e.is_connection_loss() => Recovery::Reconnect,
        e => Recovery::Stop(StopReason::Failed(e)),
    }
}

/// What a one-shot watch's event means for the helper that armed it.
pub(crate) enum Fired {
    /// A change of the node: read again and report with this event.
    Change(WatchedEvent),
    /// The watch was removed by someone else (`remove_watches`): arm it again, report nothing.
    Removed,
    /// The session expired: every watch is gone.
    SessionExpired,
    /// The client was closed.
    ClientClosed,
}

/// Sorts a one-shot watch's event.
pub(crate) fn fired(e: WatchedEvent) -> Fired {
    use kazoo_client::EventType as E;
    if e.is_terminal() {
        return match e.keeper_state {
            KeeperState::Expired => Fired::SessionExpired,
            _ => Fired::ClientClosed,
        };
    }
    match e.event_type {
        E::DataWatchRemoved | E::ChildWatchRemoved | E::PersistentWatchRemoved => Fired::Removed,
        _ => Fired::Change(e),
    }
}

/// Waits until the client is connected, with a session other than `not` when given (after an
/// expiry the client starts a new session by itself, as kazoo's does).
pub(crate) async fn wait_for_session(client: &Client, not: Option<i64>) -> Result<(), StopReason> {
    let mut states = client.state_watch();
    loop {
        if client.wait_connected().await.is_err() {
            return Err(StopReason::ClientClosed);
        }
        if not.is_none() || client.session_id() != not {
            return Ok(());
        }
        if states.changed().await.is_err() {
            return Err(StopReason::ClientClosed);
        }
    }
}

/// Backoff between reads that failed with a connection loss while the client still said it
/// was connected (the state catches up within milliseconds; this keeps the loop from spinning).
pub(crate) const RETRY_PAUSE: Duration = Duration::from_millis(20);
