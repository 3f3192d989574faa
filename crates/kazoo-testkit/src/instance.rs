//! One server's directory, configuration and lifecycle; shared by standalone servers and
//! ensemble members.
//!
//! Layout of a server directory: `zoo.cfg`, `data/` (with `myid` for ensemble members) and
//! `zookeeper.log` (the JVM's stdout and stderr, kept across restarts).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::classpath::{find_classpath, java_executable};
use crate::error::{Result, TestkitError};
use crate::four_letter::{four_letter_word, mode_of};
use crate::jvm::{log_tail, Jvm, LaunchSpec};
use crate::ports::loopback;
use crate::settings::{Peer, Settings};

/// How long a single readiness probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Pause between readiness probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(20);
/// How long SIGTERM is given before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Lines of the server log quoted in start errors.
const TAIL_LINES: usize = 40;
/// Set to keep server directories after the handle drops, to read their logs.
pub(crate) const KEEP_DIRS_ENV: &str = "KAZOO_TESTKIT_KEEP_DIRS";

/// Why a start failed: a port taken by someone else is worth a retry with fresh ports.
#[derive(Debug)]
pub(crate) enum StartError {
    PortClash(TestkitError),
    Fatal(TestkitError),
}

impl StartError {
    pub(crate) fn into_error(self) -> TestkitError {
        match self {
            StartError::PortClash(e) | StartError::Fatal(e) => e,
        }
    }
}

impl From<TestkitError> for StartError {
    fn from(e: TestkitError) -> Self {
        StartError::Fatal(e)
    }
}

/// One ZooKeeper server: its directory, its ports and, while running, its JVM.
#[derive(Debug)]
pub(crate) struct Instance {
    dir: Option<TempDir>,
    path: PathBuf,
    addr: SocketAddr,
    spec: LaunchSpec,
    start_timeout: Duration,
    jvm: Option<Jvm>,
}

impl Instance {
    /// Creates the directory and configuration; does not launch. `peers` is empty for a
    /// standalone server; otherwise `me` is this member's entry in it.
    pub(crate) fn prepare(settings: &Settings, me: Peer, peers: &[Peer]) -> Result<Instance> {
        let classpath = match &settings.classpath {
            Some(cp) => cp.clone(),
            None => find_classpath()?,
        };
        let dir = tempfile::Builder::new()
            .prefix("kazoo-zk-")
            .tempdir()
            .map_err(|e| TestkitError::io("creating a server directory", e))?;
        let path = dir.path().to_path_buf();
        let data = path.join("data");
        std::fs::create_dir(&data)
            .map_err(|e| TestkitError::io(format!("creating {}", data.display()), e))?;
        if !peers.is_empty() {
            write(&data.join("myid"), &format!("{}\n", me.id))?;
        }
        let config = path.join("zoo.cfg");
        write(&config, &settings.zoo_cfg(&data, me.client_port, peers))?;
        let spec = LaunchSpec {
            java: settings.java.clone().unwrap_or_else(java_executable),
            classpath,
            jvm_args: settings.all_jvm_args(),
            config,
            log: path.join("zookeeper.log"),
            workdir: path.clone(),
            orphan_dir: path.clone(),
        };
        Ok(Instance {
            dir: Some(dir),
            path,
            addr: loopback(me.client_port),
            spec,
            start_timeout: settings.start_timeout,
            jvm: None,
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.path
    }

    pub(crate) fn log_path(&self) -> &Path {
        &self.spec.log
    }

    pub(crate) fn start_timeout(&self) -> Duration {
        self.start_timeout
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.jvm.as_ref().filter(|j| !j.has_exited()).map(Jvm::pid)
    }

    pub(crate) fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// Launches the JVM without waiting for it to serve. A no-op when already running.
    pub(crate) fn launch(&mut self) -> Result<()> {
        if self.is_running() {
            return Ok(());
        }
        if let Some(mut old) = self.jvm.take() {
            old.kill();
        }
        self.jvm = Some(Jvm::spawn(&self.spec)?);
        Ok(())
    }

    /// Waits until the server answers `imok` to `ruok`, shows a `Mode:` in `srvr`, and its
    /// `conf` names our data directory (so the answer did not come from a stranger that took
    /// the port).
    pub(crate) fn wait_ready(&self, deadline: Instant) -> Result<String, StartError> {
        loop {
            if self.jvm.as_ref().map_or(true, Jvm::has_exited) {
                return Err(self.failure("the JVM exited"));
            }
            let last = match self.probe() {
                Ok(Some(mode)) => return Ok(mode),
                Ok(None) => "the server is not serving yet".to_owned(),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                return Err(self.failure(&format!(
                    "not serving after {:?} (last probe: {last})",
                    self.start_timeout
                )));
            }
            thread::sleep(PROBE_INTERVAL);
        }
    }

    /// One readiness probe: `Ok(Some(mode))` once serving.
    fn probe(&self) -> Result<Option<String>, String> {
        let ruok = four_letter_word(self.addr, "ruok", PROBE_TIMEOUT).map_err(|e| e.to_string())?;
        if ruok.trim() != "imok" {
            return Err(format!("ruok answered {ruok:?}"));
        }
        let srvr = four_letter_word(self.addr, "srvr", PROBE_TIMEOUT).map_err(|e| e.to_string())?;
        let Some(mode) = mode_of(&srvr) else {
            return Ok(None);
        };
        let conf = four_letter_word(self.addr, "conf", PROBE_TIMEOUT).map_err(|e| e.to_string())?;
        let ours = self.path.join("data").display().to_string();
        if !conf.contains(&ours) {
            return Err(format!(
                "a different server answers on {} (its conf does not name {ours})",
                self.addr
            ));
        }
        Ok(Some(mode.to_owned()))
    }

    fn failure(&self, reason: &str) -> StartError {
        let tail = log_tail(&self.spec.log, TAIL_LINES);
        let clash = tail.contains("Address already in use") || reason.contains("different server");
        let err = TestkitError::StartFailed {
            addr: self.addr,
            reason: reason.to_owned(),
            log: self.spec.log.clone(),
            tail,
        };
        if clash {
            StartError::PortClash(err)
        } else {
            StartError::Fatal(err)
        }
    }

    /// SIGTERM, then SIGKILL after a grace period; waits for the exit.
    pub(crate) fn stop(&mut self) {
        if let Some(mut jvm) = self.jvm.take() {
            jvm.terminate(STOP_GRACE);
        }
    }

    /// SIGKILL; waits for the exit.
    pub(crate) fn kill(&mut self) {
        if let Some(mut jvm) = self.jvm.take() {
            jvm.kill();
        }
    }

    /// The server's current `Mode:` from `srvr`, if it is serving.
    pub(crate) fn mode(&self, timeout: Duration) -> Option<String> {
        if !self.is_running() {
            return None;
        }
        let srvr = four_letter_word(self.addr, "srvr", timeout).ok()?;
        mode_of(&srvr).map(str::to_owned)
    }

    pub(crate) fn four_letter(&self, cmd: &str) -> Result<String> {
        if !self.is_running() {
            return Err(TestkitError::NotRunning(self.addr));
        }
        four_letter_word(self.addr, cmd, Duration::from_secs(5))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        if std::env::var_os(KEEP_DIRS_ENV).is_some() {
            if let Some(dir) = self.dir.take() {
                eprintln!("kazoo-testkit: keeping {}", dir.keep().display());
            }
        }
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .map_err(|e| TestkitError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port taken by someone else is reported as a clash (so `start` retries), not a
    /// mistaken success.
    #[test]
    fn a_taken_client_port_is_a_clash() {
        let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = squatter.local_addr().unwrap().port();
        let settings = Settings::default();
        let me = Peer {
            id: 0,
            client_port: port,
            quorum_port: 0,
            election_port: 0,
        };
        let mut instance = Instance::prepare(&settings, me, &[]).unwrap();
        instance.launch().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        match instance.wait_ready(deadline) {
            Err(StartError::PortClash(TestkitError::StartFailed { tail, .. })) => {
                assert!(tail.contains("Address already in use"), "{tail}");
            }
            other => panic!("expected a port clash, got {other:?}"),
        }
    }
}
