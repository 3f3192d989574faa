//! A quorum of real ZooKeeper servers on loopback: [`Ensemble`] and its [`EnsembleBuilder`].

use std::net::SocketAddr;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Result, TestkitError};
use crate::instance::{Instance, StartError};
use crate::knobs::settings_methods;
use crate::ports::free_ports;
use crate::server::{check_settings, PORT_ATTEMPTS};
use crate::settings::{Peer, Settings};

/// How long one `srvr` probe may take while looking for the leader.
const MODE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause between leader polls.
const LEADER_POLL: Duration = Duration::from_millis(25);

/// An ensemble of `n` ZooKeeper servers on loopback, each with its own data directory and
/// `myid`, configured with `server.N=127.0.0.1:<quorum>:<election>` lines.
///
/// Members are numbered `0..n` here (their ZooKeeper `myid` is index + 1). Every member can be
/// stopped, killed and restarted on its own; [`leader`](Self::leader) tells which one leads.
/// All JVMs are killed and all directories removed when the handle drops. An ensemble of one
/// runs in standalone mode.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// use kazoo_testkit::Ensemble;
///
/// let mut ensemble = Ensemble::start(3)?;
/// let leader = ensemble.wait_for_leader(Duration::from_secs(30))?;
/// ensemble.kill(leader)?;
/// let next = ensemble.wait_for_leader(Duration::from_secs(30))?;
/// assert_ne!(next, leader);
/// ensemble.restart(leader)?;
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Debug)]
pub struct Ensemble {
    members: Vec<Instance>,
}

impl Ensemble {
    /// Starts `n` members with the kit's defaults and waits until every one serves (as
    /// leader or follower).
    ///
    /// # Errors
    ///
    /// [`TestkitError::InvalidArgument`] for `n == 0`; otherwise as [`ZkServer::start`](crate::ZkServer::start).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert_eq!(ensemble.size(), 3);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn start(n: usize) -> Result<Ensemble> {
        Ensemble::builder(n).start()
    }

    /// A builder for an ensemble of `n` members; its knobs apply to every member.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::builder(3)
    ///     .config("reconfigEnabled", "true")
    ///     .start()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn builder(n: usize) -> EnsembleBuilder {
        EnsembleBuilder {
            size: n,
            settings: Settings::default(),
        }
    }

    /// Every member's address, comma-separated: `127.0.0.1:a,127.0.0.1:b,...`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert_eq!(ensemble.connect_string().split(',').count(), 3);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn connect_string(&self) -> String {
        self.members
            .iter()
            .map(|m| m.addr().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The number of members.
    ///
    /// # Example
    ///
    /// ```no_run
    /// assert_eq!(kazoo_testkit::Ensemble::start(3)?.size(), 3);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Member `i`'s client address.
    ///
    /// # Panics
    ///
    /// When `i >= size()`, like slice indexing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert!(ensemble.member_addr(0).ip().is_loopback());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn member_addr(&self, i: usize) -> SocketAddr {
        self.members[i].addr()
    }

    /// Member `i`'s connect string, `127.0.0.1:PORT`.
    ///
    /// # Panics
    ///
    /// When `i >= size()`, like slice indexing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// let only_member_2 = ensemble.member_connect_string(2);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn member_connect_string(&self, i: usize) -> String {
        self.member_addr(i).to_string()
    }

    /// Stops member `i` with SIGTERM (SIGKILL after 10 s) and waits for the exit.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NoSuchMember`] when `i` is out of range.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// ensemble.stop(0)?;
    /// assert!(!ensemble.is_running(0));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn stop(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.stop();
        Ok(())
    }

    /// Kills member `i` with SIGKILL and waits for the exit.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NoSuchMember`] when `i` is out of range.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// ensemble.kill(1)?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn kill(&mut self, i: usize) -> Result<()> {
        self.member_mut(i)?.kill();
        Ok(())
    }

    /// Restarts member `i` on its ports with its data (stopping it first if it runs) and waits
    /// until it serves again, which needs a quorum of members running.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NoSuchMember`], or [`TestkitError::StartFailed`] when it does not
    /// rejoin within the start timeout.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let mut ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// ensemble.kill(2)?;
    /// ensemble.restart(2)?;
    /// assert!(ensemble.is_running(2));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn restart(&mut self, i: usize) -> Result<()> {
        let member = self.member_mut(i)?;
        member.stop();
        member.launch()?;
        let deadline = Instant::now() + member.start_timeout();
        member
            .wait_ready(deadline)
            .map(drop)
            .map_err(StartError::into_error)
    }

    /// Whether member `i`'s process is alive; `false` for an out-of-range `i`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert!(ensemble.is_running(0));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn is_running(&self, i: usize) -> bool {
        self.members.get(i).is_some_and(Instance::is_running)
    }

    /// Member `i`'s `Mode:` from `srvr` (`leader`, `follower`, `standalone`, `read-only`,
    /// ...), or `None` when it is down or not serving.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// println!("{:?}", ensemble.mode(0));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn mode(&self, i: usize) -> Option<String> {
        self.members.get(i)?.mode(MODE_PROBE_TIMEOUT)
    }

    /// The index of the member whose `srvr` says `Mode: leader` (or `standalone` for an
    /// ensemble of one), if any right now.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert!(ensemble.leader().is_some());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn leader(&self) -> Option<usize> {
        (0..self.size()).find(|&i| {
            self.mode(i)
                .is_some_and(|m| m == "leader" || m == "standalone")
        })
    }

    /// Polls [`leader`](Self::leader) until there is one.
    ///
    /// # Errors
    ///
    /// [`TestkitError::Timeout`] when no member leads within `timeout`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// let leader = ensemble.wait_for_leader(Duration::from_secs(10))?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn wait_for_leader(&self, timeout: Duration) -> Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.leader() {
                return Ok(i);
            }
            if Instant::now() >= deadline {
                return Err(TestkitError::Timeout {
                    what: "an ensemble leader".into(),
                    timeout,
                });
            }
            thread::sleep(LEADER_POLL);
        }
    }

    /// Sends a four-letter word to member `i`.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NoSuchMember`], [`TestkitError::NotRunning`] or
    /// [`TestkitError::FourLetterWord`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// println!("{}", ensemble.four_letter(0, "mntr")?);
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn four_letter(&self, i: usize, cmd: &str) -> Result<String> {
        self.member(i)?.four_letter(cmd)
    }

    /// Member `i`'s JVM process id while it runs.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert!(ensemble.member_pid(0).is_some());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn member_pid(&self, i: usize) -> Option<u32> {
        self.members.get(i)?.pid()
    }

    /// Member `i`'s directory (`zoo.cfg`, `data/`, `zookeeper.log`).
    ///
    /// # Panics
    ///
    /// When `i >= size()`, like slice indexing.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::start(3)?;
    /// assert!(ensemble.member_dir(0).join("data/myid").is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn member_dir(&self, i: usize) -> &Path {
        self.members[i].dir()
    }

    fn member(&self, i: usize) -> Result<&Instance> {
        let size = self.size();
        self.members
            .get(i)
            .ok_or(TestkitError::NoSuchMember { index: i, size })
    }

    fn member_mut(&mut self, i: usize) -> Result<&mut Instance> {
        let size = self.size();
        self.members
            .get_mut(i)
            .ok_or(TestkitError::NoSuchMember { index: i, size })
    }
}

/// Configures an [`Ensemble`] before starting it; made by [`Ensemble::builder`]. Every knob
/// applies to every member.
///
/// # Example
///
/// ```no_run
/// let ensemble = kazoo_testkit::Ensemble::builder(5)
///     .tick_time(200)
///     .jvm_arg("-Dreadonlymode.enabled=true")
///     .start()?;
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct EnsembleBuilder {
    size: usize,
    settings: Settings,
}

impl EnsembleBuilder {
    settings_methods!("kazoo_testkit::Ensemble::builder(3)");

    /// Starts every member and waits until each serves, retrying with fresh ports when
    /// another process takes one first.
    ///
    /// # Errors
    ///
    /// As [`Ensemble::start`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ensemble = kazoo_testkit::Ensemble::builder(3).start()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn start(self) -> Result<Ensemble> {
        if self.size == 0 {
            return Err(TestkitError::InvalidArgument(
                "an ensemble needs at least one member".into(),
            ));
        }
        check_settings(&self.settings)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match start_members(self.size, &self.settings) {
                Ok(members) => return Ok(Ensemble { members }),
                Err(StartError::PortClash(_)) if attempt < PORT_ATTEMPTS => continue,
                Err(e) => return Err(e.into_error()),
            }
        }
    }
}

fn start_members(n: usize, settings: &Settings) -> Result<Vec<Instance>, StartError> {
    let ports = free_ports(3 * n)?;
    let peers: Vec<Peer> = ports
        .chunks_exact(3)
        .zip(1..)
        .map(|(p, id)| Peer {
            id,
            client_port: p[0],
            quorum_port: p[1],
            election_port: p[2],
        })
        .collect();
    // A single member runs standalone: a one-server quorum is only possible with
    // standaloneEnabled=false, which tests of ensembles do not need.
    let quorum: &[Peer] = if n == 1 { &[] } else { &peers };
    let mut members = peers
        .iter()
        .map(|&me| Instance::prepare(settings, me, quorum))
        .collect::<Result<Vec<_>>>()?;
    for member in &mut members {
        member.launch()?;
    }
    let deadline = Instant::now() + settings.start_timeout;
    for member in &members {
        member.wait_ready(deadline)?;
    }
    Ok(members)
}
