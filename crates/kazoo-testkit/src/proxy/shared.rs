//! State shared by the proxy handle, its acceptor and its connection threads.
//!
//! One mutex guards everything and one condvar announces every change (mode, upstream, cut,
//! shutdown), so a thread holding bytes only ever sleeps on that condvar: no polling.

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// What the proxy does with traffic; set with [`FaultProxy::set_mode`](crate::FaultProxy::set_mode).
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
///
/// let zk = ZkServer::start()?;
/// let proxy = FaultProxy::start(zk.addr())?;
/// proxy.set_mode(ProxyMode::Delay(Duration::from_millis(200)));
/// proxy.set_mode(ProxyMode::Pass);
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProxyMode {
    /// Forward bytes both ways as they come.
    #[default]
    Pass,
    /// A silent partition: connections are accepted, and bytes are held in both directions
    /// without being forwarded, so neither side hears anything. Held bytes are delivered, in
    /// order, once the mode returns to `Pass` or `Delay` (like TCP after a healed partition);
    /// [`cut`](crate::FaultProxy::cut) drops them instead. New connections accepted during a
    /// blackhole connect upstream only when it lifts.
    Blackhole,
    /// Forward every chunk, in both directions, no sooner than this long after it was read.
    Delay(Duration),
    /// Forward the next client-to-server chunk, then close both sides before any reply comes
    /// back: the server processes the request but the client never learns the outcome. Fires
    /// once, on the first such chunk of any connection, then the mode returns to `Pass`.
    /// Chunks that hold only pings (xid -2) are forwarded without firing, so a client's
    /// heartbeat cannot take the place of the request under test.
    CloseAfterNextRequest,
    /// New connections are closed as soon as they are accepted; existing ones keep passing.
    Refuse,
}

/// One proxied connection, as seen by `cut` and the connection's own threads.
#[derive(Debug)]
pub(crate) struct Conn {
    pub client: TcpStream,
    pub server: Option<TcpStream>,
    /// Set after a `CloseAfterNextRequest` fired: whatever the server sends is discarded.
    pub discard_replies: bool,
}

impl Conn {
    pub(crate) fn shutdown(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(server) = &self.server {
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

#[derive(Debug)]
pub(crate) struct State {
    pub mode: ProxyMode,
    pub upstream: SocketAddr,
    pub stopped: bool,
    pub conns: HashMap<u64, Conn>,
    pub next_id: u64,
}

/// The lock-and-signal pair every proxy thread shares.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    pub(crate) fn new(upstream: SocketAddr) -> Shared {
        Shared {
            state: Mutex::new(State {
                mode: ProxyMode::Pass,
                upstream,
                stopped: false,
                conns: HashMap::new(),
                next_id: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// The state; a thread that panicked while holding the lock cannot leave it inconsistent
    /// (every update is a single assignment), so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn wait_timeout<'a>(
        &self,
        guard: MutexGuard<'a, State>,
        timeout: Duration,
    ) -> MutexGuard<'a, State> {
        self.changed
            .wait_timeout(guard, timeout)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0)
    }

    /// Wakes every thread waiting for a change.
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// Closes and forgets one connection.
    pub(crate) fn close(&self, id: u64) {
        if let Some(conn) = self.lock().conns.remove(&id) {
            conn.shutdown();
        }
        self.notify();
    }

    /// Closes and forgets every connection.
    pub(crate) fn close_all(&self) {
        let conns: Vec<Conn> = self.lock().conns.drain().map(|(_, c)| c).collect();
        for conn in &conns {
            conn.shutdown();
        }
        self.notify();
    }
}
