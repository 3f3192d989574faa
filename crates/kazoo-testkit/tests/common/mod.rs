//! Helpers shared by the test kit's own tests.
#![allow(dead_code)]

pub mod raw;

use std::path::Path;
use std::time::{Duration, Instant};

/// Whether `pid` is a live (not zombie) ZooKeeper JVM.
pub fn is_zookeeper_alive(pid: u32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .map(|r| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(true);
    !zombie && String::from_utf8_lossy(&cmdline).contains("QuorumPeerMain")
}

/// Polls `cond` until it holds or `timeout` passes; returns whether it held.
pub fn eventually(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a path still exists.
pub fn exists(path: &Path) -> bool {
    path.exists()
}
