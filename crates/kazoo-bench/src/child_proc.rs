//! Runs one client workload in a child process (this binary's hidden `child` subcommand, or the
//! Python kazoo script), so that CPU time and peak RSS belong to that client alone.

use crate::spec::{Outcome, RunSpec};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How to start the child for a client.
#[derive(Debug, Clone)]
pub struct Launcher {
    /// This executable.
    pub exe: PathBuf,
    /// The Python interpreter of the kazoo virtual environment.
    pub python: PathBuf,
    /// `bench/kazoo_bench.py`.
    pub script: PathBuf,
    /// Prefix the command with `valgrind --tool=callgrind`, writing to this file.
    pub callgrind_out: Option<PathBuf>,
}

impl Launcher {
    fn command(&self, spec: &RunSpec) -> Result<Command> {
        let spec_json = serde_json::to_string(spec)?;
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        if spec.client == "kazoo-py" {
            args.push(self.python.clone().into());
            args.push(self.script.clone().into());
        } else {
            args.push(self.exe.clone().into());
            args.push("child".into());
        }
        args.push("--spec".into());
        args.push(spec_json.into());
        if let Some(out) = &self.callgrind_out {
            let mut v: Vec<std::ffi::OsString> = vec![
                "--tool=callgrind".into(),
                format!("--callgrind-out-file={}", out.display()).into(),
                "--dump-instr=no".into(),
                "--collect-jumps=no".into(),
                // Blocking clients pipeline with one thread per request in flight.
                format!("--max-threads={}", spec.inflight + 200).into(),
            ];
            v.extend(args);
            args = v;
            args.insert(0, "valgrind".into());
        }
        let mut cmd = Command::new(&args[0]);
        cmd.env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0");
        cmd.args(&args[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Ok(cmd)
    }

    /// Starts a child; `wait` collects its outcome.
    pub fn spawn(&self, spec: &RunSpec) -> Result<Running> {
        let mut child = self
            .command(spec)?
            .spawn()
            .with_context(|| format!("starting {}", spec.client))?;
        let stdout = child.stdout.take().context("child stdout")?;
        let stderr = child.stderr.take().context("child stderr")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err_text = std::thread::spawn(move || {
            let mut s = String::new();
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                // Keep the tail only: valgrind and JVM-less clients can be chatty.
                if s.len() > 16_000 {
                    s.drain(..8_000);
                }
                s.push_str(&line);
                s.push('\n');
            }
            s
        });
        Ok(Running {
            child,
            lines: rx,
            err_text: Some(err_text),
            client: spec.client.clone(),
        })
    }
}

/// A started child.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    err_text: Option<std::thread::JoinHandle<String>>,
    client: String,
}

impl Running {
    /// Waits for the child's `ready` line (W6), up to `limit`.
    pub fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.trim() == "ready" => return Ok(()),
                Ok(_) => continue,
                Err(_) => {
                    let _ = self.child.kill();
                    let tail = self.stderr_tail();
                    bail!("{} never became ready: {tail}", self.client);
                }
            }
        }
    }

    /// Waits for the outcome line and the exit, killing the child after `limit`.
    pub fn wait(mut self, limit: Duration) -> Result<Outcome> {
        let deadline = Instant::now() + limit;
        let mut outcome = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.starts_with('{') => outcome = Some(l),
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let tail = self.stderr_tail();
                    bail!("{} timed out after {limit:?}: {tail}", self.client);
                }
            }
        }
        let status = self.child.wait()?;
        match outcome {
            Some(l) if status.success() => {
                Ok(serde_json::from_str(&l).with_context(|| format!("outcome {l}"))?)
            }
            _ => {
                let tail = self.stderr_tail();
                bail!("{} failed ({status}): {tail}", self.client)
            }
        }
    }

    fn stderr_tail(&mut self) -> String {
        let _ = self.child.kill();
        let text = self
            .err_text
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        // Prefer the error line itself over whatever the child printed before dying.
        if let Some(line) = text
            .lines()
            .find(|l| l.starts_with("Error") || l.contains("panicked"))
        {
            return line.to_string();
        }
        let tail: Vec<&str> = text.lines().rev().take(6).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }
}
