//! The bound on requests outstanding (ARCHITECTURE principle 6) that keeps call-time order.
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
//! Waiting is not done inside the caller's future on purpose: futures polled out of call
//! order (`b.await` before `a.await`) would otherwise deadlock, since `b` must not overtake
//! `a`.

use crate::driver::Command;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc::{self, error::SendError};

/// The gate in front of one I/O task's command channel.
#[derive(Debug)]
pub(crate) struct Gate {
    limit: usize,
    tx: mpsc::WeakUnboundedSender<Command>,
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    outstanding: usize,
    waiting: VecDeque<Command>,
}

/// The I/O task behind the gate has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskGone;

/// One outstanding request's place; dropping it lets the next waiting command through.
#[derive(Debug)]
pub(crate) struct Permit {
    gate: Option<Arc<Gate>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

/// Requests count against the bound; other commands only keep their place.
fn counted(cmd: &Command) -> bool {
    matches!(cmd, Command::Request(_))
}

/// A request nobody waits for any more.
fn abandoned(cmd: &Command) -> bool {
    matches!(cmd, Command::Request(r) if r.token.reply.is_closed())
}

fn permit_slot(cmd: &mut Command) -> Option<&mut Option<Permit>> {
    match cmd {
        Command::Request(r) => Some(&mut r.token.permit),
        _ => None,
    }
}

impl Gate {
    /// A gate letting at most `limit` (at least 1) requests through to `tx`'s receiver. It
    /// holds `tx` weakly: the channel still closes when every client handle is gone.
    pub(crate) fn new(limit: usize, tx: &mpsc::UnboundedSender<Command>) -> Arc<Gate> {
        Arc::new(Gate {
            limit: limit.max(1),
            tx: tx.downgrade(),
            state: Mutex::new(GateState::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `cmd` to the I/O task now, or queues it behind earlier calls. Fails (dropping
    /// `cmd`, which its caller sees as the channel's end) when the I/O task is gone.
    pub(crate) fn send(self: &Arc<Self>, cmd: Command) -> Result<(), TaskGone> {
        let mut st = self.lock();
        let Some(tx) = self.tx.upgrade() else {
            drop(st);
            return Err(TaskGone);
        };
        if !st.waiting.is_empty() || (counted(&cmd) && st.outstanding >= self.limit) {
            st.waiting.push_back(cmd);
            return Ok(());
        }
        let cmd = self.attach(&mut st, cmd);
        // Sent under the lock: concurrent calls reach the channel in the order they got in.
        let unsent = match tx.send(cmd) {
            Ok(()) => return Ok(()),
            Err(SendError(mut cmd)) => {
                Self::detach(&mut st, &mut cmd);
                cmd
            }
        };
        drop(st);
        drop(unsent);
        Err(TaskGone)
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

    /// Takes back the permit of a command that could not be sent, without running its drop
    /// (we hold the lock its drop would take).
    fn detach(st: &mut GateState, cmd: &mut Command) {
        if let Some(mut p) = permit_slot(cmd).and_then(Option::take) {
            p.gate = None;
            st.outstanding -= 1;
        }
    }

    fn release(self: Arc<Self>) {
        let mut dropped = Vec::new();
        {
            let mut st = self.lock();
            st.outstanding = st.outstanding.saturating_sub(1);
            self.promote(&mut st, &mut dropped);
        }
        // Dropped outside the lock; they carry no permit, so nothing comes back here.
        drop(dropped);
    }

    /// Lets waiting commands through, in order, while permits allow.
    fn promote(self: &Arc<Self>, st: &mut GateState, dropped: &mut Vec<Command>) {
        let Some(tx) = self.tx.upgrade() else {
            dropped.extend(st.waiting.drain(..));
            return;
        };
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
            if let Err(SendError(mut cmd)) = tx.send(cmd) {
                Self::detach(st, &mut cmd);
                dropped.push(cmd);
                dropped.extend(st.waiting.drain(..));
                return;
            }
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
                sink: None,
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

    fn drain(rx: &mut mpsc::UnboundedReceiver<Command>) -> Vec<Command> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[test]
    fn beyond_the_bound_calls_wait_and_go_through_in_call_order() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let gate = Gate::new(2, &tx);
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
        let mut sent = drain(&mut rx);
        assert_eq!(sent.iter().map(tag).collect::<Vec<_>>(), [Some(1), Some(2)]);
        // Answering one lets one more through.
        drop(sent.remove(0));
        assert_eq!(gate.counts(), (2, 3));
        let mut next = drain(&mut rx);
        assert_eq!(next.iter().map(tag).collect::<Vec<_>>(), [Some(3)]);
        sent.append(&mut next);
        // The caller of 4 gave up: 4 is never sent.
        replies.remove(3);
        drop(sent);
        let rest = drain(&mut rx);
        assert_eq!(rest.iter().map(tag).collect::<Vec<_>>(), [Some(5), None]);
        assert_eq!(gate.counts(), (1, 0));
        drop(rest);
        assert_eq!(gate.counts(), (0, 0));
    }

    #[test]
    fn a_closed_task_fails_the_waiting_room_and_frees_every_permit() {
        let (tx, rx) = mpsc::unbounded_channel();
        let gate = Gate::new(1, &tx);
        let (first, _r1) = request(1);
        let (second, mut r2) = request(2);
        gate.send(first).unwrap();
        gate.send(second).unwrap();
        assert_eq!(gate.counts(), (1, 1));
        // The I/O task ends: what it held is dropped, the waiting request fails.
        drop(rx);
        assert_eq!(gate.counts(), (0, 0));
        assert!(r2.is_finished());
        let (third, _r3) = request(3);
        assert!(gate.send(third).is_err());
        assert_eq!(gate.counts(), (0, 0));
        // Every strong sender gone: the gate does not keep the channel open.
        let (tx2, mut rx2) = mpsc::unbounded_channel::<Command>();
        let gate2 = Gate::new(1, &tx2);
        drop(tx2);
        assert!(rx2.try_recv().is_err());
        let (fourth, _r4) = request(4);
        assert!(gate2.send(fourth).is_err());
        drop(tx);
    }

    #[test]
    fn closing_fails_what_waits() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let gate = Gate::new(1, &tx);
        let (first, _r1) = request(1);
        let (second, mut r2) = request(2);
        gate.send(first).unwrap();
        gate.send(second).unwrap();
        gate.fail_waiting();
        assert!(r2.is_finished());
        drop(drain(&mut rx));
        assert_eq!(gate.counts(), (0, 0));
    }
}
