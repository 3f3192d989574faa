//! The queue from client handles to the I/O task, with the bound on requests outstanding
//! (ARCHITECTURE principle 6) that keeps call-time order.
//!
//! Requests (and the commands that must keep their place among them) are handed over here
//! rather than through a channel: a call appends to a vector under one short lock, and the I/O
//! task takes the whole vector at once when it wakes (one wake-up per batch, not per request).
//!
//! A request is *outstanding* from the moment it is handed to the I/O task until its caller is
//! answered (a reply, or a failure): queued while disconnected, written, or awaiting its reply.
//! Each holds a [`Permit`], which travels with it through the session machine and is given
//! back when its token is dropped, wherever that happens.
//!
//! At most `limit` requests are outstanding. A call made beyond that does not block (a call
//! only queues; awaiting is the caller's business) and does not fail: it waits in an ordered
//! waiting room and is handed over, still in call order, as permits come back. Every other
//! command that must keep its place relative to requests (auth, watch removal) waits behind
//! them too, without a permit. So the server, the socket buffers and the I/O task (which
//! must keep pinging) never hold more than `limit` requests, and a caller that awaits its
//! calls is slowed down to the pace of the server. What waits is only what callers asked for
//! and did not await yet; a request whose caller gave up (dropped its future, or its
//! per-request timeout passed) leaves the waiting room without being sent.
//!
//! A request whose frame is small is encoded straight into the batch the I/O task takes next
//! ([`Gate::send_encoded`]), under the same lock: its bytes go back to back with those of the
//! requests before it, in call order, and the task copies them from there into its write
//! buffer. No frame of its own is allocated, reference-counted or freed per request (a
//! pipelining caller's hottest path, W2 and W3 in BENCHMARKS.md). A request that has to wait
//! beyond the bound, or whose frame is large, carries a frame of its own.
//!
//! Waiting is not done inside the caller's future on purpose: futures polled out of call
//! order (`b.await` before `a.await`) would otherwise deadlock, since `b` must not overtake
//! `a`.

use crate::driver::{Command, Token};
use crate::error::{Error, Result};
use crate::session::watches::Registration;
use crate::session::Request;
use crate::watch::WatchTx;
use kazoo_proto::OpCode;
use parking_lot::{Mutex, MutexGuard};
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::sync::mpsc;

/// The gate in front of one I/O task.
#[derive(Debug)]
pub(crate) struct Gate {
    limit: usize,
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    outstanding: usize,
    /// Beyond the bound, in call order.
    waiting: VecDeque<Command>,
    /// Let through, not yet taken by the I/O task.
    ready: Batch,
    /// The I/O task, parked until something is ready.
    waker: Option<Waker>,
    /// The I/O task has ended: nothing is accepted any more.
    shut: bool,
    /// Something was put in the I/O task's command channel (or its last sender dropped):
    /// the task looks at that channel only when this is set, instead of polling it on every
    /// wake-up (a channel poll costs hundreds of instructions, three times per round trip).
    control: bool,
}

/// Frames up to this size are encoded into the batch under the gate's lock
/// ([`Gate::send_encoded`]); a larger one is encoded into an allocation of its own first,
/// outside the lock, so that a big write does not hold the I/O task up.
pub(crate) const BATCH_FRAME_MAX: usize = 1024;

/// What the I/O task takes from the gate in one go: commands in call order, and the frames of
/// the [`Command::Batched`] requests among them, back to back in the same order.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub cmds: Vec<Command>,
    pub frames: Vec<u8>,
}

impl Batch {
    /// Nothing to hand over.
    pub(crate) fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Takes the commands out in call order, each with its frame from [`Batch::frames`]
    /// (empty for a command that is not [`Command::Batched`]). The frames stay, to be cleared
    /// by the caller. A short batch cannot happen; were it to, the frame would come out empty
    /// (and its request fail as shorter than a header), not panic.
    #[cfg(test)]
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (Command, &[u8])> + '_ {
        let Batch { cmds, frames } = self;
        let mut rest = frames.as_slice();
        cmds.drain(..).map(move |cmd| {
            let frame = match &cmd {
                Command::Batched { len, .. } => {
                    let (frame, after) = rest.split_at_checked(*len).unwrap_or((&[], rest));
                    rest = after;
                    frame
                }
                _ => &[],
            };
            (cmd, frame)
        })
    }
}

/// The sending side of the I/O task's command channel. The task reads that channel only when
/// its gate is nudged, so every send nudges, and so does dropping this (the channel's end is
/// how the task learns that every handle is gone).
#[derive(Debug)]
pub(crate) struct CommandTx {
    /// `None` only while dropping: the sender must be gone before the nudge.
    tx: Option<mpsc::UnboundedSender<Command>>,
    gate: Arc<Gate>,
}

impl CommandTx {
    pub(crate) fn new(tx: mpsc::UnboundedSender<Command>, gate: Arc<Gate>) -> CommandTx {
        CommandTx { tx: Some(tx), gate }
    }

    /// Queues `cmd` for the I/O task; false when the task is gone.
    pub(crate) fn send(&self, cmd: Command) -> bool {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(cmd).is_ok());
        self.gate.nudge();
        sent
    }

    /// The gate in front of the same I/O task.
    pub(crate) fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    /// The I/O task has ended (its receiver is gone).
    pub(crate) fn is_closed(&self) -> bool {
        self.tx.as_ref().map_or(true, |tx| tx.is_closed())
    }
}

impl Drop for CommandTx {
    fn drop(&mut self) {
        drop(self.tx.take());
        self.gate.nudge();
    }
}

/// The I/O task behind the gate has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskGone;

/// One outstanding request's place; dropping it lets the next waiting command through.
#[derive(Debug)]
pub(crate) struct Permit {
    gate: Option<Arc<Gate>>,
}

impl Permit {
    /// Gives up the place without giving it back to the gate now: the I/O task gives back the
    /// places of all the replies it delivered in one go ([`Gate::release_many`]). True when
    /// this held a place.
    pub(crate) fn defer(mut self) -> bool {
        let held = self.gate.take().is_some();
        // Nothing is left for the drop to give back.
        std::mem::forget(self);
        held
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release_many(1);
        }
    }
}

/// Requests count against the bound; other commands only keep their place.
fn counted(cmd: &Command) -> bool {
    matches!(cmd, Command::Request(_) | Command::Batched { .. })
}

/// A request nobody waits for any more.
fn abandoned(cmd: &Command) -> bool {
    matches!(cmd, Command::Request(r) if r.token.reply.is_closed())
}

fn permit_slot(cmd: &mut Command) -> Option<&mut Option<Permit>> {
    match cmd {
        Command::Request(r) => Some(&mut r.token.permit),
        Command::Batched { token, .. } => Some(&mut token.permit),
        _ => None,
    }
}

impl Gate {
    /// A gate letting at most `limit` (at least 1) requests through at a time.
    pub(crate) fn new(limit: usize) -> Arc<Gate> {
        Arc::new(Gate {
            limit: limit.max(1),
            state: Mutex::new(GateState::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock()
    }

    /// Hands `cmd` to the I/O task now, or queues it behind earlier calls. Fails (dropping
    /// `cmd`, which its caller sees as the end of the task) when the I/O task is gone.
    pub(crate) fn send(self: &Arc<Self>, cmd: Command) -> Result<(), TaskGone> {
        let mut st = self.lock();
        if st.shut {
            drop(st);
            drop(cmd);
            return Err(TaskGone);
        }
        if self.must_wait(&st, counted(&cmd)) {
            st.waiting.push_back(cmd);
            return Ok(());
        }
        self.let_through(st, cmd);
        Ok(())
    }

    /// Whether a new call waits behind earlier ones: some wait already, or it is a request
    /// (`counted`) and the bound is reached.
    #[inline]
    fn must_wait(&self, st: &GateState, counted: bool) -> bool {
        !st.waiting.is_empty() || (counted && st.outstanding >= self.limit)
    }

    /// Lets `cmd` through to the I/O task (a request takes its place under the bound) and
    /// wakes the task.
    // Inlined: a command is 120 bytes, moved by value into a call otherwise.
    #[inline(always)]
    fn let_through(self: &Arc<Self>, mut st: MutexGuard<'_, GateState>, cmd: Command) {
        let cmd = self.attach(&mut st, cmd);
        st.ready.cmds.push(cmd);
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Hands a request to the I/O task, its frame written by `write` (which appends the
    /// whole frame, length prefix included, to the vector it is given): into the batch the
    /// task takes next, or, when the request has to wait behind earlier calls, into a vector
    /// of its own. An encoding error leaves nothing behind and is returned, as is
    /// [`Error::Closed`] when the I/O task is gone; either way `token` is dropped.
    pub(crate) fn send_encoded(
        self: &Arc<Self>,
        op: OpCode,
        watch: Option<Registration<WatchTx>>,
        token: Token,
        write: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let mut st = self.lock();
        if st.shut {
            return Err(Error::Closed);
        }
        if self.must_wait(&st, true) {
            let mut frame = Vec::new();
            write(&mut frame)?;
            st.waiting.push_back(Command::Request(Request {
                op,
                frame: frame.into(),
                watch,
                token,
            }));
            return Ok(());
        }
        let frames = &mut st.ready.frames;
        let at = frames.len();
        if let Err(e) = write(frames) {
            frames.truncate(at);
            return Err(e);
        }
        let len = frames.len() - at;
        let cmd = Command::Batched {
            op,
            len,
            watch,
            token,
        };
        self.let_through(st, cmd);
        Ok(())
    }

    /// The I/O task's side: moves what is ready into `out` (empty), or registers to be woken.
    /// Ready with `true` when the command channel wants a look too ([`Gate::nudge`]); the
    /// flag is cleared.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, out: &mut Batch) -> Poll<bool> {
        let mut st = self.lock();
        if st.ready.is_empty() && !st.control {
            match &st.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.waker = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        Poll::Ready(Self::take(&mut st, out))
    }

    /// Moves what is ready into `out` and clears the command-channel flag, returning it.
    fn take(st: &mut GateState, out: &mut Batch) -> bool {
        std::mem::swap(&mut st.ready, out);
        std::mem::take(&mut st.control)
    }

    /// The I/O task's side, without waiting: moves what is ready into `out` (empty); `true`
    /// when the command channel wants a look too (the flag is cleared).
    pub(crate) fn take_ready(&self, out: &mut Batch) -> bool {
        Self::take(&mut self.lock(), out)
    }

    /// Tells the I/O task to look at its command channel: called after sending on it, and
    /// after dropping a sender (the task sees the channel's end only through this).
    pub(crate) fn nudge(&self) {
        let waker = {
            let mut st = self.lock();
            st.control = true;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The I/O task ends: refuses everything from now on and drops what was not taken (its
    /// callers see the end of the task).
    pub(crate) fn shut(&self) {
        let (ready, waiting) = {
            let mut st = self.lock();
            st.shut = true;
            st.waker = None;
            (
                std::mem::take(&mut st.ready),
                std::mem::take(&mut st.waiting),
            )
        };
        // Dropped outside the lock: their permits come back through it.
        drop(ready);
        drop(waiting);
    }

    /// Fails every waiting command (the client is closing): their callers see the channel
    /// end, which they report as closed.
    pub(crate) fn fail_waiting(&self) {
        let dropped: Vec<Command> = self.lock().waiting.drain(..).collect();
        drop(dropped);
    }

    /// Requests outstanding and commands waiting.
    #[cfg(test)]
    fn counts(&self) -> (usize, usize) {
        let st = self.lock();
        (st.outstanding, st.waiting.len())
    }

    fn attach(self: &Arc<Self>, st: &mut GateState, mut cmd: Command) -> Command {
        if let Some(slot) = permit_slot(&mut cmd) {
            st.outstanding += 1;
            *slot = Some(Permit {
                gate: Some(self.clone()),
            });
        }
        cmd
    }

    /// Gives back `n` places (of permits dropped or [deferred](Permit::defer)).
    pub(crate) fn release_many(self: &Arc<Self>, n: usize) {
        let mut dropped = Vec::new();
        let waker = {
            let mut st = self.lock();
            st.outstanding = st.outstanding.saturating_sub(n);
            if st.waiting.is_empty() {
                None
            } else {
                self.promote(&mut st, &mut dropped)
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        // Dropped outside the lock; they carry no permit, so nothing comes back here.
        drop(dropped);
    }

    /// Lets waiting commands through, in order, while permits allow; the I/O task's waker if
    /// anything went through.
    fn promote(self: &Arc<Self>, st: &mut GateState, dropped: &mut Vec<Command>) -> Option<Waker> {
        if st.shut {
            dropped.extend(st.waiting.drain(..));
            return None;
        }
        let mut moved = false;
        while let Some(front) = st.waiting.front() {
            if counted(front) && st.outstanding >= self.limit {
                break;
            }
            let Some(cmd) = st.waiting.pop_front() else {
                break;
            };
            if abandoned(&cmd) {
                dropped.push(cmd);
                continue;
            }
            let cmd = self.attach(st, cmd);
            st.ready.cmds.push(cmd);
            moved = true;
        }
        if moved {
            st.waker.take()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Token;
    use crate::session::Request;
    use bytes::Bytes;
    use kazoo_proto::OpCode;

    type Reply = crate::reply::ReplyRx;

    fn request(tag: u8) -> (Command, Reply) {
        let (reply, rx) = crate::reply::channel();
        let cmd = Command::Request(Request {
            op: OpCode::GetData,
            frame: Bytes::from(vec![tag]),
            watch: None,
            token: Token {
                reply,
                watch: None,
                permit: None,
            },
        });
        (cmd, rx)
    }

    fn tag(cmd: &Command) -> Option<u8> {
        match cmd {
            Command::Request(r) => Some(r.frame[0]),
            _ => None,
        }
    }

    fn drain(gate: &Gate) -> Vec<Command> {
        let mut out = Batch::default();
        gate.take_ready(&mut out);
        out.cmds
    }

    fn new_token() -> (Token, Reply) {
        let (reply, rx) = crate::reply::channel();
        let token = Token {
            reply,
            watch: None,
            permit: None,
        };
        (token, rx)
    }

    /// Sends a request whose frame is `n` bytes of `tag`, encoded by the gate.
    fn send_encoded(gate: &Arc<Gate>, tag: u8, n: usize) -> (Result<()>, Reply) {
        let (token, rx) = new_token();
        let sent = gate.send_encoded(OpCode::GetData, None, token, |f| {
            f.extend(std::iter::repeat(tag).take(n));
            Ok(())
        });
        (sent, rx)
    }

    /// Each request of a batch with its frame, as the I/O task takes them out:
    /// `(tag, frame length, batched)`. The commands are put back (they keep their places).
    fn frames(batch: &mut Batch) -> Vec<(u8, usize, bool)> {
        let mut seen = Vec::new();
        let mut cmds = Vec::new();
        for (c, f) in batch.drain() {
            match &c {
                Command::Batched { .. } => {
                    assert!(f.iter().all(|&b| b == f[0]), "frames overlap");
                    seen.push((f[0], f.len(), true));
                }
                Command::Request(r) => seen.push((r.frame[0], r.frame.len(), false)),
                _ => {}
            }
            cmds.push(c);
        }
        batch.cmds = cmds;
        seen
    }

    #[test]
    fn encoded_frames_go_back_to_back_into_the_batch_in_call_order() {
        let gate = Gate::new(2);
        let (a, _ra) = send_encoded(&gate, 1, 30);
        let (b, _rb) = send_encoded(&gate, 2, 12);
        // Beyond the bound: it waits with a frame of its own.
        let (c, _rc) = send_encoded(&gate, 3, 20);
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert_eq!(gate.counts(), (2, 1));
        let mut first = Batch::default();
        assert!(!gate.take_ready(&mut first));
        assert_eq!(frames(&mut first), [(1, 30, true), (2, 12, true)]);
        assert_eq!(first.frames.len(), 42);
        // Answering both lets the waiting one through, and a new call is batched behind it.
        drop(first.cmds);
        let (d, _rd) = send_encoded(&gate, 4, 5);
        assert!(d.is_ok());
        let mut second = Batch::default();
        gate.take_ready(&mut second);
        assert_eq!(frames(&mut second), [(3, 20, false), (4, 5, true)]);
        assert_eq!(second.frames.len(), 5);
        assert_eq!(gate.counts(), (2, 0));
    }

    #[test]
    fn deferred_places_come_back_together() {
        let gate = Gate::new(2);
        let mut replies = Vec::new();
        for t in 1..=4 {
            let (cmd, r) = request(t);
            replies.push(r);
            gate.send(cmd).unwrap();
        }
        let sent = drain(&gate);
        assert_eq!(gate.counts(), (2, 2));
        let mut deferred = 0;
        for cmd in sent {
            if let Command::Request(mut r) = cmd {
                deferred += usize::from(r.token.permit.take().unwrap().defer());
            }
        }
        // The requests are answered, but their places are not back yet.
        assert_eq!((deferred, gate.counts()), (2, (2, 2)));
        assert!(drain(&gate).is_empty());
        gate.release_many(deferred);
        let next = drain(&gate);
        assert_eq!(next.iter().map(tag).collect::<Vec<_>>(), [Some(3), Some(4)]);
        assert_eq!(gate.counts(), (2, 0));
    }

    #[test]
    fn a_failed_encoding_leaves_nothing_in_the_batch_and_takes_no_permit() {
        let gate = Gate::new(4);
        let (a, _ra) = send_encoded(&gate, 1, 8);
        assert!(a.is_ok());
        let (token, rx) = new_token();
        let failed = gate.send_encoded(OpCode::GetData, None, token, |f| {
            f.extend_from_slice(b"partial");
            Err(Error::Protocol("no".into()))
        });
        assert!(matches!(failed, Err(Error::Protocol(_))));
        assert!(rx.is_finished(), "the failed request's token was dropped");
        let (b, _rb) = send_encoded(&gate, 2, 3);
        assert!(b.is_ok());
        assert_eq!(gate.counts(), (2, 0));
        let mut batch = Batch::default();
        gate.take_ready(&mut batch);
        assert_eq!(frames(&mut batch), [(1, 8, true), (2, 3, true)]);
        assert_eq!(batch.frames.len(), 11);
        // A shut gate refuses without encoding.
        gate.shut();
        let (token, rx) = new_token();
        let refused = gate.send_encoded(OpCode::GetData, None, token, |_| {
            panic!("encoded for a shut gate")
        });
        assert!(matches!(refused, Err(Error::Closed)));
        assert!(rx.is_finished());
    }

    #[test]
    fn beyond_the_bound_calls_wait_and_go_through_in_call_order() {
        let gate = Gate::new(2);
        let mut replies = Vec::new();
        for t in 1..=5 {
            let (cmd, r) = request(t);
            replies.push(r);
            gate.send(cmd).unwrap();
        }
        // Auth keeps its place behind the waiting requests.
        let (reply, _auth) = crate::reply::channel();
        gate.send(Command::AddAuth {
            scheme: "digest".into(),
            credential: b"a:b".to_vec(),
            reply,
        })
        .unwrap();
        assert_eq!(gate.counts(), (2, 4));
        let mut sent = drain(&gate);
        assert_eq!(sent.iter().map(tag).collect::<Vec<_>>(), [Some(1), Some(2)]);
        // Answering one lets one more through.
        drop(sent.remove(0));
        assert_eq!(gate.counts(), (2, 3));
        let mut next = drain(&gate);
        assert_eq!(next.iter().map(tag).collect::<Vec<_>>(), [Some(3)]);
        sent.append(&mut next);
        // The caller of 4 gave up: 4 is never sent.
        replies.remove(3);
        drop(sent);
        let rest = drain(&gate);
        assert_eq!(rest.iter().map(tag).collect::<Vec<_>>(), [Some(5), None]);
        assert_eq!(gate.counts(), (1, 0));
        drop(rest);
        assert_eq!(gate.counts(), (0, 0));
    }

    #[test]
    fn a_shut_gate_fails_what_waits_and_refuses_new_calls() {
        let gate = Gate::new(1);
        let (first, r1) = request(1);
        let (second, r2) = request(2);
        gate.send(first).unwrap();
        gate.send(second).unwrap();
        assert_eq!(gate.counts(), (1, 1));
        // The I/O task ends: what it had not taken is dropped, the waiting request fails.
        gate.shut();
        assert_eq!(gate.counts(), (0, 0));
        assert!(r1.is_finished() && r2.is_finished());
        let (third, r3) = request(3);
        assert!(gate.send(third).is_err());
        assert!(r3.is_finished());
        assert_eq!(gate.counts(), (0, 0));
    }

    #[test]
    fn closing_fails_what_waits() {
        let gate = Gate::new(1);
        let (first, _r1) = request(1);
        let (second, r2) = request(2);
        gate.send(first).unwrap();
        gate.send(second).unwrap();
        gate.fail_waiting();
        assert!(r2.is_finished());
        drop(drain(&gate));
        assert_eq!(gate.counts(), (0, 0));
    }

    #[test]
    fn the_task_is_woken_once_something_is_ready() {
        use futures::task::{waker, ArcWake};
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Count(AtomicUsize);
        impl ArcWake for Count {
            fn wake_by_ref(me: &Arc<Self>) {
                me.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let w = waker(count.clone());
        let mut cx = Context::from_waker(&w);
        let gate = Gate::new(4);
        let mut out = Batch::default();
        assert!(gate.poll_ready(&mut cx, &mut out).is_pending());
        let (cmd, _r) = request(1);
        gate.send(cmd).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(gate.poll_ready(&mut cx, &mut out).is_ready());
        assert_eq!(out.cmds.len(), 1);
        // An encoded request wakes it too.
        assert!(gate.poll_ready(&mut cx, &mut Batch::default()).is_pending());
        let (sent, _r2) = send_encoded(&gate, 2, 16);
        assert!(sent.is_ok());
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
