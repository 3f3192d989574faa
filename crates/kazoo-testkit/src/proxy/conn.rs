//! One proxied connection: connecting upstream, and the two pumps that copy bytes through the
//! mode's gate.
//!
//! Each direction has its own thread blocked in `read`; `cut` and shutdown wake them by
//! shutting the sockets down, and mode changes wake them through the shared condvar.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::shared::{ProxyMode, Shared};

/// Connecting to the upstream server on loopback either works or fails fast; the bound only
/// matters for an unroutable `set_upstream` address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const CHUNK: usize = 64 * 1024;
/// A ZooKeeper ping request frame: length 8, xid -2, op code 11.
const PING: [u8; 12] = [0, 0, 0, 8, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 11];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    ToServer,
    ToClient,
}

/// What to do with a chunk that was read.
enum Verdict {
    Forward,
    Discard,
    ForwardThenClose,
    Stop,
}

/// Runs one connection to its end; called on its own thread right after `accept`.
pub(crate) fn serve(shared: Arc<Shared>, id: u64, client: TcpStream) {
    if let Some(server) = connect_upstream(&shared, id) {
        pump_both(&shared, id, client, server);
    }
    shared.close(id);
}

/// Waits out a blackhole, then connects to the current upstream and registers the socket.
fn connect_upstream(shared: &Shared, id: u64) -> Option<TcpStream> {
    let upstream = {
        let mut st = shared.lock();
        loop {
            if st.stopped || !st.conns.contains_key(&id) {
                return None;
            }
            match st.mode {
                ProxyMode::Blackhole => st = shared.wait(st),
                ProxyMode::Refuse => return None,
                _ => break st.upstream,
            }
        }
    };
    let server = TcpStream::connect_timeout(&upstream, CONNECT_TIMEOUT).ok()?;
    let _ = server.set_nodelay(true);
    let registered = server.try_clone().ok()?;
    let mut st = shared.lock();
    let stopped = st.stopped;
    match st.conns.get_mut(&id) {
        Some(conn) if !stopped => {
            conn.server = Some(registered);
            Some(server)
        }
        _ => {
            let _ = server.shutdown(Shutdown::Both);
            None
        }
    }
}

fn pump_both(shared: &Arc<Shared>, id: u64, client: TcpStream, server: TcpStream) {
    let _ = client.set_nodelay(true);
    let (Ok(client_w), Ok(server_r)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let back = {
        let shared = Arc::clone(shared);
        thread::Builder::new()
            .name(format!("kazoo-proxy-{id}-down"))
            .spawn(move || pump(&shared, id, Direction::ToClient, server_r, client_w))
    };
    let Ok(back) = back else {
        return;
    };
    pump(shared, id, Direction::ToServer, client, server);
    let _ = back.join();
}

/// Copies `from` to `to` through the gate until EOF, an error, a cut or shutdown.
fn pump(shared: &Shared, id: u64, dir: Direction, mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => {
                // Pass the half-close on: a four-letter-word client shuts its write side and
                // still expects the reply.
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                shared.close(id);
                return;
            }
        };
        let chunk = &buf[..n];
        match gate(shared, id, dir, chunk, Instant::now()) {
            Verdict::Forward => {
                if to.write_all(chunk).is_err() {
                    shared.close(id);
                    return;
                }
            }
            Verdict::Discard => {}
            Verdict::ForwardThenClose => {
                // FIN after the data makes the server read the request before it sees the
                // close; the reply is then discarded by the other pump.
                let _ = to.write_all(chunk);
                let _ = to.shutdown(Shutdown::Write);
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            Verdict::Stop => return,
        }
    }
}

/// Applies the current mode to one chunk, sleeping on the condvar while it must be held.
fn gate(shared: &Shared, id: u64, dir: Direction, chunk: &[u8], read_at: Instant) -> Verdict {
    let mut st = shared.lock();
    loop {
        if st.stopped {
            return Verdict::Stop;
        }
        let Some(conn) = st.conns.get(&id) else {
            return Verdict::Stop;
        };
        if dir == Direction::ToClient && conn.discard_replies {
            return Verdict::Discard;
        }
        match st.mode {
            ProxyMode::Blackhole => st = shared.wait(st),
            ProxyMode::Delay(delay) => {
                let now = Instant::now();
                let due = read_at + delay;
                if now >= due {
                    return Verdict::Forward;
                }
                st = shared.wait_timeout(st, due - now);
            }
            ProxyMode::CloseAfterNextRequest
                if dir == Direction::ToServer && !only_pings(chunk) =>
            {
                st.mode = ProxyMode::Pass;
                if let Some(conn) = st.conns.get_mut(&id) {
                    conn.discard_replies = true;
                }
                drop(st);
                shared.notify();
                return Verdict::ForwardThenClose;
            }
            _ => return Verdict::Forward,
        }
    }
}

/// Whether a chunk is nothing but whole ZooKeeper ping frames.
fn only_pings(chunk: &[u8]) -> bool {
    !chunk.is_empty()
        && chunk.len() % PING.len() == 0
        && chunk.chunks(PING.len()).all(|f| f == PING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ping_only_chunks() {
        assert!(only_pings(&PING));
        assert!(only_pings(&[PING, PING].concat()));
        assert!(!only_pings(&[]));
        assert!(!only_pings(&PING[..11]));
        let mut other = PING;
        other[11] = 1;
        assert!(!only_pings(&other));
        assert!(!only_pings(&[PING.as_slice(), &[0, 0, 0, 1]].concat()));
    }
}
