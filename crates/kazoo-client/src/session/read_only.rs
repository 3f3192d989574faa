//! Read-only mode in the session machine: which session id a handshake may carry, the search
//! for a read-write server while connected read-only, and the opt-in fresh-session fallback.
//!
//! The rules, from the Java client (`ClientCnxn`) and the 3.7+ server
//! (`ReadOnlyZooKeeperServer`, ZOOKEEPER-3863):
//!
//! - A session a read-only server creates is a *local* session of that server, unknown to the
//!   rest of the ensemble. Until a read-write server has accepted the session, the client asks
//!   for a new one on every connection (session id 0), as the Java client does while
//!   `seenRwServerBefore` is false. We track this per session rather than per client (our
//!   client outlives sessions): a session born read-only goes on to a read-write server as a
//!   new session, transparently, with its watches re-registered.
//! - A read-only server refuses to resume a *global* session (one a read-write server created
//!   or resumed): it closes the connection during the handshake. By default such a session is
//!   never given up by the client: it stays `Suspended` (cycling through the hosts) until a
//!   read-write server resumes it or reports it expired, which keeps its ephemeral nodes and
//!   the guarantees recipes rely on. A *local* session (servers with `localSessionsEnabled`)
//!   is unknown to a read-only server, which answers "expired": the client then reports
//!   `Lost` and starts a fresh session, which the read-only server grants.
//! - Opt-in ([`SessionCore::set_fresh_session_fallback`]): when no server resumed a global
//!   session for a whole session timeout, the client gives it up itself (`ExpiredSession`,
//!   pending calls fail with `SessionExpired`, watchers get the expired event) and asks for a
//!   fresh session, which a read-only server can grant. By then an ensemble that still has a
//!   quorum has expired the session (the server's rule is the same timeout); one without a
//!   quorum expires it later, after a quorum forms again.
//! - While connected read-only, the machine asks the driver to probe the other servers
//!   ([`Output::ProbeRw`]; the driver asks each `isro`) after 100 ms, then after doubling
//!   pauses up to 60 s (the Java client's `minPingRwTimeout` / `maxPingRwTimeout`). A server
//!   answering `rw` ends the read-only connection and is tried first. Unlike the Java client,
//!   one round asks every other server, and the pause starts again from 100 ms after each
//!   read-write connection.

use super::{Output, Phase, SessionCore};
use crate::state::SessionState;
use std::time::{Duration, Instant};

/// The first pause before probing for a read-write server (Java's `minPingRwTimeout`).
pub const MIN_RW_PROBE_INTERVAL: Duration = Duration::from_millis(100);
/// The longest pause between two probes (Java's `maxPingRwTimeout`).
pub const MAX_RW_PROBE_INTERVAL: Duration = Duration::from_secs(60);

/// The probe schedule while connected read-only.
#[derive(Debug)]
pub(super) struct RwProbe {
    interval: Duration,
    next_at: Option<Instant>,
    round: u64,
    outstanding: bool,
}

impl RwProbe {
    pub(super) fn new() -> RwProbe {
        RwProbe {
            interval: MIN_RW_PROBE_INTERVAL,
            next_at: None,
            round: 0,
            outstanding: false,
        }
    }

    fn stop(&mut self) {
        self.next_at = None;
        self.outstanding = false;
    }
}

impl<T, S> SessionCore<T, S> {
    /// Opt-in: give a session up after a whole session timeout in which no server resumed
    /// it, and ask for a fresh one (which a read-only server can grant). Only has an effect
    /// when read-only servers are allowed. See the module documentation.
    pub fn set_fresh_session_fallback(&mut self, yes: bool) {
        self.fresh_session_fallback = yes;
    }

    /// The pause before the next probe for a read-write server.
    pub fn rw_probe_interval(&self) -> Duration {
        self.rw_probe.interval
    }

    /// The session id the next handshake carries: 0 (a new session) while no read-write
    /// server has accepted the current session.
    pub(super) fn handshake_session_id(&self) -> i64 {
        if self.seen_rw {
            self.session_id
        } else {
            0
        }
    }

    /// Records who accepted the session the handshake answered with.
    pub(super) fn note_session_origin(&mut self, same_session: bool, read_only: bool) {
        self.seen_rw = if same_session {
            self.seen_rw || !read_only
        } else {
            !read_only
        };
    }

    /// A read-only server closes the connection of a global session's handshake; say why
    /// that may be, since the transport error alone does not tell.
    pub(super) fn note_refused_handshake(&self) {
        if matches!(self.phase, Phase::Handshake { .. })
            && self.cfg.read_only
            && self.seen_rw
            && self.session_id != 0
        {
            tracing::debug!(
                session_id = format_args!("{:#x}", self.session_id),
                "the server closed the connection during the handshake: a server without a \
                 quorum does so, and so does a read-only one asked to resume a session it \
                 cannot (ZOOKEEPER-3863); waiting for a read-write server"
            );
        }
    }

    /// When the opt-in fallback gives the current session up.
    pub(super) fn give_up_deadline(&self) -> Option<Instant> {
        if !self.fresh_session_fallback
            || !self.cfg.read_only
            || self.session_id == 0
            || !self.seen_rw
            || self.phase == Phase::Closed
        {
            return None;
        }
        Some(self.disconnected_since? + self.session_timeout())
    }

    /// Gives the session up if the fallback's deadline passed; true when it did.
    pub(super) fn maybe_give_up(&mut self, now: Instant) -> bool {
        if !self.give_up_deadline().is_some_and(|d| now >= d) {
            return false;
        }
        tracing::info!("no server resumed the session for a whole session timeout; giving it up");
        self.expire();
        self.outputs.push_back(Output::Disconnect(
            "session given up after a whole session timeout without a server".to_owned(),
        ));
        true
    }

    /// Keeps the probe schedule in step with the announced state.
    pub(super) fn rw_probe_on_announce(&mut self, s: SessionState) {
        match s {
            // Announced while a received frame is handled, so `last_recv` is now.
            SessionState::ConnectedReadOnly => {
                self.rw_probe.outstanding = false;
                self.rw_probe.next_at = Some(self.last_recv + self.rw_probe.interval);
            }
            SessionState::Connected => {
                self.rw_probe.stop();
                self.rw_probe.interval = MIN_RW_PROBE_INTERVAL;
            }
            _ => self.rw_probe.stop(),
        }
    }

    /// When the next probe is due (only while connected read-only).
    pub(super) fn rw_probe_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Connected { read_only: true } if !self.rw_probe.outstanding => {
                self.rw_probe.next_at
            }
            _ => None,
        }
    }

    /// Starts a probe round when one is due.
    pub(super) fn poll_rw_probe(&mut self, now: Instant) {
        if !self.rw_probe_deadline().is_some_and(|d| now >= d) {
            return;
        }
        let p = &mut self.rw_probe;
        p.round += 1;
        p.outstanding = true;
        p.next_at = None;
        p.interval = (p.interval * 2).min(MAX_RW_PROBE_INTERVAL);
        tracing::debug!(round = p.round, "looking for a read-write server");
        self.outputs.push_back(Output::ProbeRw { round: p.round });
    }

    /// The driver's answer to [`Output::ProbeRw`]: whether a server answered `rw`. Returns
    /// true when the machine dropped the read-only connection for it (an
    /// [`Output::Disconnect`] follows): the driver should try that server next. Answers to
    /// older rounds, or arriving after the read-only connection ended, are ignored.
    pub fn handle_rw_probe(&mut self, now: Instant, round: u64, found: bool) -> bool {
        if !self.rw_probe.outstanding || round != self.rw_probe.round {
            return false;
        }
        self.rw_probe.outstanding = false;
        if self.phase != (Phase::Connected { read_only: true }) {
            return false;
        }
        if found {
            self.rw_probe.interval = MIN_RW_PROBE_INTERVAL;
            self.reset(now, "a read-write server was found".to_owned());
            return true;
        }
        self.rw_probe.next_at = Some(now + self.rw_probe.interval);
        false
    }
}
