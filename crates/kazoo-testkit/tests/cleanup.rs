//! No server outlives the process that started it, however that process ends; and the
//! `kazoo-ensemble` command cleans up on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use common::{eventually, is_zookeeper_alive};
use rustix::process::{kill_process, Pid, Signal};

const ENSEMBLE_BIN: &str = env!("CARGO_BIN_EXE_kazoo-ensemble");
const PATIENCE: Duration = Duration::from_secs(15);

struct Launched {
    child: Child,
    connect: String,
    pids: Vec<u32>,
    dirs: Vec<PathBuf>,
    _stdout: BufReader<ChildStdout>,
}

/// Starts `kazoo-ensemble` and reads its report lines.
fn launch(args: &[&str]) -> Launched {
    let mut child = Command::new(ENSEMBLE_BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run kazoo-ensemble");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut field = |name: &str| {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line.trim_end()
            .strip_prefix(name)
            .unwrap_or_else(|| panic!("expected {name}, got {line:?}"))
            .to_owned()
    };
    let connect = field("CONNECT=");
    let pids = field("PIDS=")
        .split(',')
        .map(|p| p.parse().unwrap())
        .collect();
    let _leader = field("LEADER=");
    let dirs = field("DIRS=").split(',').map(PathBuf::from).collect();
    Launched {
        child,
        connect,
        pids,
        dirs,
        _stdout: stdout,
    }
}

impl Drop for Launched {
    /// A failing test must not leave the command running (its watchdogs then clean up).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn servers_die_with_a_sigkilled_parent() {
    let mut launched = launch(&["--size", "1"]);
    assert_eq!(launched.pids.len(), 1);
    let pid = launched.pids[0];
    assert!(is_zookeeper_alive(pid));
    assert!(launched.dirs[0].is_dir());

    // SIGKILL: no destructor runs in the parent; only the watchdog can clean up.
    launched.child.kill().unwrap();
    launched.child.wait().unwrap();

    assert!(
        eventually(PATIENCE, || !is_zookeeper_alive(pid)),
        "ZooKeeper pid {pid} outlived its SIGKILLed parent"
    );
    assert!(
        eventually(PATIENCE, || !launched.dirs[0].exists()),
        "{} outlived its SIGKILLed parent",
        launched.dirs[0].display()
    );
}

#[test]
fn kazoo_ensemble_serves_until_sigterm_then_cleans_up() {
    let ready = tempfile::tempdir().unwrap();
    let ready_file = ready.path().join("connect");
    let mut launched = launch(&["--size", "3", "--ready-file", ready_file.to_str().unwrap()]);
    assert_eq!(launched.connect.split(',').count(), 3);
    assert_eq!(
        std::fs::read_to_string(&ready_file).unwrap().trim(),
        launched.connect
    );
    for member in launched.connect.split(',') {
        let addr = member.parse().unwrap();
        let reply = kazoo_testkit::four_letter_word(addr, "srvr", PATIENCE).unwrap();
        assert!(
            reply.contains("Mode: leader") || reply.contains("Mode: follower"),
            "{reply}"
        );
    }

    let pid = Pid::from_child(&launched.child);
    kill_process(pid, Signal::TERM).unwrap();
    let status = launched.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    for pid in &launched.pids {
        assert!(!is_zookeeper_alive(*pid), "pid {pid} survived");
    }
    for dir in &launched.dirs {
        assert!(!dir.exists(), "{} survived", dir.display());
    }
    assert!(!ready_file.exists());
}
