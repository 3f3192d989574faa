//! One ZooKeeper JVM process and the watchdog that kills it if the test process dies.
//!
//! Without `unsafe` there is no `prctl(PR_SET_PDEATHSIG)`, so each JVM gets a tiny `sh`
//! watchdog whose stdin is a pipe from this process. The kernel closes that pipe whenever this
//! process ends, even on SIGKILL or abort; the watchdog's `read` then returns and it kills the
//! JVM and removes its directory. The pipe is close-on-exec, so no other child inherits it. On
//! an orderly stop the watchdog is disarmed first and the JVM is reaped last, so the pid it
//! holds can never name a recycled process. One window stays open: if this process dies in the
//! microseconds between spawning the JVM and handing its pid to the watchdog, the JVM survives.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, waitid, Pid, Signal, WaitId, WaitIdOptions};

use crate::error::{Result, TestkitError};

/// `$1` is the directory to remove. The first line on stdin is the pid to guard; EOF on the
/// second read means the parent is gone. The directory is removed once the JVM is dead (a
/// zombie counts: an init that does not reap must not delay the cleanup). TERM/INT/HUP are ignored so that a signal sent to the
/// whole process group (Ctrl-C, a test runner's timeout) reaches the cleanup code.
const WATCHDOG: &str = r#"trap '' TERM INT HUP
read -r pid || exit 0
read -r _
kill -9 "$pid" 2>/dev/null
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do
  read -r st < "/proc/$pid/stat" 2>/dev/null || break
  case "$st" in *") Z "*) break ;; esac
  sleep 0.05; n=$((n+1))
done
[ -n "$1" ] && rm -rf -- "$1"
"#;

/// How often exit is polled while waiting for a signalled JVM.
const POLL: Duration = Duration::from_millis(10);

/// What to run: everything needed for `java ... QuorumPeerMain zoo.cfg`.
#[derive(Clone, Debug)]
pub(crate) struct LaunchSpec {
    pub java: PathBuf,
    pub classpath: String,
    pub jvm_args: Vec<String>,
    pub config: PathBuf,
    pub log: PathBuf,
    pub workdir: PathBuf,
    /// Removed by the watchdog after killing an orphaned JVM.
    pub orphan_dir: PathBuf,
}

/// A running (or exited but not yet reaped) JVM with its armed watchdog.
#[derive(Debug)]
pub(crate) struct Jvm {
    child: Option<Child>,
    watchdog: Option<(Child, ChildStdin)>,
    pid: u32,
}

impl Jvm {
    /// Starts the JVM, then arms its watchdog.
    pub(crate) fn spawn(spec: &LaunchSpec) -> Result<Jvm> {
        let log = open_log(&spec.log)?;
        let log_err = log
            .try_clone()
            .map_err(|e| TestkitError::io("duplicating the log handle", e))?;
        // The watchdog starts first so that the JVM is never unguarded longer than one write.
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("kazoo-testkit-watchdog")
            .arg(&spec.orphan_dir)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| TestkitError::Spawn {
                program: "sh".into(),
                source,
            })?;
        let Some(stdin) = watchdog.stdin.take() else {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
            return Err(TestkitError::io(
                "arming the watchdog",
                std::io::Error::other("no stdin pipe"),
            ));
        };
        let mut watchdog = Some((watchdog, stdin));
        let child = Command::new(&spec.java)
            .args(&spec.jvm_args)
            .arg("-cp")
            .arg(&spec.classpath)
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(&spec.config)
            .current_dir(&spec.workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(source) => {
                disarm(&mut watchdog);
                return Err(TestkitError::Spawn {
                    program: spec.java.display().to_string(),
                    source,
                });
            }
        };
        let pid = child.id();
        let mut jvm = Jvm {
            child: Some(child),
            watchdog,
            pid,
        };
        let armed = jvm
            .watchdog
            .as_mut()
            .map(|(_, stdin)| writeln!(stdin, "{pid}").and_then(|()| stdin.flush()));
        if let Some(Err(e)) = armed {
            jvm.kill();
            return Err(TestkitError::io("arming the watchdog", e));
        }
        Ok(jvm)
    }

    /// The JVM's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the JVM has exited; does not reap it, so its pid stays reserved.
    pub(crate) fn has_exited(&self) -> bool {
        self.child.as_ref().map_or(true, exited)
    }

    /// SIGTERM, then SIGKILL if the JVM has not exited after `grace`; then reaps it.
    pub(crate) fn terminate(&mut self, grace: Duration) {
        if !self.has_exited() {
            if let Some(pid) = self.child.as_ref().map(Pid::from_child) {
                let _ = kill_process(pid, Signal::TERM);
            }
            let deadline = Instant::now() + grace;
            while !self.has_exited() && Instant::now() < deadline {
                thread::sleep(POLL);
            }
        }
        self.kill();
    }

    /// SIGKILL (if still running), disarm the watchdog, reap.
    pub(crate) fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if !exited(&child) {
            let _ = child.kill();
        }
        // The watchdog goes first: once the JVM is reaped its pid may be reused.
        disarm(&mut self.watchdog);
        let _ = child.wait();
    }
}

/// Whether `child` has exited, without reaping it (`waitid` with `WNOWAIT`).
fn exited(child: &Child) -> bool {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    // An error means the child is no longer ours to wait for: it is gone.
    !matches!(
        waitid(WaitId::Pid(Pid::from_child(child)), options),
        Ok(None)
    )
}

impl Drop for Jvm {
    fn drop(&mut self) {
        self.kill();
    }
}

fn disarm(watchdog: &mut Option<(Child, ChildStdin)>) {
    if let Some((mut child, stdin)) = watchdog.take() {
        let _ = child.kill();
        let _ = child.wait();
        drop(stdin);
    }
}

fn open_log(path: &Path) -> Result<File> {
    // Appending keeps the history of earlier runs of the same server across restarts.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| TestkitError::io(format!("opening {}", path.display()), e))
}

/// The last `lines` lines of a log file, for error messages.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(log unreadable: {e})"),
    }
}
