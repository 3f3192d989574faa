//! The I/O task: the one owner of the socket. It feeds the sans-io [`SessionCore`] with bytes,
//! time and commands from [`crate::Client`] handles, writes what the core wants sent, cycles
//! through the hosts (re-resolving DNS on every cycle, backing off with jitter after a cycle
//! without success), probes for a read-write server while connected read-only, and routes
//! replies, watch events and state changes to channels. It never runs user code.

use crate::alarm::Alarm;
use crate::client::{Batch, Gate, Permit};
use crate::error::{Error, Result};
use crate::hosts::{resolve_all, HostList};
use crate::reply::ReplyTx;
use crate::session::watches::Fired;
use crate::session::watches::{Registration, WatchKind, WatcherId};
use crate::session::{Output, RawReply, ReplySink, Request, SessionConfig, SessionCore};
use crate::state::{KazooState, SessionState, StateChange};
use crate::tls::{open_transport, tls_error_of, TlsConnector, TlsError, Transport};
use crate::watch::{WatchProbe, WatchTx, WatchedEvent};
use bytes::{Buf, BytesMut};
use kazoo_proto::{EventType, OpCode, RemoveWatchesRequest, WatcherType};
use rand::Rng;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWrite};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// Requests wait to be written together only while more than this many sent ones are
/// unanswered (see `Driver::flush_now`).
const COALESCE_ABOVE: usize = 128;

/// ... and only until this many bytes are waiting.
const COALESCE_MAX_BYTES: usize = 64 * 1024;

/// The batch's frame buffer is given back its memory after a batch larger than this.
const BATCH_FRAMES_KEEP: usize = 256 * 1024;

/// Where a watcher's events go, as a call hands it over.
#[derive(Debug)]
pub(crate) enum Sink {
    /// A one-shot [`crate::Watch`].
    Once(WatchTx),
    /// A [`crate::PersistentWatch`] stream.
    Stream(mpsc::UnboundedSender<WatchedEvent>),
}

/// Carried with each request through the core and handed back with its reply.
#[derive(Debug)]
pub(crate) struct Token {
    pub reply: ReplyTx,
    /// The request's watcher, when it sets one.
    pub watch: Option<TokenWatch>,
    /// The request's place under the bound on outstanding requests (none for the task's
    /// own requests); given back when the token is dropped.
    pub permit: Option<Permit>,
}

/// What the I/O task keeps of a request's watcher until the reply. Small on purpose: every
/// request moves a [`Token`] a few times, and past 128 bytes a request's moves become
/// `memcpy` calls (W2 in BENCHMARKS.md).
#[derive(Debug)]
pub(crate) enum TokenWatch {
    /// A one-shot watch (its sink travels in the registration): whether its handle was
    /// dropped while the request was in flight.
    Once(WatchProbe),
    /// A persistent watch's stream, kept by the task once the server set the watch.
    Stream(Box<(WatcherId, mpsc::UnboundedSender<WatchedEvent>)>),
}

/// What client handles ask of the I/O task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send a request.
    Request(Request<Token, WatchTx>),
    /// Send a request whose frame (`len` bytes) is in the batch it was taken with
    /// ([`Batch::frames`]), after those of the batched requests before it.
    Batched {
        op: OpCode,
        len: usize,
        watch: Option<Registration<WatchTx>>,
        token: Token,
    },
    /// Add credentials (replayed on every reconnect).
    AddAuth {
        scheme: String,
        credential: Vec<u8>,
        reply: ReplyTx,
    },
    /// A persistent watch handle was dropped.
    DropWatcher {
        watcher: WatcherId,
        kind: WatchKind,
        server_path: String,
    },
    /// Remove watches of some kinds on a path, locally only or on the server too.
    RemoveWatches {
        server_path: String,
        kinds: Vec<WatchKind>,
        wire: WatcherType,
        local: bool,
        reply: oneshot::Sender<Result<usize>>,
    },
    /// Close the session and stop.
    Close { reply: oneshot::Sender<()> },
    /// Use these hosts from the next connection attempt on.
    SetHosts(HostList),
}

impl Command {
    /// Whether this is a [`Command::Batched`] request.
    fn is_batched(&self) -> bool {
        matches!(self, Command::Batched { .. })
    }
}

/// Connection facts the handles read without asking the task.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub session_id: Option<i64>,
    pub password: Vec<u8>,
    pub negotiated: Option<Duration>,
    pub server: Option<SocketAddr>,
    /// Why the last connection attempt failed, when TLS was the reason (cleared once
    /// connected): what `start` reports instead of a bare timeout.
    pub last_tls_error: Option<TlsError>,
}

/// State shared between the task and the handles.
#[derive(Debug)]
pub(crate) struct Shared {
    pub snapshot: Mutex<Snapshot>,
    pub state_tx: watch::Sender<StateChange>,
    pub events_tx: broadcast::Sender<StateChange>,
    /// Held while a transition is published and while a listener subscribes: a listener
    /// hears of exactly the transitions after the state it could have seen when it
    /// subscribed, and a transition's receiver already reads it as the current state.
    transition: Mutex<()>,
}

impl Shared {
    pub fn new() -> Shared {
        let initial = StateChange {
            kazoo: KazooState::Lost,
            session: SessionState::Closed,
        };
        Shared {
            snapshot: Mutex::new(Snapshot::default()),
            state_tx: watch::channel(initial).0,
            events_tx: broadcast::channel(1024).0,
            transition: Mutex::new(()),
        }
    }

    /// A receiver of the transitions after now.
    pub fn subscribe(&self) -> broadcast::Receiver<StateChange> {
        let _guard = self.transition.lock().unwrap_or_else(|e| e.into_inner());
        self.events_tx.subscribe()
    }

    pub fn current(&self) -> StateChange {
        *self.state_tx.borrow()
    }

    fn publish(&self, session: SessionState) {
        let prev = self.current();
        let kazoo = match session {
            // A client that lost its session (or never had one) is Lost until it is connected
            // again, as kazoo reports it: LOST -> CONNECTED, never LOST -> SUSPENDED.
            SessionState::Connecting if prev.kazoo == KazooState::Lost => KazooState::Lost,
            s => s.kazoo_state(),
        };
        let change = StateChange { kazoo, session };
        if change == prev {
            return;
        }
        let _guard = self.transition.lock().unwrap_or_else(|e| e.into_inner());
        self.state_tx.send_replace(change);
        // No receiver is fine; a lagging one loses old entries, it never blocks us.
        let _ = self.events_tx.send(change);
    }

    fn snapshot(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        self.snapshot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Driver settings.
#[derive(Debug, Clone)]
pub(crate) struct DriverConfig {
    pub hosts: HostList,
    pub randomize_hosts: bool,
    pub session: SessionConfig,
    pub resume: Option<(i64, Vec<u8>)>,
    pub fresh_session_fallback: bool,
    pub auth: Vec<(String, Vec<u8>)>,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub tls: Option<TlsConnector>,
}

type ConnectFuture = Pin<Box<dyn Future<Output = std::io::Result<Transport>> + Send>>;

pub(crate) struct Driver {
    core: SessionCore<Token, WatchTx>,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    /// Requests and the commands ordered with them.
    gate: Arc<Gate>,
    /// What was taken from the gate in one go (kept for its capacity).
    batch: Batch,
    /// The alarm of the next deadline (off the runtime's timer wheel: see `alarm`). Created on
    /// the first wait, inside the runtime.
    alarm: Option<Alarm>,
    shared: Arc<Shared>,
    cfg: DriverConfig,
    /// The persistent watchers' streams. A one-shot watcher's sink is kept in its
    /// registration in the core instead (no map entry per pending watch: W6).
    streams: HashMap<WatcherId, mpsc::UnboundedSender<WatchedEvent>>,
    addrs: VecDeque<SocketAddr>,
    cycle_connected: bool,
    backoff: Duration,
    next_attempt: Option<Instant>,
    connecting: Option<(SocketAddr, ConnectFuture)>,
    /// The connection, read and written by this task only (no `split`, whose halves take a
    /// lock on every poll).
    io: Option<Transport>,
    current: Option<SocketAddr>,
    rbuf: BytesMut,
    wbuf: BytesMut,
    /// Caller requests in `wbuf` not yet written (see `flush_now`).
    unwritten: usize,
    close_waiters: Vec<oneshot::Sender<()>>,
    probe: Option<tokio::task::JoinHandle<()>>,
    probe_tx: mpsc::UnboundedSender<ProbeAnswer>,
    probe_rx: mpsc::UnboundedReceiver<ProbeAnswer>,
    cmd_closed: bool,
    /// The last turn answered callers (see `after_answers`).
    answered: bool,
    /// Places under the bound of requests answered since the last [`Driver::pump`], which
    /// gives them back to the gate.
    released: usize,
    /// Runs on a current-thread runtime. On a multi-thread one, yielding to the callers
    /// would make the worker wake another to steal this task: slower, not faster.
    single_thread: bool,
}

enum Wake {
    /// The gate let commands through; `true` when the command channel wants a look too.
    Ready(bool),
    Connected(std::io::Result<Transport>),
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    Timer,
    RwServer(Option<ProbeAnswer>),
}

/// One probe round's answer: its round number and the read-write server found, if any.
type ProbeAnswer = (u64, Option<SocketAddr>);

impl Driver {
    pub fn new(
        cfg: DriverConfig,
        cmd_rx: mpsc::UnboundedReceiver<Command>,
        gate: Arc<Gate>,
        shared: Arc<Shared>,
    ) -> Driver {
        let now = Instant::now();
        let mut core = SessionCore::new(cfg.session.clone(), now);
        if let Some((id, pw)) = &cfg.resume {
            core.resume(*id, pw.clone());
        }
        core.set_host_count(cfg.hosts.hosts.len());
        core.set_fresh_session_fallback(cfg.fresh_session_fallback);
        for (scheme, cred) in &cfg.auth {
            core.add_auth(now, scheme, cred, None);
        }
        let (probe_tx, probe_rx) = mpsc::unbounded_channel();
        Driver {
            core,
            cmd_rx,
            gate,
            batch: Batch::default(),
            alarm: None,
            shared,
            backoff: cfg.backoff_initial,
            cfg,
            streams: HashMap::new(),
            addrs: VecDeque::new(),
            cycle_connected: true,
            next_attempt: None,
            connecting: None,
            io: None,
            current: None,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::with_capacity(64 * 1024),
            unwritten: 0,
            close_waiters: Vec::new(),
            probe: None,
            probe_tx,
            probe_rx,
            cmd_closed: false,
            answered: false,
            released: 0,
            single_thread: tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread),
        }
    }

    /// Runs until the session is closed (by a command, by every handle being dropped, or by an
    /// authentication failure).
    pub async fn run(mut self) {
        loop {
            if self.core.is_closed() && self.wbuf.is_empty() {
                break;
            }
            if let Err(e) = self.maybe_start_connect().await {
                tracing::warn!(error = %e, "cannot start a connection attempt");
            }
            let wake = self.wait().await;
            let now = Instant::now();
            match wake {
                Wake::Ready(control) => self.handle_taken(now, control),
                Wake::Connected(res) => self.on_connected(now, res),
                Wake::Read(Ok(0)) => self.lost(now, "the server closed the connection"),
                Wake::Read(Ok(_)) => {
                    // `answers()` spelled out: the core and the read buffer are borrowed too.
                    let mut sink = Answers {
                        answered: &mut self.answered,
                        released: &mut self.released,
                    };
                    self.core.handle_read_with(now, &mut self.rbuf, &mut sink);
                }
                Wake::Read(Err(e)) => {
                    // A server refusing our client certificate says so only now, in TLS 1.3.
                    self.note_tls_failure(&e);
                    self.lost(now, &format!("read error: {e}"))
                }
                Wake::Wrote(r) => self.on_written(now, r),
                // The alarm is disarmed now; the next wait arms it at the then current deadline.
                Wake::Timer => self.core.handle_timeout(now),
                Wake::RwServer(Some((round, addr))) => self.on_probe_answer(now, round, addr),
                Wake::RwServer(None) => {}
            }
            self.pump();
            self.write_now(now);
            if std::mem::take(&mut self.answered) && self.single_thread {
                self.after_answers(now).await;
            }
        }
        self.stop_probe();
        self.gate.shut();
        for w in self.close_waiters.drain(..) {
            let _ = w.send(());
        }
        self.shared.snapshot().server = None;
        tracing::debug!("I/O task finished");
    }

    async fn wait(&mut self) -> Wake {
        let want_write = !self.wbuf.is_empty() && self.flush_now();
        let deadline = [self.core.poll_timeout(), self.next_attempt]
            .into_iter()
            .flatten()
            .min();
        // One alarm for the task's life, moved lazily (the core acts on what is due, nothing
        // else, so an early firing costs only a look at its clocks).
        let alarm = self.alarm.get_or_insert_with(Alarm::new);
        alarm.no_later_than(deadline);
        let timed = alarm.is_armed();

        let probing = self.probe.is_some();
        let gate = &self.gate;
        let batch = &mut self.batch;
        let ready = std::future::poll_fn(|cx| gate.poll_ready(cx, batch));
        // In this order, not a random one: a reply is what most wake-ups are for, and the
        // order saves the random draw and the polls of the branches before it. None can
        // starve the others: the socket and the timer spend tokio's cooperative budget, and
        // the gate holds a bounded number of requests.
        tokio::select! {
            biased;
            io = io_opt(&mut self.io, &mut self.rbuf, &self.wbuf, want_write) => io,
            control = ready => Wake::Ready(control),
            () = std::future::poll_fn(|cx| alarm.poll_fired(cx)), if timed => Wake::Timer,
            c = connect_opt(&mut self.connecting) => Wake::Connected(c),
            a = self.probe_rx.recv(), if probing => Wake::RwServer(a),
        }
    }

    /// Callers were answered, on a current-thread runtime: let them run first (their tasks were
    /// woken before ours, and nothing else can run them), then take what they called next and
    /// write it, without a `select!` in between. A caller that answers a reply with its next
    /// request (every sequential caller; pipelines too) thus has it written as soon as it was
    /// made; the `select!` that parks this task runs after the write, while the server works,
    /// instead of before it.
    ///
    /// `now` is the wake-up's: the callers ran for a few microseconds since, which only makes
    /// the next ping that much earlier (and saves a clock read per round trip).
    async fn after_answers(&mut self, now: Instant) {
        YieldOnce(false).await;
        let control = self.gate.take_ready(&mut self.batch);
        if self.batch.is_empty() && !control {
            return;
        }
        self.handle_taken(now, control);
        self.pump();
        self.write_now(now);
        // Whatever this answered is delivered by the next turn of the loop.
    }

    /// Writes what is due right away, in the same wake-up that produced it: going round the
    /// `select!` for it would poll every other source once more per round trip. A socket
    /// that takes nothing now is left to the `select!`, which waits for it.
    fn write_now(&mut self, now: Instant) {
        if self.wbuf.is_empty() || !self.flush_now() {
            return;
        }
        let Some(w) = self.io.as_mut() else {
            return;
        };
        // Polled once without a waker: on `Pending` the next wait polls the write again and
        // registers the task's own waker for the socket.
        let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
        if let std::task::Poll::Ready(r) = Pin::new(w).poll_write(&mut cx, &self.wbuf) {
            let failed = r.is_err();
            self.on_written(now, r);
            if failed {
                self.pump();
            }
        }
    }

    /// A write of the buffer's head finished: `n` bytes of it went out, or the connection
    /// failed.
    fn on_written(&mut self, now: Instant, r: std::io::Result<usize>) {
        match r {
            Ok(n) => {
                self.wbuf.advance(n);
                if self.wbuf.is_empty() {
                    self.unwritten = 0;
                }
            }
            Err(e) => self.lost(now, &format!("write error: {e}")),
        }
    }

    /// Whether to write what is buffered now. Under a deep pipeline the server already holds
    /// plenty of this session's requests, and it answers them in order: a new request written
    /// at once gets its reply no sooner than one written a little later, together with the
    /// ones issued meanwhile. Requests therefore wait while more than [`COALESCE_ABOVE`] sent
    /// ones are unanswered and the waiting ones are fewer than a quarter of those (or
    /// [`COALESCE_MAX_BYTES`]). Each reply re-decides, and the sent ones drain, so nothing
    /// waits for long: a request goes out at the latest when `COALESCE_ABOVE` earlier ones are
    /// still queued at the server. Anything else (handshake, pings, watch replay) is written
    /// at once, as is every request of a shallow pipeline or a sequential caller. The server
    /// gets hundreds of requests per read instead of a few, which costs both sides less CPU
    /// (BENCHMARKS.md, real-server W2/W3).
    fn flush_now(&self) -> bool {
        if self.unwritten == 0 || self.wbuf.len() >= COALESCE_MAX_BYTES {
            return true;
        }
        let sent = self.core.in_flight_len().saturating_sub(self.unwritten);
        sent <= COALESCE_ABOVE || self.unwritten * 4 >= sent
    }

    async fn maybe_start_connect(&mut self) -> Result<()> {
        if !self.core.wants_transport() || self.connecting.is_some() || self.io.is_some() {
            return Ok(());
        }
        let now = Instant::now();
        if let Some(at) = self.next_attempt {
            if now < at {
                return Ok(());
            }
        }
        self.next_attempt = None;
        if self.addrs.is_empty() {
            if !self.cycle_connected {
                // A whole cycle failed: back off, with jitter so that a fleet of clients does
                // not reconnect in lockstep.
                let jitter = rand::thread_rng().gen_range(0.0..=0.5);
                let wait = self.backoff.mul_f64(1.0 + jitter);
                self.backoff = (self.backoff * 2).min(self.cfg.backoff_max);
                self.cycle_connected = true;
                self.next_attempt = Some(now + wait);
                tracing::debug!(?wait, "every host failed; backing off");
                return Ok(());
            }
            self.cycle_connected = false;
            let resolved = tokio::time::timeout(
                Duration::from_secs(5),
                resolve_all(&self.cfg.hosts, self.cfg.randomize_hosts),
            )
            .await
            .unwrap_or_default();
            if resolved.is_empty() {
                self.next_attempt = Some(now + self.backoff);
                self.backoff = (self.backoff * 2).min(self.cfg.backoff_max);
                return Err(Error::Config(format!(
                    "no address could be resolved for {}",
                    self.cfg.hosts
                )));
            }
            self.core.set_host_count(resolved.len());
            self.addrs = resolved.into();
        }
        let Some(addr) = self.addrs.pop_front() else {
            return Ok(());
        };
        let now = Instant::now();
        self.core.handle_connecting(now);
        let limit = self.core.connect_timeout();
        tracing::debug!(%addr, "connecting");
        let tls = self.cfg.tls.clone();
        let hosts = self.cfg.hosts.clone();
        let fut: ConnectFuture = Box::pin(async move {
            let open = open_transport(addr, tls.as_ref(), &hosts);
            match tokio::time::timeout(limit, open).await {
                Ok(r) => r,
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connect timed out",
                )),
            }
        });
        self.connecting = Some((addr, fut));
        Ok(())
    }

    fn on_connected(&mut self, now: Instant, res: std::io::Result<Transport>) {
        let addr = self.connecting.take().map(|(a, _)| a);
        match res {
            Ok(stream) => {
                let tls = self.cfg.tls.is_some();
                tracing::info!(addr = ?addr, tls, "connection established");
                self.io = Some(stream);
                self.rbuf.clear();
                self.wbuf.clear();
                self.current = addr;
                self.core.retain_queued(|t| !t.reply.is_closed());
                self.core.handle_transport_connected(now);
            }
            Err(e) => {
                tracing::info!(addr = ?addr, error = %e, "connection attempt failed");
                self.note_tls_failure(&e);
                self.core.handle_transport_lost(now, &e.to_string());
            }
        }
    }

    fn note_tls_failure(&mut self, e: &std::io::Error) {
        if let Some(t) = tls_error_of(e) {
            self.shared.snapshot().last_tls_error = Some(t);
        }
    }

    fn lost(&mut self, now: Instant, reason: &str) {
        self.drop_transport();
        self.core.handle_transport_lost(now, reason);
    }

    fn drop_transport(&mut self) {
        self.io = None;
        self.connecting = None;
        self.rbuf.clear();
        self.wbuf.clear();
        self.unwritten = 0;
        self.current = None;
        self.stop_probe();
    }

    fn handle_batch(&mut self, now: Instant) {
        let mut batch = std::mem::take(&mut self.batch);
        let Batch { cmds, frames } = &mut batch;
        let mut cmds = cmds.drain(..).peekable();
        // Where the next encoded request's frame starts.
        let mut at = 0;
        while let Some(next) = cmds.peek() {
            if next.is_batched() {
                // A run of requests encoded into the batch: their frames lie back to back from
                // `at`, and go out with one copy. A run that takes the whole buffer may swap
                // it for an empty one: nothing after it in this batch has a frame there.
                let mut queued = 0usize;
                let run = std::iter::from_fn(|| match cmds.next_if(Command::is_batched)? {
                    Command::Batched {
                        op,
                        len,
                        watch,
                        token,
                    } => {
                        queued += 1;
                        Some((op, len, watch, token))
                    }
                    _ => None,
                });
                at += self.core.submit_frames(now, frames, at, run);
                tracing::trace!(requests = queued, "queueing requests");
            }
            if let Some(cmd) = cmds.next() {
                self.handle_command(now, cmd);
            }
        }
        drop(cmds);
        batch.frames.clear();
        // A burst of large frames does not keep its memory for the client's life.
        if batch.frames.capacity() > BATCH_FRAMES_KEEP {
            batch.frames = Vec::new();
        }
        self.batch = batch;
    }

    /// Handles what was taken from the gate, then, when it says so, the command channel:
    /// what callers handed over before a command goes first (a close must not overtake
    /// requests made before it).
    fn handle_taken(&mut self, now: Instant, control: bool) {
        self.handle_batch(now);
        if control {
            self.drain_commands(now);
        }
    }

    /// Handles what the command channel holds (the gate said it has something, or that its
    /// last sender is gone: every handle was dropped, so the session ends politely).
    fn drain_commands(&mut self, now: Instant) {
        loop {
            match self.cmd_rx.try_recv() {
                Ok(cmd) => self.handle_command(now, cmd),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    if !self.cmd_closed {
                        self.cmd_closed = true;
                        self.core.close(now);
                    }
                    break;
                }
            }
        }
    }

    fn handle_command(&mut self, now: Instant, cmd: Command) {
        match cmd {
            Command::Request(req) => {
                tracing::trace!(op = ?req.op, "queueing request");
                self.core.submit(now, req);
            }
            // Only ever taken from the gate with its batch (`handle_batch`).
            Command::Batched { token, .. } => token.reply.send(Err(Error::Protocol(
                "a batched request without its batch".into(),
            ))),
            Command::AddAuth {
                scheme,
                credential,
                reply,
            } => {
                self.core.add_auth(
                    now,
                    &scheme,
                    &credential,
                    Some(Token {
                        reply,
                        watch: None,
                        permit: None,
                    }),
                );
            }
            Command::DropWatcher {
                watcher,
                kind,
                server_path,
            } => self.drop_watcher(now, watcher, kind, &server_path),
            Command::RemoveWatches {
                server_path,
                kinds,
                wire,
                local,
                reply,
            } => self.remove_watches(now, server_path, kinds, wire, local, reply),
            Command::Close { reply } => {
                self.close_waiters.push(reply);
                self.core.close(now);
            }
            Command::SetHosts(hosts) => {
                self.cfg.hosts = hosts;
                self.addrs.clear();
                self.cycle_connected = true;
            }
        }
    }

    /// Forgets a watcher whose handle was dropped. One that already fired (or was never set)
    /// is gone from the registry: nothing to ask of the server then. An exists request may
    /// have registered a `Data` watcher as `Exist`, so both are tried.
    fn drop_watcher(&mut self, now: Instant, watcher: WatcherId, kind: WatchKind, path: &str) {
        self.streams.remove(&watcher);
        let kinds: &[WatchKind] = match kind {
            WatchKind::Data | WatchKind::Exist => &[WatchKind::Data, WatchKind::Exist],
            other => &[other],
        };
        // Looked up by path: a scan of every registration per dropped watch would make
        // dropping many watches quadratic.
        let watches = self.core.watches();
        if !kinds
            .iter()
            .any(|&k| watches.is_registered(k, path, watcher))
        {
            return;
        }
        let mut last = false;
        for &k in kinds {
            last |= self.core.unregister_watch(k, path, watcher);
        }
        // A watch request on the path that is still in flight reaches the server before a
        // removal sent now, so the removal would take the watch it sets as well. Leave the
        // server watch then: the new watcher needs it.
        if last && self.core.is_connected() && !self.core.watch_in_flight(path) {
            self.remove_server_watch(now, path);
        }
    }

    /// The server keeps one watch per connection and path, whatever the number of our local
    /// watchers: removing the last persistent one removes everything the server holds on the
    /// path, so survivors of other kinds are registered again right after.
    fn remove_server_watch(&mut self, now: Instant, server_path: &str) {
        let req = kazoo_proto::Request::RemoveWatches(RemoveWatchesRequest {
            path: server_path.to_owned(),
            watcher_type: WatcherType::Any,
        });
        let mut frame = BytesMut::with_capacity(req.encoded_len());
        if req.encode_frame(0, &mut frame).is_err() {
            return;
        }
        let (reply, _rx) = crate::reply::channel();
        self.core.submit(
            now,
            Request {
                op: OpCode::RemoveWatches,
                frame: frame.freeze(),
                watch: None,
                token: Token {
                    reply,
                    watch: None,
                    permit: None,
                },
            },
        );
        self.core.reregister_path(now, server_path);
    }

    fn remove_watches(
        &mut self,
        now: Instant,
        server_path: String,
        kinds: Vec<WatchKind>,
        wire: WatcherType,
        local: bool,
        reply: oneshot::Sender<Result<usize>>,
    ) {
        let told = self.core.remove_watches_local(&kinds, &server_path);
        if local {
            let _ = reply.send(Ok(told));
            return;
        }
        let req = kazoo_proto::Request::RemoveWatches(RemoveWatchesRequest {
            path: server_path.clone(),
            watcher_type: wire,
        });
        let mut frame = BytesMut::with_capacity(req.encoded_len());
        if let Err(e) = req.encode_frame(0, &mut frame) {
            let _ = reply.send(Err(Error::Protocol(e.to_string())));
            return;
        }
        // The server answers for us; the caller maps NoWatcher itself.
        let (tx, rx) = crate::reply::channel();
        self.core.submit(
            now,
            Request {
                op: OpCode::RemoveWatches,
                frame: frame.freeze(),
                watch: None,
                token: Token {
                    reply: tx,
                    watch: None,
                    permit: None,
                },
            },
        );
        tokio::spawn(async move {
            let r = match rx.await {
                Ok(raw) if raw.err == kazoo_proto::ErrorCode::Ok => Ok(told),
                Ok(raw) if raw.err == kazoo_proto::ErrorCode::NoWatcher && told > 0 => Ok(told),
                Ok(raw) => Err(Error::from_code(raw.err, "")),
                Err(e) => Err(e),
            };
            let _ = reply.send(r);
        });
        self.core.reregister_path(now, &server_path);
    }

    /// The core decides whether the answer still matters; when it drops the read-only
    /// connection for the server found, that server is tried first.
    fn on_probe_answer(&mut self, now: Instant, round: u64, addr: Option<SocketAddr>) {
        self.probe = None;
        if self.core.handle_rw_probe(now, round, addr.is_some()) {
            if let Some(addr) = addr {
                tracing::info!(%addr, "found a read-write server; switching to it");
                self.addrs.retain(|a| *a != addr);
                self.addrs.push_front(addr);
            }
        }
    }

    fn stop_probe(&mut self) {
        if let Some(p) = self.probe.take() {
            p.abort();
        }
    }

    fn start_probe(&mut self, round: u64) {
        self.stop_probe();
        let hosts = self.cfg.hosts.clone();
        let current = self.current;
        let tx = self.probe_tx.clone();
        // The Java client gives each `isro` one second.
        let limit = self.core.connect_timeout().min(Duration::from_secs(1));
        let tls = self.cfg.tls.clone();
        self.probe = Some(tokio::spawn(async move {
            let found = probe_rw(hosts, current, limit, tls).await;
            let _ = tx.send((round, found));
        }));
    }

    /// Where replies are handed to their callers (see [`Answers`]).
    fn answers(&mut self) -> Answers<'_> {
        Answers {
            answered: &mut self.answered,
            released: &mut self.released,
        }
    }

    /// Moves what the core produced to the socket buffer and to the channels.
    fn pump(&mut self) {
        if self.io.is_some() {
            self.unwritten += self.core.take_transmit(&mut self.wbuf);
        }
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Reply { mut token, result } => {
                    let mut orphan = None;
                    if let (Ok(raw), Some(watch)) = (&result, token.watch.take()) {
                        if raw.watch_set {
                            match watch {
                                // A one-shot handle dropped while its request was in flight:
                                // its drop found nothing to forget, so forget it now.
                                TokenWatch::Once(probe) if probe.is_closed() => {
                                    orphan = Some(probe);
                                }
                                TokenWatch::Once(_) => {}
                                TokenWatch::Stream(stream) => {
                                    let (id, tx) = *stream;
                                    self.streams.insert(id, tx);
                                }
                            }
                        }
                    }
                    self.answers().deliver(token, result);
                    if let Some(probe) = orphan {
                        let (id, kind) = (probe.watcher(), probe.kind());
                        self.drop_watcher(Instant::now(), id, kind, probe.server_path());
                    }
                }
                Output::Watch { watchers, event } => self.deliver(watchers, event),
                Output::State(s) => self.on_state(s),
                Output::Disconnect(reason) => {
                    tracing::debug!(%reason, "dropping the transport");
                    let was_connecting = self.io.is_none();
                    self.drop_transport();
                    if was_connecting {
                        self.next_attempt = None;
                    }
                }
                Output::ProbeRw { round } => self.start_probe(round),
            }
        }
        // The places of the requests answered here (and by the read before) go back to the
        // gate together, at the end.
        let released = std::mem::take(&mut self.released);
        if released > 0 {
            self.gate.release_many(released);
        }
        if self.io.is_some() {
            self.unwritten += self.core.take_transmit(&mut self.wbuf);
        }
    }

    fn deliver(&mut self, watchers: Vec<Fired<WatchTx>>, event: WatchedEvent) {
        let ends = event.is_terminal() || event.event_type == EventType::PersistentWatchRemoved;
        for (id, sink) in watchers {
            match sink {
                Some(tx) => tx.fire(&event),
                None => {
                    let gone = match self.streams.get(&id) {
                        Some(tx) => tx.send(event.clone()).is_err() || ends,
                        None => false,
                    };
                    if gone {
                        self.streams.remove(&id);
                    }
                }
            }
        }
    }

    fn on_state(&mut self, s: SessionState) {
        {
            let mut snap = self.shared.snapshot();
            snap.session_id = self.core.session_id();
            snap.password = self.core.password().to_vec();
            snap.negotiated = self.core.negotiated_timeout();
            snap.server = if s.is_connected() { self.current } else { None };
            if s.is_connected() {
                snap.last_tls_error = None;
            }
        }
        if s.is_connected() {
            self.cycle_connected = true;
            self.backoff = self.cfg.backoff_initial;
        }
        self.shared.publish(s);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Also when the task is aborted: calls made from now on fail at once.
        self.gate.shut();
    }
}

/// Returns `Pending` once, after waking its own task: the tasks woken before it run first.
/// (`tokio::task::yield_now` would also wait for a poll of the reactor: one more syscall.)
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Hands replies to their callers: marks the turn as having answered callers and counts the
/// places to give back to the gate ([`Driver::pump`] gives them back). As the read's
/// [`ReplySink`] it takes only the replies of requests without a watcher; the others go
/// through the task's watch bookkeeping in [`Driver::pump`] first, which then hands them here.
struct Answers<'a> {
    answered: &'a mut bool,
    released: &'a mut usize,
}

impl ReplySink<Token> for Answers<'_> {
    fn takes(&mut self, token: &Token) -> bool {
        token.watch.is_none()
    }

    fn deliver(&mut self, mut token: Token, result: Result<RawReply, crate::Error>) {
        *self.answered = true;
        *self.released += token.permit.take().map_or(0, |p| usize::from(p.defer()));
        token.reply.send(result);
    }
}

/// The read buffer's size: one read takes up to this much.
const READ_CHUNK: usize = 64 * 1024;
/// The least free room the read buffer has before a read.
const READ_ROOM: usize = 8 * 1024;

/// The connection's next event: a read (first: replies are what most wake-ups are for) or,
/// when `want_write`, a write of what is buffered. Pending forever without a connection.
fn io_opt<'a>(
    io: &'a mut Option<Transport>,
    rbuf: &'a mut BytesMut,
    wbuf: &'a BytesMut,
    want_write: bool,
) -> impl Future<Output = Wake> + 'a {
    std::future::poll_fn(move |cx| {
        let Some(t) = io.as_mut() else {
            return std::task::Poll::Pending;
        };
        if rbuf.capacity() - rbuf.len() < READ_ROOM {
            // Ask for a buffer of READ_CHUNK in all, not READ_CHUNK more: when no reply still
            // shares the old buffer, `BytesMut` then moves the partial frame to its front
            // instead of growing the buffer (which copies everything read into it so far).
            rbuf.reserve(READ_CHUNK.saturating_sub(rbuf.len()).max(READ_ROOM));
        }
        let read = std::pin::pin!(t.read_buf(rbuf));
        if let std::task::Poll::Ready(r) = read.poll(cx) {
            return std::task::Poll::Ready(Wake::Read(r));
        }
        if want_write {
            if let std::task::Poll::Ready(r) = Pin::new(t).poll_write(cx, wbuf) {
                return std::task::Poll::Ready(Wake::Wrote(r));
            }
        }
        std::task::Poll::Pending
    })
}

async fn connect_opt(c: &mut Option<(SocketAddr, ConnectFuture)>) -> std::io::Result<Transport> {
    match c {
        Some((_, f)) => f.await,
        None => std::future::pending().await,
    }
}

/// One round of the Java client's `pingRwServer`: asks the other servers `isro` and returns
/// the first answering `rw`. The session core schedules the rounds.
async fn probe_rw(
    hosts: HostList,
    current: Option<SocketAddr>,
    limit: Duration,
    tls: Option<TlsConnector>,
) -> Option<SocketAddr> {
    for addr in resolve_all(&hosts, false).await {
        if Some(addr) == current {
            continue;
        }
        let answer =
            crate::ops::admin::four_letter(addr, "isro", limit, tls.as_ref(), &hosts).await;
        if answer.is_ok_and(|a| a.trim() == "rw") {
            return Some(addr);
        }
    }
    None
}
#[cfg(test)]
mod tests {
    #[test]
    fn a_request_stays_small_enough_to_be_moved_without_memcpy_calls() {
        let size =
            std::mem::size_of::<crate::session::Request<super::Token, crate::watch::WatchTx>>();
        assert!(size <= 128, "Request<Token, WatchTx> is {size} bytes");
    }
}
