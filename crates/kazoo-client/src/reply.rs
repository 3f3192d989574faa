//! The one-reply slot between the I/O task and a caller's future (and the [`OnceSlot`] state
//! machine it shares with one-shot watches).
//!
//! It does what `tokio::sync::oneshot` does for us, minus what we do not need on the hottest
//! path of the client: no cooperative-budget accounting on every poll, a waker stored only
//! when it changed, and one small lock instead of a state machine of atomics. A pipelined
//! workload polls and completes one of these per request, so their cost is the client's
//! floor (see BENCHMARKS.md, W5).

use crate::client::ErrPath;
use crate::error::{Error, Result};
use crate::session::RawReply;
use parking_lot::{Mutex, MutexGuard};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A value handed over once from the I/O task to one waiting future: the state machine shared
/// by reply slots and one-shot watches ([`crate::Watch`]).
#[derive(Debug)]
pub(crate) struct OnceSlot<V>(Mutex<State<V>>);

#[derive(Debug)]
struct State<V> {
    value: Option<V>,
    waker: Option<Waker>,
    /// The sender is gone (sent or dropped).
    done: bool,
    /// The receiver is gone: nobody waits for the value any more.
    abandoned: bool,
}

impl<V> Default for OnceSlot<V> {
    fn default() -> Self {
        OnceSlot(Mutex::new(State {
            value: None,
            waker: None,
            done: false,
            abandoned: false,
        }))
    }
}

impl<V> OnceSlot<V> {
    fn lock(&self) -> MutexGuard<'_, State<V>> {
        self.0.lock()
    }

    /// The sender's one hand-over (`None`: the sender went away without a value); later
    /// calls do nothing. Wakes the receiver.
    pub(crate) fn complete(&self, value: Option<V>) {
        let waker = {
            let mut st = self.lock();
            if st.done {
                return;
            }
            st.done = true;
            st.value = value;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The receiver's poll: `Ready(then(Some(value)))`, `Ready(then(None))` once the sender is
    /// gone without one (or the value was taken already), else `Pending` with the waker kept.
    /// `then` turns the value into the caller's output where it is taken out, so that the
    /// value is not moved through an `Option` first (a reply is 56 bytes, and every request
    /// takes one). It runs under the slot's lock: it must be cheap (no allocation).
    #[inline]
    pub(crate) fn poll_take<R>(
        &self,
        cx: &mut Context<'_>,
        then: impl FnOnce(Option<V>) -> R,
    ) -> Poll<R> {
        let mut st = self.lock();
        if st.value.is_some() || st.done {
            return Poll::Ready(then(st.value.take()));
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The receiver is dropped. Returns true when the sender was done already.
    pub(crate) fn abandon(&self) -> bool {
        let mut st = self.lock();
        st.abandoned = true;
        st.waker = None;
        st.done
    }

    /// True when the receiver was dropped.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.lock().abandoned
    }

    /// True once the sender handed over or went away.
    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        self.lock().done
    }
}

/// What a request's caller and the I/O task share: the reply's slot, and what the caller's
/// future needs only once the reply is there or late (the path its errors name, its
/// deadline). Those two live here, in the one allocation every request makes anyway, rather
/// than in the future, which a pipelining caller moves a few times (W2 in BENCHMARKS.md).
#[derive(Debug)]
pub(crate) struct Slot {
    reply: OnceSlot<Result<RawReply>>,
    path: ErrPath,
    deadline: Option<tokio::time::Instant>,
}

/// How many finished slots a thread keeps for its next requests (see [`keep`]).
const SPARE_SLOTS: usize = 32;

thread_local! {
    /// Finished slots, reset, that this thread's next requests take instead of allocating.
    static SPARE: RefCell<Vec<Arc<Slot>>> = const { RefCell::new(Vec::new()) };
}

/// Makes a finished slot like a new one (its path and deadline are set when it is reused).
fn reset(s: &mut Slot) {
    s.reply = OnceSlot::default();
    if s.path.is_large() {
        // A long path's buffer is not kept.
        s.path = ErrPath::empty();
    }
}

/// Keeps a finished slot (reset, and held by nobody else) for this thread's next request: a pipelining
/// caller then allocates and frees no slot per request, where the allocator's two calls
/// were the largest single cost of a request after the system calls (W5 in BENCHMARKS.md).
/// At most [`SPARE_SLOTS`] per thread; past that, and while the thread is exiting, the slot
/// is freed as before.
fn keep(slot: Arc<Slot>) {
    let _ = SPARE.try_with(|spare| {
        if let Ok(mut spare) = spare.try_borrow_mut() {
            if spare.len() < SPARE_SLOTS {
                spare.push(slot);
            }
        }
    });
}

/// How many spare slots this thread keeps now.
#[cfg(test)]
fn spare_len() -> usize {
    SPARE.with(|spare| spare.borrow().len())
}

/// A spare slot of this thread's, set up for `path` and `deadline`, if it has one.
fn reuse(path: &str, deadline: Option<tokio::time::Instant>) -> Option<Arc<Slot>> {
    let mut slot = SPARE
        .try_with(|spare| spare.try_borrow_mut().ok()?.pop())
        .ok()??;
    // Only unshared slots are kept, so this always succeeds.
    let s = Arc::get_mut(&mut slot)?;
    s.path.set(path);
    s.deadline = deadline;
    Some(slot)
}

/// The I/O task's end: completes the caller's future once. Dropped without sending, the
/// caller sees [`Error::Closed`].
#[derive(Debug)]
pub(crate) struct ReplyTx(Option<Arc<Slot>>);

/// The caller's end: a future of the reply.
#[derive(Debug)]
pub(crate) struct ReplyRx(Option<Arc<Slot>>);

/// The path of a receiver that no longer has its slot (never seen: only its drop takes it).
static NO_PATH: ErrPath = ErrPath::empty();

/// A connected pair.
pub(crate) fn channel() -> (ReplyTx, ReplyRx) {
    channel_for("", None)
}

/// A connected pair for a request on `path` (named by its errors) that times out at
/// `deadline`, if any.
pub(crate) fn channel_for(
    path: &str,
    deadline: Option<tokio::time::Instant>,
) -> (ReplyTx, ReplyRx) {
    let slot = reuse(path, deadline).unwrap_or_else(|| {
        Arc::new(Slot {
            reply: OnceSlot::default(),
            path: ErrPath::new(path),
            deadline,
        })
    });
    (ReplyTx(Some(slot.clone())), ReplyRx(Some(slot)))
}

impl ReplyTx {
    /// Hands over the reply and wakes the caller.
    pub(crate) fn send(mut self, r: Result<RawReply>) {
        // Taken, so that the drop does not lock the slot a second time (and, with nothing
        // left for it to do, skipped).
        if let Some(slot) = self.0.take() {
            slot.reply.complete(Some(r));
        }
        std::mem::forget(self);
    }

    /// True when the caller dropped its future: the reply would go nowhere.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.as_ref().map_or(true, |s| s.reply.is_abandoned())
    }
}

impl Drop for ReplyTx {
    fn drop(&mut self) {
        if let Some(slot) = &self.0 {
            slot.reply.complete(None);
        }
    }
}

impl Drop for ReplyRx {
    fn drop(&mut self) {
        self.release();
    }
}

impl ReplyRx {
    /// A receiver whose reply is already there: `result`, for a call that failed before it
    /// reached the I/O task.
    pub(crate) fn ready(result: Result<RawReply>) -> ReplyRx {
        let (tx, rx) = channel();
        tx.send(result);
        rx
    }

    /// Lets go of the slot (what dropping does); polled again, the receiver is closed.
    #[inline]
    pub(crate) fn release(&mut self) {
        if let Some(slot) = self.0.take() {
            let_go(slot);
        }
    }

    /// True once the sender sent or was dropped.
    #[cfg(test)]
    pub(crate) fn is_finished(&self) -> bool {
        self.0.as_ref().map_or(true, |s| s.reply.is_done())
    }

    /// The path the request's errors name.
    pub(crate) fn path(&self) -> &ErrPath {
        self.0.as_ref().map_or(&NO_PATH, |s| &s.path)
    }

    /// When the request times out, if it does.
    pub(crate) fn deadline(&self) -> Option<tokio::time::Instant> {
        self.0.as_ref()?.deadline
    }
}

/// A receiver's end of `slot`: kept for reuse when the sender is gone too, else marked
/// abandoned for the sender to see.
fn let_go(mut slot: Arc<Slot>) {
    if let Some(s) = Arc::get_mut(&mut slot) {
        // The sender is gone: nobody can see the slot any more, so no need to mark it
        // abandoned.
        reset(s);
        keep(slot);
    } else {
        slot.reply.abandon();
    }
}

impl Future for ReplyRx {
    type Output = Result<RawReply>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<RawReply>> {
        let Some(slot) = &self.0 else {
            return Poll::Ready(Err(Error::Closed));
        };
        slot.reply.poll_take(cx, |v| match v {
            Some(v) => v,
            None => Err(Error::Closed),
        })
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
    #[test]
    fn a_finished_slot_is_reused_clean_and_only_once_nobody_else_holds_it() {
        // A fresh thread: its spare list starts empty whatever other tests did.
        std::thread::spawn(|| {
            let (tx, rx) = channel_for("/a/long/enough/path", None);
            let first = Arc::as_ptr(rx.0.as_ref().unwrap());
            tx.send(Ok(raw()));
            drop(rx); // sent, never taken: the value is dropped with the reset
            assert_eq!(spare_len(), 1);
            let deadline = tokio::time::Instant::now();
            let (tx, rx) = channel_for("/b", Some(deadline));
            assert_eq!(spare_len(), 0);
            assert_eq!(
                Arc::as_ptr(rx.0.as_ref().unwrap()),
                first,
                "the spare is reused"
            );
            assert_eq!(rx.path().as_str(), "/b");
            assert_eq!(rx.deadline(), Some(deadline));
            assert!(!rx.is_finished(), "a reused slot starts unsent");
            assert!(!tx.is_closed(), "and not abandoned");
            // The receiver goes first: the sender still holds the slot, so it is not kept,
            // and the sender sees the receiver gone.
            drop(rx);
            assert_eq!(spare_len(), 0);
            assert!(tx.is_closed());
            drop(tx);
            assert_eq!(spare_len(), 0, "freed by its last holder, the sender");
            // A long path's buffer is not kept with its slot; a short one after it gets one.
            let long = format!("/{}", "x".repeat(100));
            let (tx, rx) = channel_for(&long, None);
            assert_eq!(rx.path().as_str(), long);
            drop(tx);
            drop(rx);
            let (_tx, rx) = channel_for("/c", None);
            assert_eq!(rx.path().as_str(), "/c");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_keeps_a_bounded_number_of_spare_slots() {
        std::thread::spawn(|| {
            let pairs: Vec<_> = (0..SPARE_SLOTS * 2).map(|_| channel()).collect();
            for (tx, rx) in pairs {
                tx.send(Ok(raw()));
                drop(rx);
            }
            assert_eq!(spare_len(), SPARE_SLOTS);
        })
        .join()
        .unwrap();
    }

    #[tokio::test]
    async fn a_reused_slot_delivers_its_own_reply() {
        for zxid in 1..=3 {
            let (tx, rx) = channel_for("/n", None);
            let waiter = tokio::spawn(rx);
            tokio::task::yield_now().await;
            tx.send(Ok(RawReply { zxid, ..raw() }));
            assert_eq!(waiter.await.unwrap().unwrap().zxid, zxid);
        }
    }

    #[tokio::test]
    async fn a_ready_receiver_answers_at_once_and_a_released_one_is_closed() {
        let mut rx = ReplyRx::ready(Err(Error::Timeout));
        assert!(matches!((&mut rx).await, Err(Error::Timeout)));
        rx.release();
        assert!(matches!((&mut rx).await, Err(Error::Closed)));
        assert_eq!(rx.path().as_str(), "");
        rx.release(); // twice is harmless
    }
}
