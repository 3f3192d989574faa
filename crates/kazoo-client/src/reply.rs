//! The one-reply slot between the I/O task and a caller's future.
//!
//! It does what `tokio::sync::oneshot` does for us, minus what we do not need on the hottest
//! path of the client: no cooperative-budget accounting on every poll, a waker stored only
//! when it changed, and one small lock instead of a state machine of atomics. A pipelined
//! workload polls and completes one of these per request, so their cost is the client's
//! floor (see BENCHMARKS.md, W5).

use crate::error::{Error, Result};
use crate::session::RawReply;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

#[derive(Debug, Default)]
struct State {
    value: Option<Result<RawReply>>,
    waker: Option<Waker>,
    /// The sender is gone (sent or dropped).
    done: bool,
    /// The receiver is gone: nobody waits for the reply any more.
    abandoned: bool,
}

#[derive(Debug, Default)]
struct Slot(Mutex<State>);

impl Slot {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The I/O task's end: completes the caller's future once. Dropped without sending, the
/// caller sees [`Error::Closed`].
#[derive(Debug)]
pub(crate) struct ReplyTx(Arc<Slot>);

/// The caller's end: a future of the reply.
#[derive(Debug)]
pub(crate) struct ReplyRx(Arc<Slot>);

/// A connected pair.
pub(crate) fn channel() -> (ReplyTx, ReplyRx) {
    let slot = Arc::new(Slot::default());
    (ReplyTx(slot.clone()), ReplyRx(slot))
}

impl ReplyTx {
    /// Hands over the reply and wakes the caller.
    pub(crate) fn send(self, r: Result<RawReply>) {
        self.complete(Some(r));
    }

    /// True when the caller dropped its future: the reply would go nowhere.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.lock().abandoned
    }

    fn complete(&self, r: Option<Result<RawReply>>) {
        let waker = {
            let mut st = self.0.lock();
            if st.done {
                return;
            }
            st.done = true;
            st.value = r;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Drop for ReplyTx {
    fn drop(&mut self) {
        self.complete(None);
    }
}

impl Drop for ReplyRx {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.abandoned = true;
        st.waker = None;
    }
}

impl ReplyRx {
    /// True once the sender sent or was dropped.
    #[cfg(test)]
    pub(crate) fn is_finished(&self) -> bool {
        self.0.lock().done
    }
}

impl Future for ReplyRx {
    type Output = Result<RawReply>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<RawReply>> {
        let mut st = self.0.lock();
        if let Some(v) = st.value.take() {
            return Poll::Ready(v);
        }
        if st.done {
            return Poll::Ready(Err(Error::Closed));
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kazoo_proto::ErrorCode;

    fn raw() -> RawReply {
        RawReply {
            zxid: 7,
            err: ErrorCode::Ok,
            body: Bytes::from_static(b"x"),
            watch_set: false,
        }
    }

    #[tokio::test]
    async fn a_sent_reply_arrives_also_when_sent_before_the_first_poll() {
        let (tx, rx) = channel();
        tx.send(Ok(raw()));
        assert_eq!(rx.await.unwrap().zxid, 7);
        let (tx, rx) = channel();
        let waiter = tokio::spawn(rx);
        tokio::task::yield_now().await;
        tx.send(Ok(raw()));
        assert_eq!(
            waiter.await.unwrap().unwrap().body,
            Bytes::from_static(b"x")
        );
    }

    #[tokio::test]
    async fn a_dropped_sender_is_closed_and_a_dropped_receiver_is_seen() {
        let (tx, rx) = channel();
        assert!(!tx.is_closed());
        drop(tx);
        assert!(matches!(rx.await, Err(Error::Closed)));
        let (tx, rx) = channel();
        drop(rx);
        assert!(tx.is_closed());
        tx.send(Ok(raw()));
    }
}
