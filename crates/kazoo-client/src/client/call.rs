//! From an operation's arguments to its answer: the frame is encoded at call time and handed
//! to the I/O task at once (which fixes the order), and small hand-written futures wait for
//! the reply and decode it.
//!
//! The futures are hand-written rather than `async` blocks for their size and cost: a
//! pipelining caller moves each future a few times (into a `FuturesUnordered`, a task), and
//! polls it once or twice, so every byte and branch here is paid per request (BENCHMARKS.md,
//! W5). The common operations also encode their frame directly from the caller's `&str`
//! ([`Client::call_path`]) instead of building an owned request record first.

use super::gate::BATCH_FRAME_MAX;
use super::{decode, Client, CommandTx, Gate};
use crate::driver::{Command, Sink, Token, TokenWatch};
use crate::error::{Error, Result};
use crate::reply::{self, ReplyRx};
use crate::session::watches::{Registration, WatchKind, WatchRegistration, WatcherId};
use crate::session::{RawReply, Request};
use crate::watch::WatchTx;
use bytes::{Bytes, BytesMut};
use kazoo_proto::{OpCode, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A watch to register with a request.
pub(crate) struct WatchSpec {
    pub kind: WatchKind,
    pub server_path: String,
    pub id: WatcherId,
    pub sink: Sink,
}

/// What few calls need, kept out of line (one pointer, and one check when the call ends).
#[derive(Debug, Default)]
struct Extras {
    /// Only when someone listens at debug level (a span costs even with no subscriber).
    span: Option<tracing::Span>,
    /// The timer of a request with a deadline, from its first poll.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// A request handed to the I/O task, waiting for its reply.
#[derive(Debug)]
pub(crate) struct Call {
    op: OpCode,
    /// The reply's slot; a call that failed before it reached the I/O task gets one that
    /// already holds its error, so there is no separate "failed" state.
    rx: ReplyRx,
    extras: Option<Box<Extras>>,
}

impl Call {
    pub(crate) fn failed(op: OpCode, e: Error) -> Call {
        Call {
            op,
            rx: ReplyRx::ready(Err(e)),
            extras: None,
        }
    }

    /// The raw reply (any error code), or a client-side failure.
    pub(crate) fn raw(self) -> RawCall {
        RawCall {
            rx: self.rx,
            extras: self.extras,
        }
    }

    /// The decoded reply; a non-zero error code becomes the matching [`Error`] naming `path`.
    pub(crate) async fn response(self, path: &str) -> Result<Response> {
        let op = self.op;
        let raw = self.raw().await?;
        decode(op, raw, path)
    }

    /// The reply turned into the operation's result by `finish`, which gets the op, the raw
    /// reply, the caller's path (for error messages; the one the call was made with) and
    /// `aux` (an operation's own fact, such as the chroot length a create strips from its
    /// answer).
    pub(crate) fn finish<T>(self, aux: usize, finish: Finish<T>) -> OpFuture<T> {
        OpFuture {
            op: self.op,
            call: self.raw(),
            aux,
            finish,
        }
    }
}

/// Waits for a [`Call`]'s raw reply. A request without a timeout carries no timer; the timer
/// of one with a deadline (kept in the reply's slot) is only created (boxed) on its first
/// poll.
#[derive(Debug)]
pub(crate) struct RawCall {
    /// Released once the call is answered (or timed out): polled again, it is closed.
    rx: ReplyRx,
    extras: Option<Box<Extras>>,
}

impl RawCall {
    /// Polls for the reply (or the call's failure); once it is there, `then` gets it with
    /// the path the call was made for.
    fn poll_then<R>(
        &mut self,
        cx: &mut Context<'_>,
        then: impl FnOnce(Result<RawReply>, &ErrPath) -> R,
    ) -> Poll<R> {
        // The reply first, like `tokio::time::timeout`: one that is already there wins over
        // an expired deadline.
        let r = match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(r) => r,
            Poll::Pending => {
                let Some(d) = self.rx.deadline() else {
                    return Poll::Pending;
                };
                let sleep = self
                    .extras
                    .get_or_insert_with(Box::default)
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(d)));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                Err(Error::Timeout)
            }
        };
        // The span exists only when someone listens at debug level. It is borrowed, not
        // cloned: every request takes this path, and cloning even no span cost it.
        let span = self.extras.as_ref().and_then(|x| x.span.as_ref());
        let _entered = span.map(tracing::Span::enter);
        if span.is_some() {
            match &r {
                Ok(raw) => tracing::debug!(err = ?raw.err, zxid = raw.zxid, "reply"),
                Err(e) => tracing::debug!(error = %e, "failed"),
            }
        }
        let out = then(r, self.rx.path());
        self.rx.release();
        Poll::Ready(out)
    }
}

impl Future for RawCall {
    type Output = Result<RawReply>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<RawReply>> {
        self.poll_then(cx, |r, _| r)
    }
}

/// Turns a raw reply into an operation's result: `(op, reply, caller's path, aux)`. The path
/// is only read (as text) to build an error.
pub(crate) type Finish<T> = fn(OpCode, RawReply, &ErrPath, usize) -> Result<T>;

/// An operation's future: the reply, decoded by its `finish` function.
#[derive(Debug)]
pub(crate) struct OpFuture<T> {
    op: OpCode,
    call: RawCall,
    aux: usize,
    finish: Finish<T>,
}

impl<T> Future for OpFuture<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        let (op, aux, finish) = (this.op, this.aux, this.finish);
        this.call
            .poll_then(cx, |r, path| r.and_then(|raw| finish(op, raw, path, aux)))
    }
}

/// The caller's path, kept for error messages and for a create's answer. A recycled reply
/// slot reuses its buffer (up to [`ErrPath::KEEP`] bytes), so setting it costs a copy and no
/// allocation, and reading it back costs no UTF-8 check (it is a `String`).
#[derive(Debug)]
pub(crate) struct ErrPath(String);

impl ErrPath {
    /// The capacity a new buffer starts with and the largest one a recycled slot keeps.
    pub(crate) const KEEP: usize = 64;

    /// No path (a receiver without a slot).
    pub(crate) const fn empty() -> ErrPath {
        ErrPath(String::new())
    }

    pub(crate) fn new(path: &str) -> ErrPath {
        let mut p = ErrPath::empty();
        p.set(path);
        p
    }

    /// Makes this `path`, reusing the buffer when it is large enough (a recycled slot's).
    pub(crate) fn set(&mut self, path: &str) {
        self.0.clear();
        self.0.reserve(path.len().max(Self::KEEP));
        self.0.push_str(path);
    }

    /// True when the buffer is larger than a recycled slot keeps.
    pub(crate) fn is_large(&self) -> bool {
        self.0.capacity() > Self::KEEP
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Writes the length prefix of `frame` (its first 4 bytes), refusing a frame whose body is
/// over `limit` bytes.
fn seal(frame: &mut [u8], limit: usize) -> Result<()> {
    let size = frame.len().saturating_sub(4);
    // The error is built only on failure (an eager `ok_or` built and dropped one per request).
    let len = match i32::try_from(size) {
        Ok(len) if size <= limit => len,
        _ => return Err(Error::TooLarge { size, limit }),
    };
    frame[..4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// How [`Client::hand_over`] gives the gate a request with a frame of its own (its xid is
/// filled in when it is written).
fn built(
    op: OpCode,
    frame: Bytes,
) -> impl FnOnce(&Arc<Gate>, Option<Registration<WatchTx>>, Token) -> Result<()> {
    move |gate, watch, token| {
        let req = Request {
            op,
            frame,
            watch,
            token,
        };
        gate.send(Command::Request(req)).map_err(|_| Error::Closed)
    }
}

impl Client {
    /// The length of the chroot as servers prefix it to paths (0 without one).
    pub(crate) fn chroot_len(&self) -> usize {
        // A chroot is a valid path other than `/` (`HostList::parse`): no trailing slash.
        self.inner.chroot.as_deref().map_or(0, str::len)
    }

    /// A request whose body starts with a path, encoded straight from `path` (validated
    /// first): length prefix, header with a placeholder xid, the chroot-prefixed path, then
    /// what `body` appends (`extra` bytes). The frame is then handed to the I/O task with
    /// `watch`, if any: a small one is written straight into the batch the task takes next
    /// (see the gate), a large one into an exactly sized allocation of its own.
    pub(crate) fn call_path(
        &self,
        op: OpCode,
        path: &str,
        sequential: bool,
        extra: usize,
        watch: Option<WatchSpec>,
        body: impl FnOnce(&mut Vec<u8>) -> Result<()>,
    ) -> Call {
        if let Err(e) = kazoo_proto::validate_path(path, sequential) {
            let e = Error::InvalidPath {
                path: path.to_owned(),
                reason: e.to_string(),
            };
            return Call::failed(op, e);
        }
        let root = self.inner.chroot.as_deref().unwrap_or("");
        let tail = if !root.is_empty() && path == "/" {
            ""
        } else {
            path
        };
        let path_len = root.len() + tail.len();
        let size = 16 + path_len + extra;
        let limit = self.inner.max_request_size;
        // One header write, then the path and the body; sealed last.
        let write = move |f: &mut Vec<u8>| -> Result<()> {
            let at = f.len();
            let mut head = [0u8; 16];
            head[8..12].copy_from_slice(&op.code().to_be_bytes());
            head[12..16].copy_from_slice(&(path_len as i32).to_be_bytes());
            f.reserve(size);
            f.extend_from_slice(&head);
            f.extend_from_slice(root.as_bytes());
            f.extend_from_slice(tail.as_bytes());
            body(f)?;
            seal(&mut f[at..], limit)
        };
        if size <= BATCH_FRAME_MAX {
            let encoded =
                move |gate: &Arc<Gate>, watch, token| gate.send_encoded(op, watch, token, write);
            return self.hand_over(op, path, Some(path), watch, encoded);
        }
        let mut frame = Vec::with_capacity(size);
        match write(&mut frame) {
            // Exactly sized, so it becomes `Bytes` without a copy or a second allocation.
            Ok(()) => self.hand_over(op, path, Some(path), watch, built(op, frame.into())),
            Err(e) => Call::failed(op, e),
        }
    }

    /// Appends node data as a length-prefixed buffer.
    pub(crate) fn put_data(&self, f: &mut Vec<u8>, data: &[u8]) -> Result<()> {
        let len = i32::try_from(data.len()).map_err(|_| Error::TooLarge {
            size: data.len(),
            limit: self.inner.max_request_size,
        })?;
        f.extend_from_slice(&len.to_be_bytes());
        f.extend_from_slice(data);
        Ok(())
    }

    /// Encodes `req` and hands it to the I/O task now; the returned [`Call`] waits for the
    /// reply.
    pub(crate) fn call(&self, req: kazoo_proto::Request, watch: Option<WatchSpec>) -> Call {
        let op = req.op_code();
        // Sized once so encoding never reallocates; `freeze` then hands the same allocation on.
        let mut frame = BytesMut::with_capacity(req.encoded_len());
        if let Err(e) = req.encode_frame(0, &mut frame) {
            return Call::failed(op, Error::Protocol(e.to_string()));
        }
        self.send_frame(op, frame.freeze(), req.path(), watch)
    }

    /// Hands a complete frame (its xid is filled in when it is written) to the I/O task.
    pub(crate) fn send_frame(
        &self,
        op: OpCode,
        frame: Bytes,
        path: Option<&str>,
        watch: Option<WatchSpec>,
    ) -> Call {
        let limit = self.inner.max_request_size;
        let size = frame.len().saturating_sub(4);
        if size > limit {
            return Call::failed(op, Error::TooLarge { size, limit });
        }
        self.hand_over(op, "", path, watch, built(op, frame))
    }

    /// Hands a request to the I/O task now through `send` (which gives it to the gate with
    /// its watch registration and token); the returned [`Call`] waits for its reply, whose
    /// errors name `err_path`.
    fn hand_over(
        &self,
        op: OpCode,
        err_path: &str,
        path: Option<&str>,
        watch: Option<WatchSpec>,
        send: impl FnOnce(&Arc<Gate>, Option<Registration<WatchTx>>, Token) -> Result<()>,
    ) -> Call {
        let extras = tracing::enabled!(tracing::Level::DEBUG).then(|| {
            Box::new(Extras {
                span: Some(tracing::debug_span!(
                    "zk_request",
                    op = ?op,
                    path = path.unwrap_or("")
                )),
                sleep: None,
            })
        });
        // Borrowed under the read lock rather than cloned: no reference-count traffic per
        // request. The gate never touches this lock.
        let cmd_slot = self.cmd();
        let Some(gate) = cmd_slot.as_ref().map(CommandTx::gate) else {
            return Call::failed(op, Error::Closed);
        };
        // The per-request timeout counts from the call, also while it waits for the bound
        // or a connection, not from the first poll.
        let deadline = self
            .inner
            .request_timeout
            .map(|t| tokio::time::Instant::now() + t);
        let (reply, rx) = reply::channel_for(err_path, deadline);
        let (registration, token_watch) = match watch {
            Some(w) => {
                let (sink, token_watch) = match w.sink {
                    Sink::Once(tx) => {
                        let probe = tx.probe();
                        (Some(tx), TokenWatch::Once(probe))
                    }
                    Sink::Stream(tx) => (None, TokenWatch::Stream(Box::new((w.id, tx)))),
                };
                let registration = WatchRegistration {
                    kind: w.kind,
                    path: w.server_path.into_boxed_str(),
                    watcher: w.id,
                    sink,
                };
                (Some(Box::new(registration)), Some(token_watch))
            }
            None => (None, None),
        };
        let token = Token {
            reply,
            watch: token_watch,
            permit: None,
        };
        if let Err(e) = send(gate, registration, token) {
            return Call::failed(op, e);
        }
        Call { op, rx, extras }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_writes_the_length_and_refuses_a_body_over_the_limit() {
        let mut f = vec![0u8; 4 + 10];
        seal(&mut f, 10).unwrap();
        assert_eq!(&f[..4], &10i32.to_be_bytes());
        match seal(&mut f, 9) {
            Err(Error::TooLarge { size, limit }) => assert_eq!((size, limit), (10, 9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_paths_keep_short_and_long_paths_and_reuse_their_buffer() {
        let mut p = ErrPath::new("/a/b");
        assert_eq!(p.as_str(), "/a/b");
        assert!(!p.is_large());
        let buf = p.as_str().as_ptr();
        let edge = format!("/{}", "é".repeat(31)); // 63 bytes: still fits the kept buffer
        p.set(&edge);
        assert_eq!(p.as_str(), edge);
        assert_eq!(p.as_str().as_ptr(), buf, "a short path reuses the buffer");
        p.set("/c");
        assert_eq!(p.as_str(), "/c", "nothing of the longer path is left");
        let long = format!("/{}", "x".repeat(200));
        p.set(&long);
        assert_eq!(p.as_str(), long);
        assert!(
            p.is_large(),
            "a long path's buffer is not kept by a recycled slot"
        );
        assert_eq!(ErrPath::new(&long).as_str(), long);
        assert_eq!(ErrPath::empty().as_str(), "");
    }
}
