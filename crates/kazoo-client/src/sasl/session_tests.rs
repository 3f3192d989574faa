//! The SASL login inside the session machine, deterministically: what goes out when, what
//! waits for it, and how each ending (success, refusal, a server demanding SASL, silence)
//! leaves the session.

use super::SaslCredentials;
use crate::error::Error;
use crate::session::{Output, Request, SessionConfig, SessionCore};
use crate::state::SessionState;
use bytes::{BufMut, Bytes, BytesMut};
use kazoo_proto::{ErrorCode, OpCode};
use md5::{Digest, Md5};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(9);
const CHALLENGE: &[u8] =
    br#"realm="zk-sasl-md5",nonce="n0nce",qop="auth",charset=utf-8,algorithm=md5-sess"#;

fn core(now: Instant, sasl: bool) -> SessionCore<u32> {
    SessionCore::new(
        SessionConfig {
            session_timeout: T,
            read_only: false,
            chroot: None,
            sasl: sasl.then(|| SaslCredentials::digest_md5("alice", "secret")),
        },
        now,
    )
}

fn frame(body: &[u8]) -> BytesMut {
    let mut f = BytesMut::new();
    f.put_i32(body.len() as i32);
    f.put_slice(body);
    f
}

fn connect_response() -> BytesMut {
    let mut b = BytesMut::new();
    b.put_i32(0);
    b.put_i32(9000);
    b.put_i64(0x77);
    b.put_i32(16);
    b.put_slice(&[1; 16]);
    b.put_u8(0);
    frame(&b)
}

fn reply(xid: i32, err: i32, token: Option<&[u8]>) -> BytesMut {
    let mut b = BytesMut::new();
    b.put_i32(xid);
    b.put_i64(0);
    b.put_i32(err);
    if let Some(t) = token {
        b.put_i32(t.len() as i32);
        b.put_slice(t);
    }
    frame(&b)
}

/// (xid, op, body) of every frame the machine sent.
fn sent(c: &mut SessionCore<u32>) -> Vec<(i32, i32, Bytes)> {
    let mut b = BytesMut::new();
    c.take_transmit(&mut b);
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let f = b.split_to(4 + len).freeze();
        out.push((
            i32::from_be_bytes([f[4], f[5], f[6], f[7]]),
            i32::from_be_bytes([f[8], f[9], f[10], f[11]]),
            f.slice(12..),
        ));
    }
    out
}

fn outputs(c: &mut SessionCore<u32>) -> Vec<Output<u32>> {
    std::iter::from_fn(|| c.poll_output()).collect()
}

fn states(outs: &[Output<u32>]) -> Vec<SessionState> {
    outs.iter()
        .filter_map(|o| match o {
            Output::State(s) => Some(*s),
            _ => None,
        })
        .collect()
}

fn get_data(token: u32) -> Request<u32> {
    let mut f = BytesMut::new();
    f.put_i32(8 + 4);
    f.put_i32(0);
    f.put_i32(OpCode::GetData.code());
    f.put_i32(0);
    Request {
        op: OpCode::GetData,
        frame: f.freeze(),
        watch: None,
        token,
    }
}

/// The token of a sasl request body (an i32 length, then the bytes).
fn token(body: &Bytes) -> String {
    String::from_utf8_lossy(&body[4..]).into_owned()
}

fn field<'a>(response: &'a str, name: &str) -> &'a str {
    response
        .split(',')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(|v| v.trim_matches('"'))
        .unwrap_or("")
}

/// The server's rspauth for `response`, computed independently of the mechanism.
fn rspauth(response: &str) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let cnonce = field(response, "cnonce");
    let inner = Md5::digest(b"alice:zk-sasl-md5:secret");
    let mut a1 = inner.to_vec();
    a1.extend_from_slice(format!(":n0nce:{cnonce}").as_bytes());
    let ha1 = hex(&Md5::digest(&a1));
    let ha2 = hex(&Md5::digest(b":zookeeper/zk-sasl-md5"));
    let kd = format!("{ha1}:n0nce:00000001:{cnonce}:auth:{ha2}");
    format!("rspauth={}", hex(&Md5::digest(kd.as_bytes())))
}

/// A machine that sent its handshake, got the answer and opened the SASL login; a request
/// and an auth packet wait behind it.
fn in_sasl(now: Instant) -> SessionCore<u32> {
    let mut c = core(now, true);
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    let _ = sent(&mut c);
    c.add_auth(now, "digest", b"bob:pw", None);
    c.submit(now, get_data(7));
    c.handle_read(now, &mut connect_response());
    c
}

#[test]
fn login_comes_first_and_holds_everything_else() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    // Only the opening (empty) SASL token went out; no Connected yet.
    let out = sent(&mut c);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].0, out[0].1), (1, OpCode::Sasl.code()));
    assert_eq!(&out[0].2[..], &[0, 0, 0, 0]);
    assert!(!states(&outputs(&mut c)).contains(&SessionState::Connected));
    assert!(!c.is_connected());

    c.handle_read(now, &mut reply(1, 0, Some(CHALLENGE)));
    let out = sent(&mut c);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0, out[0].1), (2, OpCode::Sasl.code()));
    let response = token(&out[0].2);
    assert_eq!(field(&response, "username"), "alice");
    assert!(!response.contains("secret"));

    c.handle_read(now, &mut reply(2, 0, Some(rspauth(&response).as_bytes())));
    // Then the auth replay and the queued request, and Connected once auth is answered.
    let out = sent(&mut c);
    let ops: Vec<i32> = out.iter().map(|f| f.1).collect();
    assert_eq!(ops, vec![OpCode::Auth.code(), OpCode::GetData.code()]);
    assert_eq!(out[1].0, 3, "xids continue after the SASL ones");
    assert!(!states(&outputs(&mut c)).contains(&SessionState::Connected));
    c.handle_read(now, &mut reply(-4, 0, None));
    assert_eq!(states(&outputs(&mut c)), vec![SessionState::Connected]);
}

#[test]
fn refused_credentials_end_the_session_with_auth_failed() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    let _ = sent(&mut c);
    c.handle_read(now, &mut reply(1, 0, Some(CHALLENGE)));
    let _ = sent(&mut c);
    c.handle_read(now, &mut reply(2, ErrorCode::AuthFailed.code(), None));
    let outs = outputs(&mut c);
    assert!(states(&outs).contains(&SessionState::AuthFailed));
    assert!(outs.iter().any(|o| matches!(o, Output::Disconnect(_))));
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 7,
            result: Err(Error::AuthFailed)
        }
    )));
    assert!(c.is_closed());
    assert!(sent(&mut c).is_empty(), "nothing else goes out");
}

#[test]
fn a_forged_rspauth_is_an_auth_failure() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    let _ = sent(&mut c);
    c.handle_read(now, &mut reply(1, 0, Some(CHALLENGE)));
    let _ = sent(&mut c);
    c.handle_read(
        now,
        &mut reply(2, 0, Some(b"rspauth=0123456789abcdef0123456789abcdef")),
    );
    assert!(states(&outputs(&mut c)).contains(&SessionState::AuthFailed));
    assert!(c.is_closed());
}

#[test]
fn an_unexpected_xid_resets_the_connection_not_the_session() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    let _ = sent(&mut c);
    c.handle_read(now, &mut reply(5, 0, Some(CHALLENGE)));
    let outs = outputs(&mut c);
    assert!(outs.iter().any(|o| matches!(o, Output::Disconnect(_))));
    assert!(!c.is_closed());
    assert!(c.wants_transport(), "reconnects");
}

#[test]
fn a_silent_server_times_the_login_out() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    let _ = sent(&mut c);
    let deadline = c.poll_timeout().expect("a login deadline");
    assert!(deadline > now && deadline <= now + T);
    c.handle_timeout(deadline);
    let outs = outputs(&mut c);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Disconnect(r) if r.contains("SASL"))));
    assert!(c.wants_transport());
}

#[test]
fn a_server_requiring_sasl_ends_the_session_with_a_clear_error() {
    let now = Instant::now();
    let mut c = core(now, false);
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    c.handle_read(now, &mut connect_response());
    let _ = outputs(&mut c);
    let _ = sent(&mut c);
    c.submit(now, get_data(9));
    let _ = sent(&mut c);
    c.handle_read(
        now,
        &mut reply(1, ErrorCode::SessionClosedRequireSasl.code(), None),
    );
    let outs = outputs(&mut c);
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 9,
            result: Err(Error::SessionClosedRequireSasl)
        }
    )));
    assert!(states(&outs).contains(&SessionState::AuthFailed));
    assert!(c.is_closed());
    // Later calls say why.
    c.submit(now, get_data(10));
    assert!(outputs(&mut c).iter().any(|o| matches!(
        o,
        Output::Reply {
            token: 10,
            result: Err(Error::SessionClosedRequireSasl)
        }
    )));
}

#[test]
fn every_connection_logs_in_again() {
    let now = Instant::now();
    let mut c = in_sasl(now);
    let first = sent(&mut c);
    c.handle_read(now, &mut reply(1, 0, Some(CHALLENGE)));
    let response = token(&sent(&mut c)[0].2);
    c.handle_read(now, &mut reply(2, 0, Some(rspauth(&response).as_bytes())));
    c.handle_read(now, &mut reply(-4, 0, None));
    let _ = outputs(&mut c);
    let _ = sent(&mut c);
    c.handle_transport_lost(now, "cut");
    c.handle_connecting(now);
    c.handle_transport_connected(now);
    let _ = sent(&mut c);
    c.handle_read(now, &mut connect_response());
    let again = sent(&mut c);
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].1, &again[0].2), (first[0].1, &first[0].2));
    assert!(!c.is_connected());
}
