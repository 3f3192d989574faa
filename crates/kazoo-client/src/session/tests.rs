//! Deterministic tests of the session machine: time is an input, the "server" is bytes.

use super::watches::{Registration, WatchKind, WatchRegistration, WatcherId};
use super::*;
use bytes::{BufMut, BytesMut};

pub(super) const T: Duration = Duration::from_secs(9);

pub(super) fn core(now: Instant) -> SessionCore<u32> {
    SessionCore::new(
        SessionConfig {
            session_timeout: T,
            read_only: false,
            chroot: Some("/app".into()),
            sasl: None,
        },
        now,
    )
}

pub(super) fn connect_response(timeout_ms: i32, session_id: i64, read_only: bool) -> BytesMut {
    let mut body = BytesMut::new();
    body.put_i32(0);
    body.put_i32(timeout_ms);
    body.put_i64(session_id);
    body.put_i32(16);
    body.put_slice(&[7u8; 16]);
    body.put_u8(read_only as u8);
    frame(body)
}

pub(super) fn frame(body: BytesMut) -> BytesMut {
    let mut f = BytesMut::new();
    f.put_i32(body.len() as i32);
    f.extend_from_slice(&body);
    f
}

pub(super) fn reply(xid: i32, zxid: i64, err: i32, payload: &[u8]) -> BytesMut {
    let mut body = BytesMut::new();
    body.put_i32(xid);
    body.put_i64(zxid);
    body.put_i32(err);
    body.put_slice(payload);
    frame(body)
}

pub(super) fn notification(event_type: i32, path: &str) -> BytesMut {
    let mut p = BytesMut::new();
    p.put_i32(event_type);
    p.put_i32(3);
    p.put_i32(path.len() as i32);
    p.put_slice(path.as_bytes());
    reply(-1, -1, 0, &p)
}

/// A request frame with a placeholder xid.
pub(super) fn request(op: OpCode, token: u32, watch: Option<WatchRegistration>) -> Request<u32> {
    let mut f = BytesMut::new();
    f.put_i32(8 + 4);
    f.put_i32(0);
    f.put_i32(op.code());
    f.put_i32(token as i32);
    Request {
        op,
        frame: f.freeze(),
        watch: watch.map(Box::new),
        token,
    }
}

pub(super) fn outputs(c: &mut SessionCore<u32>) -> Vec<Output<u32>> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

pub(super) fn states(outs: &[Output<u32>]) -> Vec<SessionState> {
    outs.iter()
        .filter_map(|o| match o {
            Output::State(s) => Some(*s),
            _ => None,
        })
        .collect()
}

pub(super) fn sent(c: &mut SessionCore<u32>) -> BytesMut {
    let mut b = BytesMut::new();
    c.take_transmit(&mut b);
    b
}

/// Every complete frame body in `b`.
pub(super) fn frames_of(b: &mut BytesMut) -> Vec<Bytes> {
    let mut bounds = Vec::new();
    let (chunk, r) = wire::split_frames(b, &mut bounds);
    r.unwrap();
    bounds.iter().map(|&(s, e)| chunk.slice(s..e)).collect()
}

/// Splits what the client sent into frames: (xid, op) of each.
pub(super) fn sent_headers(mut b: BytesMut) -> Vec<(i32, i32)> {
    let frames = frames_of(&mut b);
    frames
        .iter()
        .map(|f| {
            (
                i32::from_be_bytes([f[0], f[1], f[2], f[3]]),
                i32::from_be_bytes([f[4], f[5], f[6], f[7]]),
            )
        })
        .collect()
}

pub(super) fn connected(now: Instant) -> SessionCore<u32> {
    let mut c = core(now);
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    let _ = sent(&mut c);
    c.handle_read(now, &mut connect_response(9000, 0x55, false));
    let _ = outputs(&mut c);
    let _ = sent(&mut c);
    c
}

#[test]
fn handshake_announces_connected() {
    let now = Instant::now();
    let mut c = core(now);
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    let hs = sent(&mut c);
    // length + protocol version 0 + lastZxid 0 + timeout 9000 ...
    assert_eq!(&hs[4..8], &[0, 0, 0, 0]);
    assert_eq!(&hs[16..20], &9000i32.to_be_bytes());
    c.handle_read(now, &mut connect_response(6000, 0x55, false));
    assert_eq!(
        states(&outputs(&mut c)),
        vec![SessionState::Connecting, SessionState::Connected]
    );
    assert_eq!(c.session_id(), Some(0x55));
    assert_eq!(c.negotiated_timeout(), Some(Duration::from_secs(6)));
}

#[test]
fn pings_when_idle_and_reset_on_read_timeout() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    // T = 9 s: ping interval 3 s, read timeout 6 s.
    assert_eq!(c.poll_timeout(), Some(t0 + Duration::from_secs(3)));
    c.handle_timeout(t0 + Duration::from_secs(3));
    assert_eq!(sent_headers(sent(&mut c)), vec![(-2, 11)]);
    // The ping reply counts as traffic.
    let t1 = t0 + Duration::from_secs(4);
    c.handle_read(t1, &mut reply(-2, -1, 0, &[]));
    c.handle_timeout(t0 + Duration::from_secs(6));
    // A server that never answers pings: at 2T/3 after the last byte, the connection goes.
    c.handle_timeout(t1 + Duration::from_secs(3));
    let _ = sent(&mut c);
    c.handle_timeout(t1 + Duration::from_secs(6));
    let outs = outputs(&mut c);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("read timeout"))));
    assert_eq!(states(&outs), vec![SessionState::Connecting]);
    assert!(c.wants_transport());
}

#[test]
fn connect_timeout_is_per_host_share_of_the_session_timeout() {
    let t0 = Instant::now();
    let mut c = core(t0);
    c.set_host_count(3);
    assert_eq!(c.connect_timeout(), Duration::from_secs(3));
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    c.handle_timeout(t0 + Duration::from_secs(3));
    assert!(outputs(&mut c)
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("connect timeout"))));
}

#[test]
fn reconnect_resumes_session_with_last_zxid_from_replies_only() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    c.submit(t0, request(OpCode::GetData, 1, None));
    let _ = sent(&mut c);
    c.handle_read(t0, &mut reply(1, 0x42, 0, &[]));
    // A notification carries zxid -1 and must not move lastZxidSeen.
    c.handle_read(t0, &mut notification(3, "/app/x"));
    assert_eq!(c.last_zxid(), 0x42);
    c.handle_transport_lost(t0, "test");
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let hs = sent(&mut c);
    assert_eq!(&hs[8..16], &0x42i64.to_be_bytes());
    assert_eq!(&hs[20..28], &0x55i64.to_be_bytes());
    assert_eq!(&hs[28..32], &16i32.to_be_bytes());
    assert_eq!(&hs[32..48], &[7u8; 16]);
}

#[test]
fn requests_wait_while_disconnected_and_go_out_in_call_order() {
    let t0 = Instant::now();
    let mut c = core(t0);
    for t in 1..=3 {
        c.submit(t0, request(OpCode::GetData, t, None));
    }
    assert_eq!(c.queued_len(), 3);
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let _ = sent(&mut c);
    c.handle_read(t0, &mut connect_response(9000, 1, false));
    let hdrs = sent_headers(sent(&mut c));
    assert_eq!(hdrs, vec![(1, 4), (2, 4), (3, 4)]);
    // Replies come back FIFO and each token gets its own.
    for x in 1..=3 {
        c.handle_read(t0, &mut reply(x, 10 + x as i64, 0, &[]));
    }
    let tokens: Vec<u32> = outputs(&mut c)
        .into_iter()
        .filter_map(|o| match o {
            Output::Reply { token, result } => {
                assert!(result.is_ok());
                Some(token)
            }
            _ => None,
        })
        .collect();
    assert_eq!(tokens, vec![1, 2, 3]);
}

#[test]
fn xid_mismatch_resets_the_connection_and_fails_in_flight_only() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    c.submit(t0, request(OpCode::GetData, 1, None));
    let _ = sent(&mut c);
    c.handle_read(t0, &mut reply(99, 1, 0, &[]));
    let outs = outputs(&mut c);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("xid mismatch"))));
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 1,
            result: Err(Error::ConnectionLoss)
        }
    )));
    assert_eq!(states(&outs), vec![SessionState::Connecting]);
}

#[test]
fn garbage_and_truncated_frames() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    c.submit(t0, request(OpCode::GetData, 1, None));
    let _ = sent(&mut c);
    // A truncated frame is kept until the rest arrives.
    let full = reply(1, 5, 0, &[1, 2, 3]);
    let mut part = BytesMut::from(&full[..7]);
    c.handle_read(t0, &mut part);
    assert!(outputs(&mut c).is_empty());
    part.extend_from_slice(&full[7..]);
    c.handle_read(t0, &mut part);
    assert!(matches!(
        outputs(&mut c).as_slice(),
        [Output::Reply {
            token: 1,
            result: Ok(_)
        }]
    ));
    // A negative length is garbage: reset, never panic.
    let mut bad = BytesMut::from(&[0xff, 0xff, 0xff, 0x00, 1, 2][..]);
    c.handle_read(t0, &mut bad);
    assert!(outputs(&mut c)
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("invalid frame length"))));
    // A frame too short for a reply header is garbage too.
    let mut c = connected(t0);
    c.handle_read(t0, &mut frame(BytesMut::from(&[1u8, 2, 3][..])));
    assert!(outputs(&mut c)
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("malformed reply header"))));
    // And a malformed handshake answer.
    let mut c = core(t0);
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    c.handle_read(t0, &mut frame(BytesMut::from(&[0u8; 5][..])));
    assert!(outputs(&mut c)
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("malformed connect response"))));
}

#[test]
fn expiry_fails_everything_and_tells_watchers() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    let reg = WatchRegistration {
        kind: WatchKind::Data,
        path: "/app/w".into(),
        watcher: WatcherId(7),
        sink: None,
    };
    c.submit(t0, request(OpCode::GetData, 1, Some(reg)));
    c.handle_read(t0, &mut reply(1, 3, 0, &[]));
    let _ = outputs(&mut c);
    c.handle_transport_lost(t0, "test");
    c.submit(t0, request(OpCode::GetData, 2, None));
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    c.handle_read(t0, &mut connect_response(0, 0, false));
    let outs = outputs(&mut c);
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 2,
            result: Err(Error::SessionExpired)
        }
    )));
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Watch { watchers, event } if watchers == &[(WatcherId(7), None)]
            && event.keeper_state == KeeperState::Expired && event.path == "/w"
    )));
    assert!(states(&outs).contains(&SessionState::ExpiredSession));
    assert_eq!(c.session_id(), None);
    // The next connection asks for a new session.
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let hs = sent(&mut c);
    assert_eq!(&hs[20..28], &0i64.to_be_bytes());
}

#[test]
fn auth_is_replayed_before_connected_is_announced() {
    let t0 = Instant::now();
    let mut c = core(t0);
    c.add_auth(t0, "digest", b"u:p", None);
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let _ = sent(&mut c);
    c.submit(t0, request(OpCode::GetData, 1, None));
    c.handle_read(t0, &mut connect_response(9000, 1, false));
    // Auth first, then the queued request.
    assert_eq!(sent_headers(sent(&mut c)), vec![(-4, 100), (1, 4)]);
    assert_eq!(states(&outputs(&mut c)), vec![SessionState::Connecting]);
    c.handle_read(t0, &mut reply(-4, 0, 0, &[]));
    assert_eq!(states(&outputs(&mut c)), vec![SessionState::Connected]);
}

#[test]
fn auth_failure_is_terminal() {
    let t0 = Instant::now();
    let mut c = core(t0);
    c.add_auth(t0, "bogus", b"x", None);
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    c.handle_read(t0, &mut connect_response(9000, 1, false));
    c.handle_read(t0, &mut reply(-4, 0, -115, &[]));
    let outs = outputs(&mut c);
    assert!(states(&outs).contains(&SessionState::AuthFailed));
    assert!(c.is_closed());
    c.submit(t0, request(OpCode::GetData, 5, None));
    assert!(matches!(
        outputs(&mut c).as_slice(),
        [Output::Reply {
            token: 5,
            result: Err(Error::AuthFailed)
        }]
    ));
}

#[test]
fn watches_are_replayed_with_set_watches2_in_chunks() {
    // Enough persistent-recursive watches to need more than one 128 KiB packet.
    let n = 3000;
    let regs = (0..n)
        .map(|i| {
            let kind = if i == 0 {
                WatchKind::Data
            } else {
                WatchKind::PersistentRecursive
            };
            (kind, format!("/app/{i:0>60}"))
        })
        .collect();
    let frames = replayed(regs);
    assert!(frames.len() >= 2, "{} frames", frames.len());
    let mut total = 0;
    for f in &frames {
        assert!(f.len() < 128 * 1024 + 100);
        let mut r = Reader::new(f.clone());
        assert_eq!(r.read_i32().unwrap(), -8);
        assert_eq!(r.read_i32().unwrap(), 105);
        assert_eq!(r.read_i64().unwrap(), 100, "relative zxid");
        for _ in 0..5 {
            total += r.read_string_vec().unwrap().len();
        }
        assert_eq!(r.remaining(), 0);
    }
    assert_eq!(total, n);
}

/// Replays `regs` after a reconnect and returns the SetWatches frames sent.
fn replayed(regs: Vec<(WatchKind, String)>) -> Vec<Bytes> {
    let t0 = Instant::now();
    let mut c = connected(t0);
    let n = regs.len();
    for (i, (kind, path)) in regs.into_iter().enumerate() {
        let op = if kind.is_persistent() {
            OpCode::AddWatch
        } else {
            OpCode::GetData
        };
        let reg = WatchRegistration {
            kind,
            path: path.into(),
            watcher: WatcherId(i as u64),
            sink: None,
        };
        c.submit(t0, request(op, i as u32, Some(reg)));
    }
    let _ = sent(&mut c);
    for x in 1..=n as i32 {
        c.handle_read(t0, &mut reply(x, 100, 0, &[]));
    }
    c.handle_transport_lost(t0, "test");
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let _ = sent(&mut c);
    c.handle_read(t0, &mut connect_response(9000, 0x55, false));
    let mut bytes = sent(&mut c);
    frames_of(&mut bytes)
}

#[test]
fn one_shot_watches_are_replayed_with_set_watches_that_every_server_knows() {
    let frames = replayed(vec![
        (WatchKind::Data, "/a".to_owned()),
        (WatchKind::Exist, "/b".to_owned()),
        (WatchKind::Child, "/c".to_owned()),
    ]);
    assert_eq!(frames.len(), 1);
    let mut r = Reader::new(frames[0].clone());
    assert_eq!(r.read_i32().unwrap(), -8);
    assert_eq!(r.read_i32().unwrap(), 101, "SetWatches, not SetWatches2");
    assert_eq!(r.read_i64().unwrap(), 100, "relative zxid");
    assert_eq!(r.read_string_vec().unwrap(), vec!["/a".to_owned()]);
    assert_eq!(r.read_string_vec().unwrap(), vec!["/b".to_owned()]);
    assert_eq!(r.read_string_vec().unwrap(), vec!["/c".to_owned()]);
    assert_eq!(r.remaining(), 0, "three lists only");
}

#[test]
fn a_chunk_with_persistent_watches_uses_set_watches2_and_one_without_set_watches() {
    // Enough data watches to fill the first 128 KiB chunk, then one persistent watch.
    let mut regs: Vec<_> = (0..2500)
        .map(|i| (WatchKind::Data, format!("/app/{i:0>60}")))
        .collect();
    regs.push((WatchKind::Persistent, "/p".to_owned()));
    let frames = replayed(regs);
    assert!(frames.len() >= 2, "{} frames", frames.len());
    let ops: Vec<i32> = frames
        .iter()
        .map(|f| {
            let mut r = Reader::new(f.clone());
            r.read_i32().unwrap();
            r.read_i32().unwrap()
        })
        .collect();
    assert_eq!(ops[0], 101, "{ops:?}");
    assert_eq!(*ops.last().unwrap(), 105, "{ops:?}");
    let mut data = 0;
    for f in &frames {
        let mut r = Reader::new(f.clone());
        r.read_i32().unwrap();
        let lists = if r.read_i32().unwrap() == 105 { 5 } else { 3 };
        r.read_i64().unwrap();
        for l in 0..lists {
            let n = r.read_string_vec().unwrap().len();
            if l == 0 {
                data += n;
            }
        }
        assert_eq!(r.remaining(), 0);
    }
    assert_eq!(data, 2500);
}

#[test]
fn exists_on_missing_node_sets_an_exist_watch_and_routing_strips_chroot() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    let reg = WatchRegistration {
        kind: WatchKind::Data,
        path: "/app/n".into(),
        watcher: WatcherId(1),
        sink: None,
    };
    c.submit(t0, request(OpCode::Exists, 1, Some(reg)));
    c.handle_read(t0, &mut reply(1, 1, -101, &[]));
    let outs = outputs(&mut c);
    assert!(matches!(
        outs.as_slice(),
        [Output::Reply {
            token: 1,
            result: Ok(RawReply {
                watch_set: true,
                ..
            })
        }]
    ));
    assert!(c.watches().has(WatchKind::Exist, "/app/n"));
    c.handle_read(t0, &mut notification(1, "/app/n"));
    assert!(matches!(
        outputs(&mut c).as_slice(),
        [Output::Watch { event, .. }] if event.path == "/n" && event.event_type == EventType::NodeCreated
    ));
    assert!(c.watches().is_empty());
}

#[test]
fn close_sends_close_session_and_fails_later_requests() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    c.close(t0);
    assert_eq!(sent_headers(sent(&mut c)), vec![(1, -11)]);
    c.handle_read(t0, &mut reply(1, 9, 0, &[]));
    let outs = outputs(&mut c);
    assert!(states(&outs).contains(&SessionState::Closed));
    assert!(c.is_closed());
    c.submit(t0, request(OpCode::GetData, 3, None));
    assert!(matches!(
        outputs(&mut c).as_slice(),
        [Output::Reply {
            token: 3,
            result: Err(Error::Closed)
        }]
    ));
}

#[test]
fn read_only_server_is_announced_and_session_not_resumed_until_rw_seen() {
    let t0 = Instant::now();
    let mut c = SessionCore::<u32>::new(
        SessionConfig {
            session_timeout: T,
            read_only: true,
            chroot: None,
            sasl: None,
        },
        t0,
    );
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let hs = sent(&mut c);
    assert_eq!(*hs.last().unwrap(), 1, "readOnly flag set in the handshake");
    c.handle_read(t0, &mut connect_response(9000, 0x77, true));
    assert!(states(&outputs(&mut c)).contains(&SessionState::ConnectedReadOnly));
    assert!(c.is_read_only());
    c.handle_transport_lost(t0, "switch");
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let hs = sent(&mut c);
    // Never seen a read-write server: ask for a fresh session (the Java client's rule).
    assert_eq!(&hs[20..28], &0i64.to_be_bytes());
}

#[test]
fn taking_what_to_send_keeps_it_in_order_whether_the_buffer_is_empty_or_not() {
    let now = Instant::now();
    let mut c = connected(now);
    let mut out = BytesMut::new();
    c.submit(now, request(OpCode::GetData, 1, None));
    c.submit(now, request(OpCode::Exists, 2, None));
    // Into an empty buffer (swapped).
    assert_eq!(c.take_transmit(&mut out), 2);
    assert_eq!(out.len(), 2 * 16);
    // Half of it written; more requests are appended after what is left.
    out.advance(16);
    c.submit(now, request(OpCode::GetChildren, 3, None));
    assert_eq!(c.take_transmit(&mut out), 1);
    let ops: Vec<i32> = sent_headers(out.clone()).iter().map(|h| h.1).collect();
    assert_eq!(ops, [OpCode::Exists.code(), OpCode::GetChildren.code()]);
    // All written: the next take swaps again, and the core's buffer (the written one, its
    // start advanced) takes its room back when written to.
    out.advance(out.len());
    for t in 4..=6 {
        c.submit(now, request(OpCode::GetData, t, None));
    }
    assert_eq!(c.take_transmit(&mut out), 3);
    let headers = sent_headers(out.clone());
    assert_eq!(headers.len(), 3);
    // xids continue in order.
    assert!(headers.windows(2).all(|w| w[1].0 == w[0].0 + 1));
    c.submit(now, request(OpCode::Exists, 7, None));
    let mut fresh = BytesMut::new();
    assert_eq!(c.take_transmit(&mut fresh), 1);
    assert_eq!(
        sent_headers(fresh),
        [(headers[2].0 + 1, OpCode::Exists.code())]
    );
    assert!(!c.has_transmit());
}

/// The tokens of the requests failed as malformed, in output order.
fn protocol_failures(c: &mut SessionCore<u32>) -> Vec<u32> {
    outputs(c)
        .into_iter()
        .filter_map(|o| match o {
            Output::Reply {
                token,
                result: Err(Error::Protocol(_)),
            } => Some(token),
            _ => None,
        })
        .collect()
}

/// (token, zxid or -1 for a failure) of every reply output, in order.
fn replies(c: &mut SessionCore<u32>) -> Vec<(u32, i64)> {
    outputs(c)
        .into_iter()
        .filter_map(|o| match o {
            Output::Reply { token, result } => Some((token, result.map_or(-1, |r| r.zxid))),
            _ => None,
        })
        .collect()
}

/// Takes every reply but those of the tokens in `refuse`, and lists the tokens it took.
struct TakeAllBut {
    refuse: Vec<u32>,
    took: Vec<(u32, i64)>,
}

impl ReplySink<u32> for TakeAllBut {
    fn takes(&mut self, token: &u32) -> bool {
        !self.refuse.contains(token)
    }

    fn deliver(&mut self, token: u32, result: Result<RawReply, Error>) {
        self.took.push((token, result.map_or(-1, |r| r.zxid)));
    }
}

#[test]
fn a_sink_takes_replies_only_while_nothing_is_queued_before_them() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    for t in 1..=5 {
        c.submit(t0, request(OpCode::GetData, t, None));
    }
    let _ = sent(&mut c);
    let mut sink = TakeAllBut {
        refuse: vec![3],
        took: Vec::new(),
    };
    let mut buf = BytesMut::new();
    for xid in 1..=4 {
        buf.extend_from_slice(&reply(xid, 100 + i64::from(xid), 0, &[]));
    }
    c.handle_read_with(t0, &mut buf, &mut sink);
    // 3 is refused, so it is queued, and 4 queues behind it though the sink would take it.
    assert_eq!(sink.took, vec![(1, 101), (2, 102)]);
    let queued = replies(&mut c);
    assert_eq!(queued, vec![(3, 103), (4, 104)]);
    // With the queue drained, the next reply goes to the sink again.
    c.handle_read_with(t0, &mut reply(5, 105, 0, &[]), &mut sink);
    assert_eq!(sink.took.last(), Some(&(5, 105)));
    assert!(outputs(&mut c).is_empty());
}

/// The i32 at `at` in `b`.
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[test]
fn a_run_of_frames_goes_out_in_order_with_its_xids_and_a_short_frame_fails_alone() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    let mut frames = Vec::new();
    let mut items = Vec::new();
    for t in 1..=4u32 {
        let f = if t == 3 {
            vec![0xEEu8; 8]
        } else {
            request(OpCode::GetData, t, None).frame.to_vec()
        };
        items.push((OpCode::GetData, f.len(), None, t));
        frames.extend_from_slice(&f);
    }
    frames.extend_from_slice(b"next"); // what follows the run is not taken
    let took = c.submit_frames(t0, &mut frames, 0, items.into_iter());
    assert_eq!(took, frames.len() - 4);
    let mut out = sent(&mut c);
    assert!(
        !out.windows(8).any(|w| w == [0xEE; 8]),
        "the short frame went out"
    );
    // (xid, op, the token in the body) of every frame sent.
    let got: Vec<(i32, i32, i32)> = frames_of(&mut out)
        .iter()
        .map(|f| (be_i32(f, 0), be_i32(f, 4), be_i32(f, 8)))
        .collect();
    assert_eq!(got, vec![(1, 4, 1), (2, 4, 2), (3, 4, 4)]);
    let failed = protocol_failures(&mut c);
    assert_eq!(failed, vec![3]);
    // The replies find their own requests.
    let mut buf = BytesMut::new();
    for xid in 1..=3 {
        buf.extend_from_slice(&reply(xid, 10 + i64::from(xid), 0, &[]));
    }
    c.handle_read(t0, &mut buf);
    let answered = replies(&mut c);
    assert_eq!(answered, vec![(1, 11), (2, 12), (4, 13)]);
}

#[test]
fn a_run_of_frames_waits_while_disconnected_and_goes_out_in_order_on_connect() {
    let t0 = Instant::now();
    let mut c = core(t0);
    let mut frames = Vec::new();
    let mut items = Vec::new();
    for t in 1..=3u32 {
        let f = request(OpCode::Exists, t, None).frame.to_vec();
        items.push((OpCode::Exists, f.len(), None, t));
        frames.extend_from_slice(&f);
    }
    let took = c.submit_frames(t0, &mut frames, 0, items.into_iter());
    assert_eq!(took, frames.len());
    assert_eq!(c.queued_len(), 3);
    c.handle_connecting(t0);
    c.handle_transport_connected(t0);
    let _ = sent(&mut c);
    c.handle_read(t0, &mut connect_response(9000, 1, false));
    let op = OpCode::Exists.code();
    assert_eq!(sent_headers(sent(&mut c)), vec![(1, op), (2, op), (3, op)]);
}

/// What `submit_frames` takes per request.
type RunItem = (OpCode, usize, Option<Registration>, u32);

/// `n` GetData frames with tokens from `first`, back to back, and their items.
fn run_of(first: u32, n: u32) -> (Vec<u8>, Vec<RunItem>) {
    let mut frames = Vec::new();
    let mut items = Vec::new();
    for t in first..first + n {
        let f = request(OpCode::GetData, t, None).frame.to_vec();
        items.push((OpCode::GetData, f.len(), None, t));
        frames.extend_from_slice(&f);
    }
    (frames, items)
}

#[test]
fn a_whole_run_into_an_empty_transmit_buffer_is_swapped_in_and_later_runs_follow_it() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    // Nothing waits to be sent: the run's buffer becomes the transmit buffer.
    let (mut frames, items) = run_of(1, 3);
    let len = frames.len();
    assert_eq!(c.submit_frames(t0, &mut frames, 0, items.into_iter()), len);
    assert!(frames.is_empty(), "the buffer was swapped, not copied");
    // Now something waits: the next run, starting after other bytes, is copied behind it.
    let (mut more, items) = run_of(4, 2);
    let mut second = b"skip".to_vec();
    second.append(&mut more);
    assert_eq!(
        c.submit_frames(t0, &mut second, 4, items.into_iter()),
        second.len() - 4
    );
    assert_eq!(&second[..4], b"skip", "bytes before the run are left alone");
    let mut out = sent(&mut c);
    let got: Vec<(i32, i32)> = frames_of(&mut out)
        .iter()
        .map(|f| (be_i32(f, 0), be_i32(f, 8)))
        .collect();
    assert_eq!(got, vec![(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]);
    // The swapped-out buffer is usable for the next run.
    frames.extend_from_slice(&request(OpCode::GetData, 6, None).frame);
    let n = frames.len();
    let item = (OpCode::GetData, n, None, 6);
    assert_eq!(
        c.submit_frames(t0, &mut frames, 0, std::iter::once(item)),
        n
    );
    let mut out = sent(&mut c);
    assert_eq!(be_i32(&frames_of(&mut out)[0], 0), 6);
}

#[test]
fn a_run_starting_past_the_buffer_takes_nothing_also_after_a_swap() {
    let t0 = Instant::now();
    let mut c = connected(t0);
    let (mut frames, items) = run_of(1, 2);
    let len = frames.len();
    assert_eq!(c.submit_frames(t0, &mut frames, 0, items.into_iter()), len);
    assert!(frames.is_empty(), "swapped");
    // What came after that run in the same batch starts at `len`, past the swapped-in
    // buffer's end: an empty run takes nothing (this underflowed once).
    assert_eq!(c.submit_frames(t0, &mut frames, len, std::iter::empty()), 0);
    // A request with no bytes left for it fails alone; the earlier ones are still sent.
    let item = (OpCode::GetData, 16, None, 9);
    assert_eq!(
        c.submit_frames(t0, &mut frames, len, std::iter::once(item)),
        0
    );
    let failed = protocol_failures(&mut c);
    assert_eq!(failed, vec![9]);
    let mut out = sent(&mut c);
    assert_eq!(frames_of(&mut out).len(), 2);
}
