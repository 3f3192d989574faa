//! A few hand-framed ZooKeeper requests, enough to drive a session through the proxy without
//! depending on the client crate.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Op codes and the ping xid, from ZooKeeper's `ZooDefs.OpCode`.
const OP_CREATE: i32 = 1;
const OP_EXISTS: i32 = 3;
const OP_PING: i32 = 11;
const PING_XID: i32 = -2;
/// World-readable, all permissions.
const PERMS_ALL: i32 = 31;

fn frame(body: Vec<u8>) -> Vec<u8> {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as i32).to_be_bytes());
    out.extend(s.as_bytes());
}

/// A connect request for a new session.
pub fn connect_request(timeout_ms: i32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(0i32.to_be_bytes()); // protocol version
    b.extend(0i64.to_be_bytes()); // last zxid seen
    b.extend(timeout_ms.to_be_bytes());
    b.extend(0i64.to_be_bytes()); // session id
    b.extend(16i32.to_be_bytes());
    b.extend([0u8; 16]); // password
    b.push(0); // read-only: false
    frame(b)
}

/// A persistent, open-ACL create.
pub fn create_request(xid: i32, path: &str, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(xid.to_be_bytes());
    b.extend(OP_CREATE.to_be_bytes());
    string(&mut b, path);
    b.extend((data.len() as i32).to_be_bytes());
    b.extend(data);
    b.extend(1i32.to_be_bytes()); // one ACL
    b.extend(PERMS_ALL.to_be_bytes());
    string(&mut b, "world");
    string(&mut b, "anyone");
    b.extend(0i32.to_be_bytes()); // persistent
    frame(b)
}

/// An exists request without a watch.
pub fn exists_request(xid: i32, path: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(xid.to_be_bytes());
    b.extend(OP_EXISTS.to_be_bytes());
    string(&mut b, path);
    b.push(0);
    frame(b)
}

/// A ping.
pub fn ping_request() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(PING_XID.to_be_bytes());
    b.extend(OP_PING.to_be_bytes());
    frame(b)
}

/// A raw connection that reads whole frames.
pub struct Raw {
    pub stream: TcpStream,
}

/// What a read within a deadline saw.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    Frame(Vec<u8>),
    Eof,
    Silence,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> io::Result<Raw> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        Ok(Raw { stream })
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads one frame, or reports EOF/reset, or silence when nothing came within `timeout`.
    pub fn read_frame(&mut self, timeout: Duration) -> ReadOutcome {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        let mut len = [0u8; 4];
        match self.stream.read_exact(&mut len) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return ReadOutcome::Silence
            }
            Err(_) => return ReadOutcome::Eof,
        }
        let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
        self.stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        match self.stream.read_exact(&mut body) {
            Ok(()) => ReadOutcome::Frame(body),
            Err(_) => ReadOutcome::Eof,
        }
    }

    /// Connects a new session and returns the connect response body.
    pub fn handshake(&mut self) -> Vec<u8> {
        self.send(&connect_request(10_000)).unwrap();
        match self.read_frame(Duration::from_secs(10)) {
            ReadOutcome::Frame(body) => {
                assert!(body.len() >= 36, "short connect response {body:?}");
                body
            }
            other => panic!("no connect response: {other:?}"),
        }
    }
}

/// The `(xid, err)` of a reply frame.
pub fn reply_header(body: &[u8]) -> (i32, i32) {
    let xid = i32::from_be_bytes(body[0..4].try_into().unwrap());
    let err = i32::from_be_bytes(body[12..16].try_into().unwrap());
    (xid, err)
}

/// Whether `path` exists, asked on a fresh session straight to the server.
pub fn node_exists(server: SocketAddr, path: &str) -> bool {
    let mut raw = Raw::connect(server).unwrap();
    raw.handshake();
    raw.send(&exists_request(1, path)).unwrap();
    match raw.read_frame(Duration::from_secs(10)) {
        ReadOutcome::Frame(body) => match reply_header(&body) {
            (1, 0) => true,
            (1, -101) => false,
            other => panic!("unexpected exists reply {other:?}"),
        },
        other => panic!("no exists reply: {other:?}"),
    }
}
