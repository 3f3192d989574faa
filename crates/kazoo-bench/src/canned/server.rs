//! The canned server's sockets: one blocking thread per connection, answering every complete
//! frame in a read with one write, and recording its own thread CPU time.

use super::replies::{answer, answer_connect, Action, Replies};
use crate::usage::thread_cpu;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Counters {
    active: AtomicUsize,
    cpu_ns: AtomicU64,
    wall_ns: AtomicU64,
    requests: AtomicU64,
    session: AtomicU64,
}

/// Totals over connections that have finished, to diff before and after a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServerUsage {
    /// CPU seconds the connection threads used.
    pub cpu_secs: f64,
    /// Seconds those connections were open.
    pub wall_secs: f64,
    /// Requests answered.
    pub requests: u64,
}

impl ServerUsage {
    /// The usage accumulated between `before` and `self`.
    pub fn since(&self, before: &ServerUsage) -> ServerUsage {
        ServerUsage {
            cpu_secs: self.cpu_secs - before.cpu_secs,
            wall_secs: self.wall_secs - before.wall_secs,
            requests: self.requests - before.requests,
        }
    }
}

/// A running canned server on `127.0.0.1`; its threads live as long as the process.
#[derive(Debug, Clone)]
pub struct CannedServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
}

impl CannedServer {
    /// Binds an ephemeral loopback port and starts accepting.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let replies = Arc::new(Replies::new());
        let c = counters.clone();
        std::thread::Builder::new()
            .name("canned-accept".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (c, replies) = (c.clone(), replies.clone());
                    c.active.fetch_add(1, Relaxed);
                    let spawned = std::thread::Builder::new()
                        .name("canned-conn".into())
                        .spawn(move || serve(stream, &replies, &c));
                    if spawned.is_err() {
                        eprintln!("canned server: cannot spawn a connection thread");
                    }
                }
            })?;
        Ok(CannedServer { addr, counters })
    }

    /// The loopback address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Totals so far over finished connections.
    pub fn usage(&self) -> ServerUsage {
        ServerUsage {
            cpu_secs: self.counters.cpu_ns.load(Relaxed) as f64 / 1e9,
            wall_secs: self.counters.wall_ns.load(Relaxed) as f64 / 1e9,
            requests: self.counters.requests.load(Relaxed),
        }
    }

    /// Waits until every connection has closed (clients' processes have exited), up to `limit`.
    pub fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.counters.active.load(Relaxed) > 0 {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }
}

fn serve(stream: TcpStream, replies: &Replies, c: &Counters) {
    let started = Instant::now();
    let cpu0 = thread_cpu();
    let session = 0x4b5a_0000_0000 + c.session.fetch_add(1, Relaxed) as i64;
    let requests = serve_loop(stream, replies, session).unwrap_or_else(|(_, n)| n);
    c.cpu_ns
        .fetch_add((thread_cpu() - cpu0).as_nanos() as u64, Relaxed);
    c.wall_ns
        .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
    c.requests.fetch_add(requests, Relaxed);
    c.active.fetch_sub(1, Relaxed);
}

/// Answers frames until the client closes; returns the number of requests answered.
fn serve_loop(
    mut stream: TcpStream,
    replies: &Replies,
    session: i64,
) -> Result<u64, (io::Error, u64)> {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 256 * 1024];
    let mut out = Vec::with_capacity(256 * 1024);
    let (mut start, mut end) = (0usize, 0usize);
    let mut connected = false;
    let mut answered = 0u64;
    loop {
        let n = match stream.read(&mut buf[end..]) {
            Ok(0) => return Ok(answered),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((e, answered)),
        };
        end += n;
        let mut action = Action::Continue;
        while end - start >= 4 {
            let len =
                i32::from_be_bytes([buf[start], buf[start + 1], buf[start + 2], buf[start + 3]]);
            let Ok(len) = usize::try_from(len) else {
                return Ok(answered);
            };
            if end - start < 4 + len {
                if 4 + len > buf.len() {
                    buf.resize(4 + len, 0);
                }
                break;
            }
            let body = &buf[start + 4..start + 4 + len];
            start += 4 + len;
            if connected {
                answered += 1;
                action = answer(replies, body, &mut out);
                if action == Action::Close {
                    break;
                }
            } else {
                if answer_connect(body, session, &mut out).is_none() {
                    return Ok(answered);
                }
                connected = true;
            }
        }
        if !out.is_empty() {
            stream.write_all(&out).map_err(|e| (e, answered))?;
            out.clear();
        }
        if action == Action::Close {
            return Ok(answered);
        }
        if start == end {
            start = 0;
            end = 0;
        } else if buf.len() - end < 4096 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
    }
}
