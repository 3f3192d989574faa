//! A standalone ZooKeeper server: [`ZkServer`] and its [`ServerBuilder`].

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Result, TestkitError};
use crate::instance::{Instance, StartError};
use crate::knobs::settings_methods;
use crate::ports::free_ports;
use crate::settings::{valid_config_entry, Peer, Settings};

/// How many times a start is retried with fresh ports when another process took one.
pub(crate) const PORT_ATTEMPTS: usize = 5;

/// A real standalone ZooKeeper server on a free loopback port, with its own fresh data
/// directory.
///
/// The JVM is killed and the directory removed when the handle drops (also while a test
/// panics); a watchdog kills it too if the test process itself dies.
///
/// # Example
///
/// ```no_run
/// use kazoo_testkit::ZkServer;
///
/// let mut zk = ZkServer::start()?;
/// assert_eq!(zk.four_letter("ruok")?, "imok");
/// zk.restart()?; // same port, same data
/// assert!(zk.is_running());
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Debug)]
pub struct ZkServer {
    backend: Backend,
}

/// A server this handle started and owns, or one started outside the test process (see
/// [`ZkServer::shared`]: `KAZOO_TESTKIT_SHARED_SERVER`) that it only talks to.
#[derive(Debug)]
enum Backend {
    Owned(Box<Instance>),
    External(SocketAddr),
}

impl ZkServer {
    /// A handle on a server this process did not start, at `addr`; it cannot be stopped,
    /// killed or restarted through the handle.
    pub(crate) fn external(addr: SocketAddr) -> ZkServer {
        ZkServer {
            backend: Backend::External(addr),
        }
    }

    fn owned(&mut self) -> Result<&mut Instance> {
        match &mut self.backend {
            Backend::Owned(i) => Ok(i),
            Backend::External(addr) => Err(TestkitError::InvalidArgument(format!(
                "the server at {addr} was started outside this process \
                 (KAZOO_TESTKIT_SHARED_SERVER); it cannot be stopped, killed or restarted here"
            ))),
        }
    }
}

impl ZkServer {
    /// Starts a server with the kit's defaults and waits until it serves.
    ///
    /// # Errors
    ///
    /// [`TestkitError::ZooKeeperNotFound`] when no jars are found,
    /// [`TestkitError::StartFailed`] (with the log's tail) when the server does not come up.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// println!("{}", zk.connect_string());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn start() -> Result<ZkServer> {
        ZkServer::builder().start()
    }

    /// A builder to set `zoo.cfg` extras, JVM flags and timeouts before starting.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::builder()
    ///     .config("extendedTypesEnabled", "true")
    ///     .tick_time(200)
    ///     .start()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The connect string of this server, `127.0.0.1:PORT`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.connect_string().starts_with("127.0.0.1:"));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn connect_string(&self) -> String {
        self.addr().to_string()
    }

    /// The client address; it stays the same across [`restart`](Self::restart).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.addr().ip().is_loopback());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        match &self.backend {
            Backend::Owned(i) => i.addr(),
            Backend::External(addr) => *addr,
        }
    }

    /// Stops the server with SIGTERM (SIGKILL after 10 s) and waits for the exit. The data
    /// directory stays for a later [`restart`](Self::restart). A no-op when already stopped.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for platforms where signalling can fail.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut zk = kazoo_testkit::ZkServer::start()?;
    /// zk.stop()?;
    /// assert!(!zk.is_running());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn stop(&mut self) -> Result<()> {
        self.owned()?.stop();
        Ok(())
    }

    /// Kills the server with SIGKILL (a crash: no clean shutdown) and waits for the exit.
    ///
    /// # Errors
    ///
    /// None today; see [`stop`](Self::stop).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut zk = kazoo_testkit::ZkServer::start()?;
    /// zk.kill()?;
    /// assert!(!zk.is_running());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn kill(&mut self) -> Result<()> {
        self.owned()?.kill();
        Ok(())
    }

    /// Starts the server again on the same port with the same data (stopping it first if it
    /// runs), and waits until it serves. Sessions survive if they have not expired meanwhile.
    ///
    /// # Errors
    ///
    /// [`TestkitError::StartFailed`] when it does not come back, e.g. because another
    /// process took its port while it was down.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut zk = kazoo_testkit::ZkServer::start()?;
    /// let before = zk.addr();
    /// zk.kill()?;
    /// zk.restart()?;
    /// assert_eq!(zk.addr(), before);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn restart(&mut self) -> Result<()> {
        let instance = self.owned()?;
        instance.stop();
        instance.launch()?;
        let deadline = Instant::now() + instance.start_timeout();
        instance
            .wait_ready(deadline)
            .map(drop)
            .map_err(StartError::into_error)
    }

    /// Whether the server process is alive (it may still be starting).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.is_running());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn is_running(&self) -> bool {
        match &self.backend {
            Backend::Owned(i) => i.is_running(),
            Backend::External(addr) => {
                crate::four_letter::four_letter_word(*addr, "ruok", Duration::from_secs(5))
                    .is_ok_and(|r| r == "imok")
            }
        }
    }

    /// Sends a four-letter word (`ruok`, `srvr`, `stat`, `mntr`, `cons`, `wchc`, `dump`, ...)
    /// and returns the reply. Waits at most 5 s.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NotRunning`] when stopped; [`TestkitError::FourLetterWord`] on
    /// socket errors.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.four_letter("srvr")?.contains("Mode: standalone"));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn four_letter(&self, cmd: &str) -> Result<String> {
        match &self.backend {
            Backend::Owned(i) => i.four_letter(cmd),
            Backend::External(addr) => {
                crate::four_letter::four_letter_word(*addr, cmd, Duration::from_secs(5))
            }
        }
    }

    /// The JVM's process id while it runs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.pid().is_some());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn pid(&self) -> Option<u32> {
        match &self.backend {
            Backend::Owned(i) => i.pid(),
            Backend::External(_) => None,
        }
    }

    /// The server's directory (`zoo.cfg`, `data/`, `zookeeper.log`); removed on drop unless
    /// `KAZOO_TESTKIT_KEEP_DIRS` is set.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// assert!(zk.dir().join("zoo.cfg").is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn dir(&self) -> &Path {
        match &self.backend {
            Backend::Owned(i) => i.dir(),
            Backend::External(_) => Path::new(""),
        }
    }

    /// The server's log file (its stdout and stderr, across restarts).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::start()?;
    /// println!("{}", std::fs::read_to_string(zk.log_path())?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_path(&self) -> &Path {
        match &self.backend {
            Backend::Owned(i) => i.log_path(),
            Backend::External(_) => Path::new(""),
        }
    }
}

/// Configures a [`ZkServer`] before starting it; made by [`ZkServer::builder`].
///
/// # Example
///
/// ```no_run
/// let zk = kazoo_testkit::ZkServer::builder()
///     .config("reconfigEnabled", "true")
///     .jvm_arg("-Dreadonlymode.enabled=true")
///     .min_session_timeout(1000)
///     .max_session_timeout(30_000)
///     .start()?;
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct ServerBuilder {
    settings: Settings,
}

impl ServerBuilder {
    settings_methods!("kazoo_testkit::ZkServer::builder()");

    /// Starts the server and waits until it serves, retrying with fresh ports when another
    /// process takes one first.
    ///
    /// # Errors
    ///
    /// As [`ZkServer::start`], plus [`TestkitError::InvalidArgument`] for a bad `config`
    /// entry.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::builder().tick_time(100).start()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn start(self) -> Result<ZkServer> {
        check_settings(&self.settings)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match start_standalone(&self.settings) {
                Ok(server) => return Ok(server),
                Err(StartError::PortClash(_)) if attempt < PORT_ATTEMPTS => continue,
                Err(e) => return Err(e.into_error()),
            }
        }
    }
}

fn start_standalone(settings: &Settings) -> Result<ZkServer, StartError> {
    let port = free_ports(1)?[0];
    let me = Peer {
        id: 0,
        client_port: port,
        quorum_port: 0,
        election_port: 0,
    };
    let mut instance = Instance::prepare(settings, me, &[])?;
    instance.launch()?;
    let deadline = Instant::now() + settings.start_timeout;
    instance.wait_ready(deadline)?;
    Ok(ZkServer {
        backend: Backend::Owned(Box::new(instance)),
    })
}

/// Rejects settings that cannot make a valid server.
pub(crate) fn check_settings(settings: &Settings) -> Result<()> {
    for (k, v) in &settings.extra {
        valid_config_entry(k, v).map_err(TestkitError::InvalidArgument)?;
    }
    if settings.tick_time == 0 {
        return Err(TestkitError::InvalidArgument(
            "tick_time must be > 0".into(),
        ));
    }
    if settings.start_timeout < Duration::from_millis(100) {
        return Err(TestkitError::InvalidArgument(
            "start_timeout must be at least 100 ms".into(),
        ));
    }
    Ok(())
}
