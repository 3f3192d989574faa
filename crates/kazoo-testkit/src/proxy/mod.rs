//! A fault-injecting TCP proxy on loopback, to partition a client from its server.
//!
//! One acceptor thread and two threads per connection, all blocking: nothing spins, and every
//! thread is woken and joined when the proxy drops.

mod conn;
mod shared;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::{Result, TestkitError};
use shared::{Conn, Shared};

pub use shared::ProxyMode;

/// Backoff after a failed `accept` (e.g. out of file descriptors), so the loop cannot spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// A TCP proxy on `127.0.0.1` between clients and one upstream server, whose
/// [`ProxyMode`] a test switches to cut, blackhole, delay or drop replies.
///
/// Point the client at [`connect_string`](Self::connect_string) instead of the server's.
/// Dropping the proxy closes every connection and joins every thread.
///
/// # Example
///
/// ```no_run
/// use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
///
/// let zk = ZkServer::start()?;
/// let proxy = FaultProxy::start(zk.addr())?;
/// // connect a client to proxy.connect_string() ...
/// proxy.set_mode(ProxyMode::Blackhole); // the client hears nothing now
/// proxy.set_mode(ProxyMode::Pass);      // held bytes flow again
/// proxy.cut();                          // every connection drops
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Debug)]
pub struct FaultProxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy in [`ProxyMode::Pass`] on a free loopback port, forwarding to
    /// `upstream`.
    ///
    /// # Errors
    ///
    /// [`TestkitError::Io`] when no port can be bound or no thread spawned.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn start(upstream: SocketAddr) -> Result<FaultProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| TestkitError::io("binding the proxy", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| TestkitError::io("reading the proxy address", e))?;
        let shared = Arc::new(Shared::new(upstream));
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("kazoo-proxy-accept".into())
                .spawn(move || accept_loop(&shared, &listener))
                .map_err(|e| TestkitError::io("spawning the proxy thread", e))?
        };
        Ok(FaultProxy {
            shared,
            addr,
            acceptor: Some(acceptor),
        })
    }

    /// The proxy's listening address.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// assert!(proxy.addr().ip().is_loopback());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The connect string a client uses to go through the proxy, `127.0.0.1:PORT`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// assert_ne!(proxy.connect_string(), zk.connect_string());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn connect_string(&self) -> String {
        self.addr.to_string()
    }

    /// Switches the mode; it applies at once to bytes not yet forwarded, on every connection.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
    /// let zk = ZkServer::start()?;
    /// let proxy = FaultProxy::start(zk.addr())?;
    /// proxy.set_mode(ProxyMode::CloseAfterNextRequest);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn set_mode(&self, mode: ProxyMode) {
        self.shared.lock().mode = mode;
        self.shared.notify();
    }

    /// The current mode (a `CloseAfterNextRequest` that fired reads as `Pass`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
    /// let zk = ZkServer::start()?;
    /// let proxy = FaultProxy::start(zk.addr())?;
    /// assert_eq!(proxy.mode(), ProxyMode::Pass);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn mode(&self) -> ProxyMode {
        self.shared.lock().mode
    }

    /// Closes every current connection now, dropping any bytes held for them. The client
    /// sees its connection end (EOF or reset); new connections are accepted as the mode says.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// proxy.cut();
    /// assert_eq!(proxy.connection_count(), 0);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn cut(&self) {
        self.shared.close_all();
    }

    /// Sends connections made from now on to `addr`; current ones keep their server.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let a = kazoo_testkit::ZkServer::start()?;
    /// let b = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(a.addr())?;
    /// proxy.set_upstream(b.addr());
    /// proxy.cut(); // clients reconnect, now to b
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn set_upstream(&self, addr: SocketAddr) {
        self.shared.lock().upstream = addr;
        self.shared.notify();
    }

    /// The upstream address new connections go to.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// assert_eq!(proxy.upstream(), zk.addr());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn upstream(&self) -> SocketAddr {
        self.shared.lock().upstream
    }

    /// How many client connections the proxy holds open (including ones held by a
    /// blackhole whose client has given up).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// let proxy = kazoo_testkit::FaultProxy::start(zk.addr())?;
    /// assert_eq!(proxy.connection_count(), 0);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn connection_count(&self) -> usize {
        self.shared.lock().conns.len()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.shared.close_all();
        // The acceptor sits in a blocking accept; one connection wakes it to see `stopped`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accepted = listener.accept();
        if shared.lock().stopped {
            break;
        }
        let client = match accepted {
            Ok((client, _)) => client,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        workers.retain(|w| !w.is_finished());
        if let Some(worker) = admit(shared, client) {
            workers.push(worker);
        }
    }
    shared.close_all();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Registers a new connection and starts its thread, unless the mode refuses it.
fn admit(shared: &Arc<Shared>, client: TcpStream) -> Option<JoinHandle<()>> {
    let id = {
        let mut st = shared.lock();
        if st.mode == ProxyMode::Refuse {
            drop(st);
            let _ = client.shutdown(Shutdown::Both);
            return None;
        }
        let registered = client.try_clone().ok()?;
        let id = st.next_id;
        st.next_id += 1;
        st.conns.insert(
            id,
            Conn {
                client: registered,
                server: None,
                discard_replies: false,
            },
        );
        id
    };
    let worker = {
        let shared = Arc::clone(shared);
        thread::Builder::new()
            .name(format!("kazoo-proxy-{id}-up"))
            .spawn(move || conn::serve(shared, id, client))
    };
    match worker {
        Ok(worker) => Some(worker),
        Err(_) => {
            shared.close(id);
            None
        }
    }
}
