//! The stream form of the re-arming loop: the first state is read before the stream is handed
//! out (so a bad path fails at once), the rest is read as the stream is polled.

use super::control::StopReason;
use super::rearm::{Reader, Rearm};
use super::task::start_error;
use futures::{Stream, StreamExt};
use kazoo_client::{Result, WatchedEvent};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// A boxed stream of updates.
pub(crate) type Updates<U> = Pin<Box<dyn Stream<Item = U> + Send>>;

/// Where a stream leaves the reason it ended.
pub(crate) type Reason = Arc<Mutex<Option<StopReason>>>;

/// Reads the first state and returns the stream of it and every later distinct state.
pub(crate) async fn start<R, U, M>(mut core: Rearm<R>, map: M) -> Result<(Updates<U>, Reason)>
where
    R: Reader,
    U: Send + 'static,
    M: Fn(R::State, Option<WatchedEvent>) -> U + Send + Sync + 'static,
{
    let first = match core.next().await {
        Ok((state, event)) => map(state, event),
        Err(reason) => return Err(start_error(reason, core.path())),
    };
    let reason: Reason = Arc::new(Mutex::new(None));
    let map = Arc::new(map);
    let rest = futures::stream::unfold(
        (core, map, reason.clone()),
        |(mut core, map, reason)| async move {
            match core.next().await {
                Ok((state, event)) => Some((map(state, event), (core, map, reason))),
                Err(r) => {
                    *reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                    None
                }
            }
        },
    );
    Ok((
        Box::pin(futures::stream::once(async move { first }).chain(rest)),
        reason,
    ))
}
