//! Deterministic tests of the read-only rules (see `read_only`): which session a handshake
//! asks for, what a refused or expired resume does, the opt-in fallback, and the probe
//! schedule for a read-write server.

use super::read_only::{MAX_RW_PROBE_INTERVAL, MIN_RW_PROBE_INTERVAL};
use super::tests::{connect_response, outputs, request, sent, states, T};
use super::watches::{WatchKind, WatchRegistration, WatcherId};
use super::*;

fn ro_core(now: Instant) -> SessionCore<u32> {
    SessionCore::new(
        SessionConfig {
            session_timeout: T,
            read_only: true,
            chroot: None,
            sasl: None,
        },
        now,
    )
}

/// Opens a transport and sends the handshake; returns the session id it carries.
fn start_handshake(c: &mut SessionCore<u32>, now: Instant) -> i64 {
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    let hs = sent(c);
    i64::from_be_bytes(hs[20..28].try_into().unwrap())
}

/// A full connection: handshake sent, answered with `session` (read-only or not).
fn connect(c: &mut SessionCore<u32>, now: Instant, session: i64, read_only: bool) -> i64 {
    let asked = start_handshake(c, now);
    c.handle_read(now, &mut connect_response(9000, session, read_only));
    asked
}

fn probes(outs: &[Output<u32>]) -> Vec<u64> {
    outs.iter()
        .filter_map(|o| match o {
            Output::ProbeRw { round } => Some(*round),
            _ => None,
        })
        .collect()
}

#[test]
fn a_session_born_read_only_moves_to_a_read_write_server_as_a_new_one() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    assert_eq!(connect(&mut c, t0, 0x10, true), 0);
    let outs = outputs(&mut c);
    assert_eq!(
        states(&outs),
        vec![SessionState::Connecting, SessionState::ConnectedReadOnly]
    );
    // A watch set on the read-only session.
    let reg = WatchRegistration {
        kind: WatchKind::Data,
        path: "/w".into(),
        watcher: WatcherId(1),
        sink: None,
    };
    c.submit(t0, request(OpCode::GetData, 1, Some(reg)));
    let _ = sent(&mut c);
    c.handle_read(t0, &mut super::tests::reply(1, 5, 0, &[]));
    let _ = outputs(&mut c);

    // Another read-only server: still a new session each time (Java's seenRwServerBefore).
    c.handle_transport_lost(t0, "gone");
    assert_eq!(connect(&mut c, t0, 0x11, true), 0);
    assert_eq!(c.session_id(), Some(0x11));

    // The read-write server gets session id 0 and grants a real session; the watch follows.
    c.handle_transport_lost(t0, "switch");
    assert_eq!(start_handshake(&mut c, t0), 0);
    let _ = outputs(&mut c);
    c.handle_read(t0, &mut connect_response(9000, 0x20, false));
    let replay = sent(&mut c);
    assert!(
        replay.windows(2).any(|w| w == b"/w"),
        "SetWatches2 for the old watch"
    );
    let outs = outputs(&mut c);
    assert_eq!(states(&outs), vec![SessionState::Connected]);
    assert!(!outs
        .iter()
        .any(|o| matches!(o, Output::Watch { event, .. } if event.is_terminal())));
    assert_eq!(c.session_id(), Some(0x20));

    // From now on the session is global: it is resumed, also when offered to a
    // read-only server.
    c.handle_transport_lost(t0, "gone");
    assert_eq!(start_handshake(&mut c, t0), 0x20);
}

#[test]
fn a_global_session_waits_suspended_while_only_read_only_servers_answer() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    assert_eq!(connect(&mut c, t0, 0x20, false), 0);
    c.handle_transport_lost(t0, "quorum lost");
    c.submit(t0, request(OpCode::GetData, 1, None));
    let _ = outputs(&mut c);
    // Read-only servers close the connection during the handshake (ZOOKEEPER-3863), for
    // far longer than the session timeout: the client keeps asking for its session.
    let mut now = t0;
    while now < t0 + T * 10 {
        now += Duration::from_millis(700);
        assert_eq!(start_handshake(&mut c, now), 0x20);
        c.handle_timeout(now);
        c.handle_transport_lost(now, "closed during the handshake");
        let outs = outputs(&mut c);
        assert!(!states(&outs).contains(&SessionState::ExpiredSession));
        assert!(outs.iter().all(|o| !matches!(o, Output::Reply { .. })));
    }
    assert_eq!(c.queued_len(), 1);
    // A read-write server resumes it; the queued request goes out.
    assert_eq!(connect(&mut c, now, 0x20, false), 0x20);
    assert_eq!(states(&outputs(&mut c)), vec![SessionState::Connected]);
    assert_eq!(c.in_flight_len(), 1);
}

#[test]
fn a_local_session_reported_expired_by_a_read_only_server_is_replaced() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    connect(&mut c, t0, 0x20, false);
    c.handle_transport_lost(t0, "quorum lost");
    let _ = outputs(&mut c);
    // The read-only server does not know the (local) session: expired.
    assert_eq!(start_handshake(&mut c, t0), 0x20);
    c.handle_read(t0, &mut connect_response(0, 0, true));
    let outs = outputs(&mut c);
    assert!(states(&outs).contains(&SessionState::ExpiredSession));
    // A fresh session, born read-only ...
    assert_eq!(connect(&mut c, t0, 0x30, true), 0);
    assert!(states(&outputs(&mut c)).contains(&SessionState::ConnectedReadOnly));
    // ... which is not offered to the read-write server later.
    c.handle_transport_lost(t0, "switch");
    assert_eq!(start_handshake(&mut c, t0), 0);
}

#[test]
fn the_opt_in_fallback_gives_a_global_session_up_after_a_session_timeout() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    c.set_fresh_session_fallback(true);
    connect(&mut c, t0, 0x20, false);
    let _ = outputs(&mut c);
    c.handle_transport_lost(t0, "quorum lost");
    c.submit(t0, request(OpCode::GetData, 1, None));
    assert_eq!(c.poll_timeout(), Some(t0 + T));
    c.handle_timeout(t0 + T - Duration::from_millis(1));
    assert!(!states(&outputs(&mut c)).contains(&SessionState::ExpiredSession));
    c.handle_timeout(t0 + T);
    let outs = outputs(&mut c);
    assert!(states(&outs).contains(&SessionState::ExpiredSession));
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 1,
            result: Err(Error::SessionExpired)
        }
    )));
    assert_eq!(start_handshake(&mut c, t0 + T), 0);
    c.handle_read(t0 + T, &mut connect_response(9000, 0x40, true));
    assert!(states(&outputs(&mut c)).contains(&SessionState::ConnectedReadOnly));

    // Without read-only allowed the opt-in does nothing.
    let mut rw = super::tests::core(t0);
    rw.set_fresh_session_fallback(true);
    connect(&mut rw, t0, 0x20, false);
    rw.handle_transport_lost(t0, "gone");
    assert_eq!(rw.poll_timeout(), None);
}

#[test]
fn probes_for_a_read_write_server_with_doubling_pauses() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    connect(&mut c, t0, 0x10, true);
    let _ = outputs(&mut c);
    assert_eq!(c.poll_timeout(), Some(t0 + MIN_RW_PROBE_INTERVAL));
    c.handle_timeout(t0 + Duration::from_millis(99));
    assert!(probes(&outputs(&mut c)).is_empty());
    let mut now = t0 + MIN_RW_PROBE_INTERVAL;
    c.handle_timeout(now);
    assert_eq!(probes(&outputs(&mut c)), vec![1]);
    // One round at a time: nothing more until it is answered.
    c.handle_timeout(now + Duration::from_secs(1));
    assert!(probes(&outputs(&mut c)).is_empty());
    // A stale answer is ignored.
    assert!(!c.handle_rw_probe(now, 0, true));
    assert!(c.is_read_only());
    // Nothing found: the pause doubles, up to a minute.
    let mut pauses = Vec::new();
    for round in 1..=12 {
        now += Duration::from_millis(5);
        assert!(!c.handle_rw_probe(now, round, false));
        let pause = c.rw_probe_interval();
        pauses.push(pause);
        assert!(c.poll_timeout().unwrap() <= now + pause);
        now += pause;
        // Pings answered meanwhile: the connection stays up.
        c.handle_read(now, &mut super::tests::reply(-2, -1, 0, &[]));
        c.handle_timeout(now - Duration::from_millis(1));
        assert!(probes(&outputs(&mut c)).is_empty());
        c.handle_timeout(now);
        let _ = sent(&mut c);
        assert_eq!(probes(&outputs(&mut c)), vec![round + 1]);
    }
    assert_eq!(pauses[0], Duration::from_millis(200));
    assert_eq!(pauses[1], Duration::from_millis(400));
    assert_eq!(*pauses.last().unwrap(), MAX_RW_PROBE_INTERVAL);
    // Found: the read-only connection is dropped for it.
    assert!(c.handle_rw_probe(now, 13, true));
    let outs = outputs(&mut c);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("read-write server was found"))));
    assert_eq!(states(&outs), vec![SessionState::Connecting]);
    assert_eq!(c.rw_probe_interval(), MIN_RW_PROBE_INTERVAL);
    // A late answer after the connection ended changes nothing.
    assert!(!c.handle_rw_probe(now, 13, true));
}

#[test]
fn no_probe_on_a_read_write_connection_and_a_fresh_schedule_after_one() {
    let t0 = Instant::now();
    let mut c = ro_core(t0);
    connect(&mut c, t0, 0x10, true);
    c.handle_timeout(t0 + MIN_RW_PROBE_INTERVAL);
    assert_eq!(probes(&outputs(&mut c)), vec![1]);
    // The read-only server goes away while the probe runs; the answer is stale.
    c.handle_transport_lost(t0, "gone");
    assert!(!c.handle_rw_probe(t0, 1, true));
    connect(&mut c, t0, 0x20, false);
    let _ = outputs(&mut c);
    // Pings only: the next deadline is the ping interval, and no probe comes.
    assert_eq!(c.poll_timeout(), Some(t0 + T / 3));
    c.handle_timeout(t0 + T / 3);
    assert!(probes(&outputs(&mut c)).is_empty());
    assert_eq!(c.rw_probe_interval(), MIN_RW_PROBE_INTERVAL);
}
