//! Shared helpers: run the real `zooky` binary against the test kit's shared ZooKeeper server,
//! and a blocking client to set things up and check results.
#![allow(dead_code)] // each test file uses its own subset

use kazoo::blocking::Client;
use kazoo_testkit::{unique_path, ZkServer};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The outcome of one `zooky` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "zooky failed: {self:?}");
        &self.stdout
    }

    /// Parses stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// The shared server's connect string.
pub fn hosts() -> String {
    ZkServer::shared().connect_string()
}

/// A `zooky` command with a clean environment: no profile file, no ZK_* or ZOOKY_* variables
/// from the machine running the tests, and the shared server as ZK_HOSTS.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zooky"));
    cmd.args(args)
        .env_remove("ZOOKY_DIGEST")
        .env_remove("ZOOKY_PROFILE")
        .env_remove("XDG_CONFIG_HOME")
        .env("ZOOKY_CONFIG", "/nonexistent/zooky-tests/profiles.toml")
        .env("ZK_HOSTS", hosts())
        .env("RUST_BACKTRACE", "0");
    cmd
}

/// Runs `zooky` with the shared server.
pub fn zooky(args: &[&str]) -> Run {
    finish(command(args).stdin(Stdio::null()).output())
}

/// Runs `zooky` with bytes on stdin.
pub fn zooky_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zooky");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    finish(child.wait_with_output())
}

/// Runs a prepared command.
pub fn run(cmd: &mut Command) -> Run {
    finish(cmd.stdin(Stdio::null()).output())
}

fn finish(out: std::io::Result<Output>) -> Run {
    let out = out.expect("run zooky");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "zooky panicked: {run:?}");
    run
}

/// A blocking client on the shared server.
pub fn client() -> Client {
    Client::connect(&hosts()).expect("connect to the shared server")
}

/// A fresh, existing root for one test.
pub fn root(c: &Client, prefix: &str) -> String {
    let path = unique_path(prefix);
    c.ensure_path(&path).expect("create the test root");
    path
}
