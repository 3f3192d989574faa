//! Deleting a node we own (a contender, a lease) until it is gone, so that releases and
//! cleanups survive connection losses and callers who stop waiting.

use super::wait::is_transient;
use kazoo_client::{Client, Error};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::runtime::Handle;

/// The reply of one delete request already sent.
type Reply = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// What the reply to one delete means: `None` when it must be sent again.
fn deleted(reply: Result<(), Error>, ephemeral: bool) -> Option<Result<(), Error>> {
    match reply {
        Ok(()) | Err(Error::NoNode { .. }) => Some(Ok(())),
        // An ephemeral node is gone once its session is.
        Err(e) if ephemeral && e.is_session_terminal() => Some(Ok(())),
        Err(e) if is_transient(&e) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Deletes `path` until it is gone: retries through connection losses; an ephemeral node is
/// gone once its session is.
pub(crate) async fn delete_until_gone(
    client: Client,
    path: String,
    ephemeral: bool,
) -> Result<(), Error> {
    let mut delay = Duration::from_millis(20);
    loop {
        match deleted(client.delete(&path, None).await, ephemeral) {
            Some(done) => return done,
            None => {
                tracing::debug!(%path, "retrying the deletion of our node");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// [`delete_until_gone`] for a caller who may stop waiting: returns once the node is gone,
/// and a dropped future never stops the deletion. The first delete is sent at once, without
/// a task (the usual case costs one round trip and no scheduling); should the future be
/// dropped before its reply, a task awaits that reply, and retries, in its place. Only a
/// retryable failure moves the retries into a task, which this future then waits for.
pub(crate) async fn delete_confirmed(
    client: &Client,
    path: String,
    ephemeral: bool,
) -> Result<(), Error> {
    let mut first = InflightDelete {
        reply: Some(Box::pin(client.delete(&path, None))),
        client: client.clone(),
        path,
        ephemeral,
        rt: Handle::try_current().ok(),
    };
    if let Some(done) = deleted((&mut first).await, ephemeral) {
        return done;
    }
    // The reply is in: dropping `first` spawns nothing.
    let path = std::mem::take(&mut first.path);
    tracing::debug!(%path, "retrying the deletion of our node");
    match tokio::spawn(delete_until_gone(client.clone(), path, ephemeral)).await {
        Ok(done) => done,
        Err(_) => Err(Error::Interrupted),
    }
}

/// A delete already sent, waiting for its reply; dropped early, it hands the reply (and any
/// retry) to a task on the runtime it was made on.
struct InflightDelete {
    reply: Option<Reply>,
    client: Client,
    path: String,
    ephemeral: bool,
    rt: Option<Handle>,
}

impl Future for InflightDelete {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(reply) = self.reply.as_mut() else {
            return Poll::Ready(Err(Error::Interrupted));
        };
        let out = std::task::ready!(reply.as_mut().poll(cx));
        self.reply = None;
        Poll::Ready(out)
    }
}

impl Drop for InflightDelete {
    fn drop(&mut self) {
        let (Some(reply), Some(rt)) = (self.reply.take(), self.rt.as_ref()) else {
            return;
        };
        let (client, path, ephemeral) = (self.client.clone(), self.path.clone(), self.ephemeral);
        rt.spawn(async move {
            let done = match deleted(reply.await, ephemeral) {
                Some(done) => done,
                None => delete_until_gone(client, path.clone(), ephemeral).await,
            };
            if let Err(e) = done {
                tracing::warn!(%path, error = %e, "could not delete a released node");
            }
        });
    }
}
