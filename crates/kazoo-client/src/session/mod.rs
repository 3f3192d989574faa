//! The sans-io session machine: connect handshake, ping schedule, read and connect timeouts,
//! reconnect with session id / password / `lastZxidSeen`, expiry, auth replay, SetWatches
//! replay, FIFO reply matching with an xid check, and the watch registry.
//!
//! It takes bytes and `now` as inputs and hands back bytes to send, the next deadline and
//! [`Output`]s; it never touches a socket, a runtime or the clock, so every timing rule is a
//! deterministic unit test. It lives in the client crate rather than in `kazoo-proto` because it
//! owns client concerns (the watch registry, the pending-request queue with its per-request
//! tokens, the connection-state model the client announces), while `kazoo-proto` stays a pure
//! codec that servers, tools and fuzzers can use without any of that.
//!
//! The driver's contract: call [`SessionCore::handle_connecting`] when it starts opening a
//! transport, [`SessionCore::handle_transport_connected`] when it is open,
//! [`SessionCore::handle_read`] with received bytes, [`SessionCore::handle_transport_lost`] when it
//! closes, and [`SessionCore::handle_timeout`] at [`SessionCore::poll_timeout`]; after each call
//! write out [`SessionCore::take_transmit`] and act on every [`SessionCore::poll_output`] (an
//! [`Output::Disconnect`] means: drop the transport now).

pub mod read_only;
pub mod watches;
pub mod wire;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_read_only;

use crate::error::Error;
use crate::sasl::exchange::{SaslExchange, SaslProgress};
use crate::sasl::SaslCredentials;
use crate::state::SessionState;
use crate::watch::WatchedEvent;
use bytes::{Buf, Bytes, BytesMut};
use kazoo_proto::types::xid;
use kazoo_proto::{Decode, ErrorCode, EventType, KeeperState, OpCode, Reader};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use watches::{Fired, Registration, WatchKind, WatchRegistry, WatcherId};
use wire::{ConnectRequest, ConnectResponse, ReplyHeader, SetWatches2};

/// What the session machine needs to know up front.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The session timeout asked of the server.
    pub session_timeout: Duration,
    /// Whether a read-only server may serve us.
    pub read_only: bool,
    /// The chroot (without trailing slash), stripped from notification paths.
    pub chroot: Option<String>,
    /// SASL credentials to log in with on every connection, right after the handshake and
    /// before auth replay, watch replay and queued requests (`Debug` hides the password).
    pub sasl: Option<SaslCredentials>,
}

/// A request on its way to the server: an encoded frame whose xid (bytes 4..8) the machine
/// fills in when it sends it, and the caller's token that comes back with the reply.
#[derive(Debug)]
pub struct Request<T, S = ()> {
    /// The op, for routing the reply and logging.
    pub op: OpCode,
    /// The complete frame: length prefix, header with a placeholder xid, body.
    pub frame: Bytes,
    /// A watch to record when the reply says it was set.
    pub watch: Option<Registration<S>>,
    /// Handed back in [`Output::Reply`].
    pub token: T,
}

/// A reply as the server sent it; the operation layer decodes the body.
#[derive(Debug, Clone)]
pub struct RawReply {
    /// The zxid of the reply header.
    pub zxid: i64,
    /// The error code of the reply header.
    pub err: ErrorCode,
    /// The body after the header.
    pub body: Bytes,
    /// True when the request carried a watch and the watch was recorded.
    pub watch_set: bool,
}

/// Something the driver must act on.
#[derive(Debug)]
pub enum Output<T, S = ()> {
    /// A request finished (a reply, or a client-side failure such as a lost connection).
    Reply {
        /// The token given with the request.
        token: T,
        /// The reply or the failure.
        result: Result<RawReply, Error>,
    },
    /// Watchers to notify; each watcher appears once.
    Watch {
        /// Whom to tell: each watcher's id, with its sink when the event consumed its
        /// registration (one-shot watches, removals, session end).
        watchers: Vec<Fired<S>>,
        /// What happened (chroot-relative path).
        event: WatchedEvent,
    },
    /// The detailed session state changed.
    State(SessionState),
    /// The transport must be dropped now (protocol error, timeout, expiry...).
    Disconnect(String),
    /// Connected read-only: ask the other servers whether they serve read-write (`isro`)
    /// and report with [`SessionCore::handle_rw_probe`] and this round.
    ProbeRw {
        /// Identifies the round in the answer.
        round: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No transport and none being opened.
    Idle,
    /// The driver is opening a transport.
    Connecting { deadline: Instant },
    /// The handshake was sent; waiting for its answer.
    Handshake { deadline: Instant },
    /// Session established; logging in with SASL before anything else is sent.
    Sasl { read_only: bool, deadline: Instant },
    /// Session established; replaying auth before announcing the connection.
    Syncing { read_only: bool },
    /// Session established and announced.
    Connected { read_only: bool },
    /// closeSession sent.
    Closing { deadline: Instant },
    /// Closed for good (also after an auth failure).
    Closed,
}

enum InFlightKind<T, S> {
    User {
        token: T,
        /// Boxed: most requests set no watch, and every request's record is moved into and
        /// out of the in-flight queue (a smaller record is moved without a `memcpy` call).
        watch: Option<Registration<S>>,
    },
    CloseSession,
}

struct InFlight<T, S> {
    xid: i32,
    op: OpCode,
    kind: InFlightKind<T, S>,
}

#[derive(Clone, PartialEq, Eq)]
struct AuthData {
    scheme: String,
    credential: Vec<u8>,
}

/// The session state machine, generic over the token the caller attaches to each request.
pub struct SessionCore<T, S = ()> {
    cfg: SessionConfig,
    phase: Phase,
    announced: Option<SessionState>,
    session_id: i64,
    password: Vec<u8>,
    negotiated: Option<Duration>,
    last_zxid: i64,
    seen_rw: bool,
    next_xid: i32,
    host_count: u32,
    queued: VecDeque<Request<T, S>>,
    in_flight: VecDeque<InFlight<T, S>>,
    auth: Vec<AuthData>,
    auth_in_flight: VecDeque<Option<T>>,
    pending_auth: Vec<(AuthData, Option<T>)>,
    watches: WatchRegistry<S>,
    transmit: BytesMut,
    /// Caller requests in `transmit` (see `take_transmit`).
    transmit_requests: usize,
    /// Reused between reads: the frames found in the last one.
    frame_bounds: Vec<(usize, usize)>,
    outputs: VecDeque<Output<T, S>>,
    last_send: Instant,
    last_recv: Instant,
    close_error: Error,
    disconnected_since: Option<Instant>,
    sasl: Option<SaslExchange>,
    fresh_session_fallback: bool,
    rw_probe: read_only::RwProbe,
}

impl<T, S> std::fmt::Debug for SessionCore<T, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCore")
            .field("phase", &self.phase)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("last_zxid", &self.last_zxid)
            .field("queued", &self.queued.len())
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

impl<T, S> SessionCore<T, S> {
    /// A machine with no session yet.
    pub fn new(cfg: SessionConfig, now: Instant) -> Self {
        SessionCore {
            cfg,
            phase: Phase::Idle,
            announced: None,
            session_id: 0,
            password: Vec::new(),
            negotiated: None,
            last_zxid: 0,
            seen_rw: false,
            next_xid: 1,
            host_count: 1,
            queued: VecDeque::new(),
            in_flight: VecDeque::new(),
            auth: Vec::new(),
            auth_in_flight: VecDeque::new(),
            pending_auth: Vec::new(),
            watches: WatchRegistry::default(),
            transmit: BytesMut::with_capacity(64 * 1024),
            transmit_requests: 0,
            frame_bounds: Vec::new(),
            outputs: VecDeque::new(),
            last_send: now,
            last_recv: now,
            close_error: Error::Closed,
            disconnected_since: None,
            sasl: None,
            fresh_session_fallback: false,
            rw_probe: read_only::RwProbe::new(),
        }
    }

    /// Resumes a known session on the next connect.
    pub fn resume(&mut self, session_id: i64, password: Vec<u8>) {
        self.session_id = session_id;
        self.password = password;
        self.seen_rw = true;
    }

    /// Tells the machine how many addresses the driver cycles through (for the per-host
    /// connect timeout).
    pub fn set_host_count(&mut self, n: usize) {
        self.host_count = n.clamp(1, u32::MAX as usize) as u32;
    }

    // ---- getters ----------------------------------------------------------------------

    /// The session id, once a session exists.
    pub fn session_id(&self) -> Option<i64> {
        (self.session_id != 0).then_some(self.session_id)
    }
    /// The session password (empty without a session).
    pub fn password(&self) -> &[u8] {
        &self.password
    }
    /// The negotiated session timeout.
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.negotiated
    }
    /// The highest zxid seen in a reply.
    pub fn last_zxid(&self) -> i64 {
        self.last_zxid
    }
    /// The effective session timeout: negotiated, or requested before that.
    pub fn session_timeout(&self) -> Duration {
        self.negotiated.unwrap_or(self.cfg.session_timeout)
    }
    /// No reply for this long means the connection is dead (2T/3).
    pub fn read_timeout(&self) -> Duration {
        self.session_timeout() * 2 / 3
    }
    /// Ping when nothing was sent for this long (T/3).
    pub fn ping_interval(&self) -> Duration {
        self.read_timeout() / 2
    }
    /// Time allowed to open a transport and complete the handshake with one host (T/n).
    pub fn connect_timeout(&self) -> Duration {
        (self.cfg.session_timeout / self.host_count).max(Duration::from_millis(100))
    }
    /// True while a session is established on an open transport.
    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Syncing { .. } | Phase::Connected { .. })
    }
    /// True when connected to a read-only server.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self.phase,
            Phase::Syncing { read_only: true } | Phase::Connected { read_only: true }
        )
    }
    /// True once closed (or stopped by an auth failure).
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }
    /// True when a transport is wanted: not closed and none open or opening.
    pub fn wants_transport(&self) -> bool {
        self.phase == Phase::Idle
    }
    /// Requests waiting for a connection.
    pub fn queued_len(&self) -> usize {
        self.queued.len()
    }
    /// Requests sent and not answered yet.
    pub fn in_flight_len(&self) -> usize {
        self.in_flight.len()
    }
    /// The watch registry (read-only view).
    pub fn watches(&self) -> &WatchRegistry<S> {
        &self.watches
    }
    /// The chroot.
    pub fn chroot(&self) -> Option<&str> {
        self.cfg.chroot.as_deref()
    }

    // ---- outputs -----------------------------------------------------------------------

    /// Moves the bytes to send into `out`.
    ///
    /// Returns how many caller requests the bytes hold (pings, handshakes and the like are
    /// not counted), so that a driver can coalesce writes under a deep pipeline.
    pub fn take_transmit(&mut self, out: &mut BytesMut) -> usize {
        if out.is_empty() {
            // The usual case (all written): the buffers are swapped, not copied. Both keep
            // their allocations, so neither grows (and reallocates) again on every batch; an
            // empty buffer whose start was advanced by writes takes its room back on its
            // next write, without copying.
            std::mem::swap(out, &mut self.transmit);
        } else {
            out.extend_from_slice(&self.transmit);
        }
        self.transmit.clear();
        std::mem::take(&mut self.transmit_requests)
    }

    /// True when bytes wait to be sent.
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty()
    }

    /// The next thing the driver must act on.
    pub fn poll_output(&mut self) -> Option<Output<T, S>> {
        self.outputs.pop_front()
    }

    /// When [`SessionCore::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.phase_deadline(),
            self.give_up_deadline(),
            self.rw_probe_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn phase_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Connecting { deadline }
            | Phase::Handshake { deadline }
            | Phase::Sasl { deadline, .. }
            | Phase::Closing { deadline } => Some(deadline),
            Phase::Syncing { .. } | Phase::Connected { .. } => Some(
                (self.last_recv + self.read_timeout()).min(self.last_send + self.ping_interval()),
            ),
            Phase::Idle | Phase::Closed => None,
        }
    }

    // ---- inputs ------------------------------------------------------------------------

    /// The driver starts opening a transport.
    pub fn handle_connecting(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Closed | Phase::Closing { .. }) {
            return;
        }
        self.phase = Phase::Connecting {
            deadline: now + self.connect_timeout(),
        };
        self.announce(SessionState::Connecting);
    }

    /// The transport is open: send the handshake.
    pub fn handle_transport_connected(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Connecting { .. } | Phase::Idle) {
            return;
        }
        self.transmit.clear();
        self.transmit_requests = 0;
        self.next_xid = 1;
        let session_id = self.handshake_session_id();
        let req = ConnectRequest {
            last_zxid_seen: self.last_zxid,
            timeout_ms: duration_ms(self.cfg.session_timeout),
            session_id,
            password: if session_id == 0 {
                vec![0; 16]
            } else {
                self.password.clone()
            },
            read_only: self.cfg.read_only,
        };
        tracing::debug!(?req, "sending handshake");
        req.write_frame(&mut self.transmit);
        self.last_send = now;
        self.last_recv = now;
        self.phase = Phase::Handshake {
            deadline: now + self.handshake_timeout(session_id != 0),
        };
    }

    /// Time allowed for the handshake's answer. Resuming a session, a third of the session
    /// timeout at most: the session survives only if some handshake reaches the server in
    /// time, and a server can accept a connection and never answer it (ZooKeeper 3.8 does,
    /// now and then, while it restarts); waiting the whole connect timeout on that one
    /// attempt would let the session expire. A third leaves room for two more attempts.
    fn handshake_timeout(&self, resuming: bool) -> Duration {
        let t = self.connect_timeout();
        if resuming {
            t.min(self.session_timeout() / 3)
                .max(Duration::from_millis(100))
        } else {
            t
        }
    }

    /// The transport closed or could not be opened.
    pub fn handle_transport_lost(&mut self, now: Instant, reason: &str) {
        let _ = now;
        match self.phase {
            Phase::Closed => return,
            Phase::Closing { .. } => {
                self.finish_close();
                return;
            }
            _ => {}
        }
        self.note_refused_handshake();
        tracing::info!(reason, "connection lost");
        self.drop_connection_state(Error::ConnectionLoss);
        self.phase = Phase::Idle;
        self.announce(SessionState::Connecting);
    }

    /// Feeds received bytes; complete frames are taken out of `buf`, a partial one stays.
    pub fn handle_read(&mut self, now: Instant, buf: &mut BytesMut) {
        self.handle_read_with(now, buf, &mut ());
    }

    /// Like [`SessionCore::handle_read`], handing each reply that `sink` takes straight to
    /// it instead of queueing it as an [`Output::Reply`]. Only while no output is queued: a
    /// reply never overtakes an event, a state change or an earlier reply.
    pub fn handle_read_with(
        &mut self,
        now: Instant,
        buf: &mut BytesMut,
        sink: &mut impl ReplySink<T>,
    ) {
        if !matches!(
            self.phase,
            Phase::Handshake { .. }
                | Phase::Sasl { .. }
                | Phase::Syncing { .. }
                | Phase::Connected { .. }
                | Phase::Closing { .. }
        ) {
            buf.clear();
            return;
        }
        let mut bounds = std::mem::take(&mut self.frame_bounds);
        let (chunk, split) = wire::split_frames(buf, &mut bounds);
        let mut alive = true;
        for &(start, end) in &bounds {
            self.last_recv = now;
            if let Err(reason) = self.handle_frame(now, chunk.slice(start..end), sink) {
                buf.clear();
                self.reset(now, reason);
                alive = false;
                break;
            }
            if !matches!(
                self.phase,
                Phase::Handshake { .. }
                    | Phase::Sasl { .. }
                    | Phase::Syncing { .. }
                    | Phase::Connected { .. }
                    | Phase::Closing { .. }
            ) {
                buf.clear();
                alive = false;
                break;
            }
        }
        bounds.clear();
        self.frame_bounds = bounds;
        if let (true, Err(reason)) = (alive, split) {
            buf.clear();
            self.reset(now, reason);
        }
    }

    /// Checks deadlines; call at [`SessionCore::poll_timeout`] (early calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.maybe_give_up(now) {
            return;
        }
        match self.phase {
            Phase::Connecting { deadline } | Phase::Handshake { deadline } if now >= deadline => {
                self.reset(now, "connect timeout".to_owned());
            }
            Phase::Sasl { deadline, .. } if now >= deadline => {
                self.reset(now, "SASL authentication timed out".to_owned());
            }
            Phase::Closing { deadline } if now >= deadline => {
                self.finish_close();
                self.outputs
                    .push_back(Output::Disconnect("close timed out".to_owned()));
            }
            Phase::Syncing { .. } | Phase::Connected { .. } => {
                if now.saturating_duration_since(self.last_recv) >= self.read_timeout() {
                    let reason = format!(
                        "no reply from the server for {:?} (read timeout)",
                        now.saturating_duration_since(self.last_recv)
                    );
                    self.reset(now, reason);
                } else if now.saturating_duration_since(self.last_send) >= self.ping_interval() {
                    wire::write_header_only(&mut self.transmit, xid::PING, OpCode::Ping);
                    self.last_send = now;
                }
            }
            _ => {}
        }
        self.poll_rw_probe(now);
    }

    /// Queues a request; it is sent at once when connected, else after the next handshake.
    /// The order of calls is the order on the wire.
    pub fn submit(&mut self, now: Instant, req: Request<T, S>) {
        match self.phase {
            Phase::Closed | Phase::Closing { .. } => {
                let err = self.close_error.clone();
                self.outputs.push_back(Output::Reply {
                    token: req.token,
                    result: Err(err),
                });
            }
            _ if self.sends_now() => self.send_request(now, req),
            _ => self.queued.push_back(req),
        }
    }

    /// Whether a request submitted now is written at once: the session is up (or replaying
    /// its state) and nothing queued is waiting to go first.
    fn sends_now(&self) -> bool {
        matches!(self.phase, Phase::Syncing { .. } | Phase::Connected { .. })
            && self.queued.is_empty()
    }

    /// Like [`SessionCore::submit`], with the frame borrowed: it is copied into the transmit
    /// buffer when sent now, and into a frame of its own only when it has to be queued.
    pub fn submit_frame(
        &mut self,
        now: Instant,
        op: OpCode,
        frame: &[u8],
        watch: Option<Registration<S>>,
        token: T,
    ) {
        if self.sends_now() {
            self.write_request(now, op, frame, watch, token);
        } else {
            let frame = Bytes::copy_from_slice(frame);
            self.submit(
                now,
                Request {
                    op,
                    frame,
                    watch,
                    token,
                },
            );
        }
    }

    /// Drops queued (unsent) requests whose token fails `keep` (their caller gave up).
    pub fn retain_queued(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.queued.retain(|r| keep(&r.token));
    }

    /// Adds credentials, replayed on every reconnect before `Connected` is announced. The
    /// token, if any, gets the server's answer (or the failure).
    pub fn add_auth(&mut self, now: Instant, scheme: &str, credential: &[u8], token: Option<T>) {
        let data = AuthData {
            scheme: scheme.to_owned(),
            credential: credential.to_vec(),
        };
        if self.phase == Phase::Closed {
            if let Some(token) = token {
                let err = self.close_error.clone();
                self.outputs.push_back(Output::Reply {
                    token,
                    result: Err(err),
                });
            }
            return;
        }
        if !self.auth.contains(&data) {
            self.auth.push(data.clone());
        }
        if self.is_connected() {
            wire::write_auth(&mut self.transmit, &data.scheme, &data.credential);
            self.auth_in_flight.push_back(token);
            self.last_send = now;
        } else {
            self.pending_auth.push((data, token));
        }
    }

    /// Records a watch the caller set by other means (none today) or removes one: returns
    /// true when no watcher of that kind remains on the path (the server watch may go).
    pub fn unregister_watch(&mut self, kind: WatchKind, path: &str, watcher: WatcherId) -> bool {
        self.watches.remove(kind, path, watcher);
        !self.watches.has(kind, path)
    }

    /// True when a request on its way to the server (sent, not yet answered) sets a watch on
    /// `path`: a removeWatches sent now would reach the server after it and take that watch
    /// away, although its reply will register a watcher.
    pub fn watch_in_flight(&self, path: &str) -> bool {
        self.in_flight.iter().any(
            |f| matches!(&f.kind, InFlightKind::User { watch: Some(w), .. } if &*w.path == path),
        )
    }

    /// Removes every watcher of the given kinds on `path` locally and tells each of them with
    /// a removal event. Returns how many watchers were told.
    pub fn remove_watches_local(&mut self, kinds: &[WatchKind], path: &str) -> usize {
        let mut told = 0;
        for &kind in kinds {
            let ws = self.watches.remove_all(kind, path);
            if ws.is_empty() {
                continue;
            }
            told += ws.len();
            let event_type = match kind {
                WatchKind::Data | WatchKind::Exist => EventType::DataWatchRemoved,
                WatchKind::Child => EventType::ChildWatchRemoved,
                WatchKind::Persistent | WatchKind::PersistentRecursive => {
                    EventType::PersistentWatchRemoved
                }
            };
            self.outputs.push_back(Output::Watch {
                watchers: ws,
                event: WatchedEvent {
                    event_type,
                    keeper_state: KeeperState::SyncConnected,
                    path: self.strip_chroot(path),
                },
            });
        }
        told
    }

    /// Sends a SetWatches for the watches still registered on `path` (after a server-side
    /// removeWatches took more than the caller wanted gone).
    pub fn reregister_path(&mut self, now: Instant, path: &str) {
        if !self.is_connected() {
            return;
        }
        let mut sw = SetWatches2::default();
        for kind in WatchKind::ALL {
            if self.watches.has(kind, path) {
                list_for(&mut sw, kind).push(path.to_owned());
            }
        }
        if !sw.is_empty() {
            sw.write_frame(&mut self.transmit, self.last_zxid);
            self.last_send = now;
        }
    }

    /// Starts a graceful close: closeSession when connected, else closed at once.
    pub fn close(&mut self, now: Instant) {
        match self.phase {
            Phase::Closed | Phase::Closing { .. } => {}
            Phase::Syncing { .. } | Phase::Connected { .. } => {
                let xid = self.take_xid();
                wire::write_header_only(&mut self.transmit, xid, OpCode::CloseSession);
                self.in_flight.push_back(InFlight {
                    xid,
                    op: OpCode::CloseSession,
                    kind: InFlightKind::CloseSession,
                });
                self.last_send = now;
                let wait = self.read_timeout().min(Duration::from_secs(2));
                self.phase = Phase::Closing {
                    deadline: now + wait,
                };
                for r in std::mem::take(&mut self.queued) {
                    self.outputs.push_back(Output::Reply {
                        token: r.token,
                        result: Err(Error::Closed),
                    });
                }
            }
            _ => self.finish_close(),
        }
    }

    // ---- internals ---------------------------------------------------------------------

    fn announce(&mut self, s: SessionState) {
        if s.is_connected() {
            self.disconnected_since = None;
        } else if self.disconnected_since.is_none() && self.session_id != 0 {
            self.disconnected_since = Some(self.last_recv);
        }
        if self.announced != Some(s) {
            self.announced = Some(s);
            self.rw_probe_on_announce(s);
            match s {
                SessionState::Connecting => tracing::info!("connecting"),
                _ => {
                    tracing::info!(state = ?s, session_id = format_args!("{:#x}", self.session_id), "session state")
                }
            }
            self.outputs.push_back(Output::State(s));
        }
    }

    fn take_xid(&mut self) -> i32 {
        bump_xid(&mut self.next_xid)
    }

    fn send_request(&mut self, now: Instant, req: Request<T, S>) {
        let Request {
            op,
            frame,
            watch,
            token,
        } = req;
        self.write_request(now, op, &frame, watch, token);
    }

    /// Writes a request's frame `f` into the transmit buffer with the next xid, and records it
    /// as in flight.
    fn write_request(
        &mut self,
        now: Instant,
        op: OpCode,
        f: &[u8],
        watch: Option<Registration<S>>,
        token: T,
    ) {
        if f.len() < 12 {
            self.fail_short_frame(token);
            return;
        }
        let (xid, recursive) = self.prepare(op, &watch);
        let at = self.transmit.len();
        self.transmit.extend_from_slice(f);
        stamp(&mut self.transmit[at..], xid, recursive);
        self.last_send = now;
        self.record(xid, op, watch, token);
    }

    /// Sends requests whose frames lie back to back in `frames` from `from` on, in order
    /// (each item: its op, frame length, watch and token), as [`SessionCore::submit_frame`]
    /// would one by one, with their xids written into `frames` and one copy into the transmit
    /// buffer for them all; none when they are all of `frames` and nothing else waits to be
    /// sent: the buffers are then swapped (`frames` comes back empty). Returns how many bytes
    /// of `frames` the requests took.
    pub fn submit_frames(
        &mut self,
        now: Instant,
        frames: &mut Vec<u8>,
        from: usize,
        reqs: impl Iterator<Item = (OpCode, usize, Option<Registration<S>>, T)>,
    ) -> usize {
        let total = frames.len();
        let end_of = |at: usize, len: usize| at.saturating_add(len).min(total);
        // A start past the end (a caller's bug) takes nothing rather than panicking.
        let from = from.min(total);
        let mut at = from;
        if !self.sends_now() {
            for (op, len, watch, token) in reqs {
                let end = end_of(at, len);
                let frame = frames
                    .get(at..end)
                    .filter(|f| f.len() == len)
                    .unwrap_or(&[]);
                self.submit_frame(now, op, frame, watch, token);
                at = end;
            }
            return at - from;
        }
        // `frames[copied..at]` is stamped and still to be sent.
        let mut copied = at;
        let mut sent = false;
        for (op, len, watch, token) in reqs {
            let end = end_of(at, len);
            match frames
                .get_mut(at..end)
                .filter(|f| f.len() == len && len >= 12)
            {
                Some(f) => {
                    let (xid, recursive) = self.prepare(op, &watch);
                    stamp(f, xid, recursive);
                    self.record(xid, op, watch, token);
                    sent = true;
                }
                None => {
                    // Not a request: its bytes must not go out.
                    self.transmit.extend_from_slice(&frames[copied..at]);
                    copied = end;
                    self.fail_short_frame(token);
                }
            }
            at = end;
        }
        if sent && copied == 0 && at == total && self.transmit.is_empty() {
            // Both conversions keep the allocation (the buffers are not shared).
            let run = BytesMut::from(Bytes::from(std::mem::take(frames)));
            let mut old = std::mem::replace(&mut self.transmit, run);
            old.clear();
            *frames = old.into();
        } else {
            self.transmit.extend_from_slice(&frames[copied..at]);
        }
        if sent {
            self.last_send = now;
        }
        at - from
    }

    /// Fails a request whose frame cannot even hold a header.
    fn fail_short_frame(&mut self, token: T) {
        self.outputs.push_back(Output::Reply {
            token,
            result: Err(Error::Protocol(
                "request frame shorter than a header".into(),
            )),
        });
    }

    /// The xid of a request about to be written, and whether its frame's last field must say
    /// "recursive": see `WatchRegistry::synthesized_children_changed` (an addWatch for a path
    /// that already has a recursive watch keeps the server's mode recursive; the mode is the
    /// last field of the addWatch body).
    fn prepare(&mut self, op: OpCode, watch: &Option<Registration<S>>) -> (i32, bool) {
        let recursive = matches!(watch, Some(w) if op == OpCode::AddWatch
            && w.kind == WatchKind::Persistent
            && self.watches.has(WatchKind::PersistentRecursive, &w.path));
        (self.take_xid(), recursive)
    }

    /// Records a written request as in flight.
    #[inline(always)]
    fn record(&mut self, xid: i32, op: OpCode, watch: Option<Registration<S>>, token: T) {
        self.transmit_requests += 1;
        self.in_flight.push_back(InFlight {
            xid,
            op,
            kind: InFlightKind::User { token, watch },
        });
    }

    fn flush_queued(&mut self, now: Instant) {
        while let Some(r) = self.queued.pop_front() {
            self.send_request(now, r);
        }
    }

    /// Fails what was in flight, forgets per-connection state; queued requests stay.
    fn drop_connection_state(&mut self, err: Error) {
        self.transmit.clear();
        self.transmit_requests = 0;
        for f in std::mem::take(&mut self.in_flight) {
            if let InFlightKind::User { token, .. } = f.kind {
                self.outputs.push_back(Output::Reply {
                    token,
                    result: Err(err.clone()),
                });
            }
        }
        // Auth packets in flight are replayed from `auth` on the next connection; their
        // callers are answered then.
        for token in std::mem::take(&mut self.auth_in_flight)
            .into_iter()
            .flatten()
        {
            self.outputs.push_back(Output::Reply {
                token,
                result: Err(err.clone()),
            });
        }
    }

    fn reset(&mut self, now: Instant, reason: String) {
        tracing::info!(%reason, "resetting the connection");
        if matches!(self.phase, Phase::Closing { .. }) {
            self.finish_close();
        } else {
            self.handle_transport_lost(now, &reason);
        }
        self.outputs.push_back(Output::Disconnect(reason));
    }

    fn fail_everything(&mut self, err: Error, keeper_state: KeeperState) {
        self.drop_connection_state(err.clone());
        for r in std::mem::take(&mut self.queued) {
            self.outputs.push_back(Output::Reply {
                token: r.token,
                result: Err(err.clone()),
            });
        }
        for (_, token) in std::mem::take(&mut self.pending_auth) {
            if let Some(token) = token {
                self.outputs.push_back(Output::Reply {
                    token,
                    result: Err(err.clone()),
                });
            }
        }
        for (w, sink, path) in self.watches.drain() {
            let path = self.strip_chroot(&path);
            self.outputs.push_back(Output::Watch {
                watchers: vec![(w, sink)],
                event: WatchedEvent {
                    event_type: EventType::None,
                    keeper_state,
                    path,
                },
            });
        }
    }

    fn finish_close(&mut self) {
        self.fail_everything(Error::Closed, KeeperState::Closed);
        self.phase = Phase::Closed;
        self.session_id = 0;
        self.password.clear();
        self.announce(SessionState::Closed);
    }

    fn expire(&mut self) {
        tracing::info!(
            session_id = format_args!("{:#x}", self.session_id),
            "session expired"
        );
        self.fail_everything(Error::SessionExpired, KeeperState::Expired);
        self.announce(SessionState::ExpiredSession);
        self.session_id = 0;
        self.password.clear();
        self.negotiated = None;
        self.last_zxid = 0;
        self.disconnected_since = None;
        self.phase = Phase::Idle;
    }

    /// The chroot-relative form of a server path (unchanged when it is outside the chroot).
    fn strip_chroot(&self, path: &str) -> String {
        let root = self.cfg.chroot.as_deref().unwrap_or("");
        kazoo_proto::path::strip_chroot(root, path)
            .unwrap_or(path)
            .to_owned()
    }

    fn handle_frame(
        &mut self,
        now: Instant,
        frame: Bytes,
        sink: &mut impl ReplySink<T>,
    ) -> Result<(), String> {
        if let Phase::Handshake { .. } = self.phase {
            let len = frame.len();
            let resp = ConnectResponse::decode(frame)
                .map_err(|e| format!("malformed connect response ({len} bytes): {e}"))?;
            self.handle_connect_response(now, resp);
            return Ok(());
        }
        let hdr = wire::reply_header(&frame).map_err(|e| format!("malformed reply header: {e}"))?;
        let mut body = frame;
        body.advance(16);
        if hdr.err == ErrorCode::SessionClosedRequireSasl.code() {
            // The server requires SASL (`enforce.auth.enabled` / `sessionRequireClientSASLAuth`)
            // and closes the connection of a client that did not log in: reconnecting would
            // only be refused again.
            self.fail_authentication(Error::SessionClosedRequireSasl);
            return Ok(());
        }
        if let Phase::Sasl { read_only, .. } = self.phase {
            return self.handle_sasl_reply(now, hdr, Reader::new(body), read_only);
        }
        match hdr.xid {
            xid::NOTIFICATION => self.handle_notification(Reader::new(body)),
            xid::PING => Ok(()),
            xid::AUTH => {
                self.handle_auth_reply(hdr.err);
                Ok(())
            }
            xid::SET_WATCHES => {
                if hdr.err != 0 {
                    tracing::warn!(err = hdr.err, "the server refused SetWatches");
                }
                Ok(())
            }
            _ => self.handle_reply(hdr, body, sink),
        }
    }

    fn handle_connect_response(&mut self, now: Instant, resp: ConnectResponse) {
        tracing::debug!(?resp, "handshake answered");
        if resp.timeout_ms <= 0 {
            self.expire();
            self.outputs
                .push_back(Output::Disconnect("session expired".to_owned()));
            return;
        }
        let same_session = self.session_id != 0 && self.session_id == resp.session_id;
        if !same_session && self.session_id != 0 {
            // We asked for a new session: the old one was born on a read-only server, which
            // only that server knew (see `read_only`). It could hold no ephemerals; its
            // watches are registered again on the new one.
            tracing::info!("the server started a new session");
        }
        self.session_id = resp.session_id;
        self.password = resp.password;
        self.negotiated = Some(Duration::from_millis(resp.timeout_ms as u64));
        self.note_session_origin(same_session, resp.read_only);
        let read_only = resp.read_only;
        self.last_send = now;
        if let Some(creds) = &self.cfg.sasl {
            let mut exchange = SaslExchange::new(creds);
            let xid = self.take_xid();
            if let Err(e) = exchange.start(xid, &mut self.transmit) {
                self.reset(now, format!("cannot start SASL authentication: {e}"));
                return;
            }
            self.sasl = Some(exchange);
            self.phase = Phase::Sasl {
                read_only,
                deadline: now + self.connect_timeout(),
            };
            return;
        }
        self.finish_handshake(now, read_only);
    }

    /// After the handshake (and the SASL login): replays auth and watches, sends what was
    /// queued, and announces the connection once the auth replies are in.
    fn finish_handshake(&mut self, now: Instant, read_only: bool) {
        for a in self.auth.clone() {
            wire::write_auth(&mut self.transmit, &a.scheme, &a.credential);
            let token = self
                .pending_auth
                .iter()
                .position(|(d, _)| *d == a)
                .and_then(|i| self.pending_auth.remove(i).1);
            self.auth_in_flight.push_back(token);
        }
        for (_, token) in std::mem::take(&mut self.pending_auth) {
            self.auth_in_flight.push_back(token);
        }
        self.write_set_watches();
        self.last_send = now;
        if self.auth_in_flight.is_empty() {
            self.phase = Phase::Connected { read_only };
            self.announce_connected(read_only);
        } else {
            self.phase = Phase::Syncing { read_only };
        }
        self.flush_queued(now);
    }

    fn announce_connected(&mut self, read_only: bool) {
        self.announce(if read_only {
            SessionState::ConnectedReadOnly
        } else {
            SessionState::Connected
        });
    }

    fn write_set_watches(&mut self) {
        if self.watches.is_empty() {
            return;
        }
        let mut chunk = SetWatches2::default();
        let mut size = 0;
        for kind in WatchKind::ALL {
            for path in self.watches.paths(kind) {
                let add = 4 + path.len();
                if size + add > wire::SET_WATCHES_CHUNK && !chunk.is_empty() {
                    chunk.write_frame(&mut self.transmit, self.last_zxid);
                    chunk = SetWatches2::default();
                    size = 0;
                }
                size += add;
                list_for(&mut chunk, kind).push(path);
            }
        }
        if !chunk.is_empty() {
            chunk.write_frame(&mut self.transmit, self.last_zxid);
        }
    }

    /// A reply during the SASL login: the next token goes out, or the login is done and the
    /// handshake finishes, or it failed for good.
    fn handle_sasl_reply(
        &mut self,
        now: Instant,
        hdr: ReplyHeader,
        r: Reader,
        read_only: bool,
    ) -> Result<(), String> {
        if hdr.xid == xid::PING || hdr.xid == xid::NOTIFICATION {
            return Ok(());
        }
        let Some(exchange) = self.sasl.as_mut() else {
            return Err("SASL reply without a SASL exchange".to_owned());
        };
        if !exchange.awaits(hdr.xid) {
            return Err(format!(
                "unexpected xid {} during SASL authentication",
                hdr.xid
            ));
        }
        if hdr.zxid > 0 {
            self.last_zxid = hdr.zxid;
        }
        let next_xid = &mut self.next_xid;
        let progress =
            exchange.handle_reply(hdr.err, r.rest(), || bump_xid(next_xid), &mut self.transmit);
        match progress {
            Ok(SaslProgress::Pending) => {
                self.last_send = now;
                Ok(())
            }
            Ok(SaslProgress::Done) => {
                self.sasl = None;
                self.finish_handshake(now, read_only);
                Ok(())
            }
            Err(e @ (Error::AuthFailed | Error::SessionClosedRequireSasl)) => {
                self.sasl = None;
                self.fail_authentication(e);
                Ok(())
            }
            Err(e) => {
                self.sasl = None;
                Err(format!("SASL authentication failed: {e}"))
            }
        }
    }

    /// The server refused our credentials (or demands ones we lack): the session ends here,
    /// with `AuthFailed`, and every pending call fails with `err`.
    fn fail_authentication(&mut self, err: Error) {
        tracing::warn!(error = %err, "authentication failed; closing the client");
        self.close_error = err.clone();
        self.fail_everything(err, KeeperState::AuthFailed);
        self.phase = Phase::Closed;
        self.announce(SessionState::AuthFailed);
        self.outputs
            .push_back(Output::Disconnect("authentication failed".to_owned()));
    }

    fn handle_auth_reply(&mut self, err: i32) {
        let token = self.auth_in_flight.pop_front().flatten();
        if err == ErrorCode::AuthFailed.code() {
            if let Some(token) = token {
                self.outputs.push_back(Output::Reply {
                    token,
                    result: Err(Error::AuthFailed),
                });
            }
            self.fail_authentication(Error::AuthFailed);
            return;
        }
        if let Some(token) = token {
            let result = if err == 0 {
                Ok(RawReply {
                    zxid: 0,
                    err: ErrorCode::Ok,
                    body: Bytes::new(),
                    watch_set: false,
                })
            } else {
                Err(Error::from_code(ErrorCode::from_code(err), ""))
            };
            self.outputs.push_back(Output::Reply { token, result });
        }
        if let Phase::Syncing { read_only } = self.phase {
            if self.auth_in_flight.is_empty() {
                self.phase = Phase::Connected { read_only };
                self.announce_connected(read_only);
            }
        }
    }

    fn handle_notification(&mut self, mut r: Reader) -> Result<(), String> {
        let ev = kazoo_proto::WatchedEvent::decode(&mut r)
            .map_err(|e| format!("malformed notification: {e}"))?;
        if ev.event_type == EventType::None {
            return Ok(());
        }
        let synthesized = self
            .watches
            .synthesized_children_changed(ev.event_type, &ev.path);
        let watchers = self.watches.trigger(ev.event_type, &ev.path);
        tracing::debug!(event = ?ev.event_type, path = %ev.path, watchers = watchers.len(), "notification");
        if !watchers.is_empty() {
            let path = self.strip_chroot(&ev.path);
            self.outputs.push_back(Output::Watch {
                watchers,
                event: WatchedEvent {
                    event_type: ev.event_type,
                    keeper_state: ev.state,
                    path,
                },
            });
        }
        if let Some((parent, watchers)) = synthesized {
            self.outputs.push_back(Output::Watch {
                watchers: watchers.into_iter().map(|w| (w, None)).collect(),
                event: WatchedEvent {
                    event_type: EventType::NodeChildrenChanged,
                    keeper_state: ev.state,
                    path: self.strip_chroot(&parent),
                },
            });
        }
        Ok(())
    }

    fn handle_reply(
        &mut self,
        hdr: ReplyHeader,
        body: Bytes,
        sink: &mut impl ReplySink<T>,
    ) -> Result<(), String> {
        // Taken first and put back on a mismatch (which ends the connection): one look at
        // the queue's front instead of two.
        let Some(f) = self.in_flight.pop_front() else {
            return Err(format!("reply with xid {} but nothing in flight", hdr.xid));
        };
        if f.xid != hdr.xid {
            let e = format!(
                "xid mismatch: expected {} ({:?}), got {}",
                f.xid, f.op, hdr.xid
            );
            self.in_flight.push_front(f);
            return Err(e);
        }
        if hdr.zxid > 0 {
            self.last_zxid = hdr.zxid;
        }
        let err = ErrorCode::from_code(hdr.err);
        match f.kind {
            InFlightKind::CloseSession => {
                self.finish_close();
                self.outputs
                    .push_back(Output::Disconnect("session closed".to_owned()));
            }
            InFlightKind::User { token, watch } => {
                let mut watch_set = false;
                if let Some(w) = watch {
                    let w = *w;
                    let kind = match (w.kind, err) {
                        (WatchKind::Data, ErrorCode::NoNode) if f.op == OpCode::Exists => {
                            Some(WatchKind::Exist)
                        }
                        (k, ErrorCode::Ok) => Some(k),
                        _ => None,
                    };
                    if let Some(kind) = kind {
                        self.watches.add(kind, w.path, w.watcher, w.sink);
                        watch_set = true;
                    }
                }
                let result = Ok(RawReply {
                    zxid: hdr.zxid,
                    err,
                    body,
                    watch_set,
                });
                if self.outputs.is_empty() && sink.takes(&token) {
                    sink.deliver(token, result);
                } else {
                    self.outputs.push_back(Output::Reply { token, result });
                }
            }
        }
        Ok(())
    }
}

/// Where [`SessionCore::handle_read_with`] hands replies straight away (the I/O task: no trip
/// through the output queue for the common reply).
///
/// ```
/// use kazoo_client::session::{RawReply, ReplySink};
/// use kazoo_client::Error;
///
/// /// Takes the replies of requests whose token is even; the others are queued as outputs.
/// struct Evens(Vec<(u32, i64)>);
///
/// impl ReplySink<u32> for Evens {
///     fn takes(&mut self, token: &u32) -> bool {
///         token % 2 == 0
///     }
///     fn deliver(&mut self, token: u32, result: Result<RawReply, Error>) {
///         self.0.push((token, result.map_or(-1, |r| r.zxid)));
///     }
/// }
/// let mut sink = Evens(Vec::new());
/// assert!(sink.takes(&2) && !sink.takes(&3));
/// ```
pub trait ReplySink<T> {
    /// Whether the reply for `token` goes to [`ReplySink::deliver`]; otherwise it is queued
    /// as an [`Output::Reply`].
    fn takes(&mut self, token: &T) -> bool;
    /// Takes a reply this sink said it takes.
    fn deliver(&mut self, token: T, result: Result<RawReply, Error>);
}

/// Takes nothing: every reply is queued.
impl<T> ReplySink<T> for () {
    fn takes(&mut self, _: &T) -> bool {
        false
    }

    fn deliver(&mut self, _: T, _: Result<RawReply, Error>) {}
}

/// Writes `xid` into a request frame (at least 12 bytes: length, xid, op) and, when
/// `recursive`, sets its last field (an addWatch's mode) to recursive.
fn stamp(f: &mut [u8], xid: i32, recursive: bool) {
    f[4..8].copy_from_slice(&xid.to_be_bytes());
    if recursive {
        let n = f.len();
        f[n - 4..].copy_from_slice(&1i32.to_be_bytes());
    }
}

/// Hands out `*next` and advances it, wrapping to 1 before `i32::MAX`.
fn bump_xid(next: &mut i32) -> i32 {
    let x = *next;
    *next = if x >= i32::MAX - 1 { 1 } else { x + 1 };
    x
}

fn list_for(sw: &mut SetWatches2, kind: WatchKind) -> &mut Vec<String> {
    match kind {
        WatchKind::Data => &mut sw.data,
        WatchKind::Exist => &mut sw.exist,
        WatchKind::Child => &mut sw.child,
        WatchKind::Persistent => &mut sw.persistent,
        WatchKind::PersistentRecursive => &mut sw.recursive,
    }
}

fn duration_ms(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}
