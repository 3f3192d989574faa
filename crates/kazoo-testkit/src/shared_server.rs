//! One server per test process, shared by every test that does not kill, restart or partition
//! it, and unique root paths that keep those tests apart.
//!
//! The shared server lives in a `static`, so no destructor runs for it: its watchdog kills it
//! and removes its directory when the test process exits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Result, TestkitError};
use crate::server::ZkServer;

static SHARED: OnceLock<std::result::Result<ZkServer, String>> = OnceLock::new();
static NEXT_PATH: AtomicU64 = AtomicU64::new(0);

/// Names a server started outside the test process (`HOST:PORT`) to use as the shared server.
///
/// cargo-nextest runs every test in its own process, so without it each test that asks for
/// the shared server starts a JVM of its own (about a second of CPU each). The project's test
/// command starts one standalone server with `kazoo-ensemble --size 1` and exports its address
/// here; tests stay apart through [`unique_path`]. Tests that stop, kill or partition a server
/// start their own and are unaffected.
pub const SHARED_SERVER_ENV: &str = "KAZOO_TESTKIT_SHARED_SERVER";

fn external_shared(addr: &str) -> std::result::Result<ZkServer, String> {
    let parsed: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| format!("{SHARED_SERVER_ENV}={addr:?} is not HOST:PORT: {e}"))?;
    let server = ZkServer::external(parsed);
    if !server.is_running() {
        return Err(format!(
            "{SHARED_SERVER_ENV}={addr}: no ZooKeeper server answers `ruok` there"
        ));
    }
    Ok(server)
}

impl ZkServer {
    /// The process-wide shared server, started on first use with the kit's defaults.
    ///
    /// Tests that only read and write data can share it; each should work under its own
    /// [`unique_path`] and never stop or partition the server. With a runner that puts each
    /// test in its own process (cargo-nextest) every test still gets a server of its own,
    /// unless [`SHARED_SERVER_ENV`] names one server started outside for all of them.
    ///
    /// # Panics
    ///
    /// When the server cannot start, with the reason (use [`ZkServer::try_shared`] to handle
    /// that instead).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use kazoo_testkit::{unique_path, ZkServer};
    ///
    /// let zk = ZkServer::shared();
    /// let root = unique_path("counter");
    /// // connect to zk.connect_string() and work under `root` ...
    /// ```
    pub fn shared() -> &'static ZkServer {
        match ZkServer::try_shared() {
            Ok(server) => server,
            Err(e) => panic!("{e}"),
        }
    }

    /// The process-wide shared server, or why it could not start. A failed start is not
    /// retried: every later call reports the same error.
    ///
    /// # Errors
    ///
    /// [`TestkitError::SharedServer`] with the first start's error message.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let zk = kazoo_testkit::ZkServer::try_shared()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn try_shared() -> Result<&'static ZkServer> {
        SHARED
            .get_or_init(|| match std::env::var(SHARED_SERVER_ENV) {
                Ok(addr) if !addr.trim().is_empty() => external_shared(addr.trim()),
                _ => ZkServer::start().map_err(|e| e.to_string()),
            })
            .as_ref()
            .map_err(|e| TestkitError::SharedServer(e.clone()))
    }
}

/// An absolute ZooKeeper path no other call (in this or another process) returns:
/// `/<prefix>-<pid>-<counter>-<nanos>`. Use it as a test's root on a shared server.
///
/// Characters ZooKeeper forbids in a node name are replaced by `_` in `prefix`.
///
/// # Example
///
/// ```
/// let a = kazoo_testkit::unique_path("lock");
/// let b = kazoo_testkit::unique_path("lock");
/// assert!(a.starts_with("/lock-"));
/// assert_ne!(a, b);
/// ```
pub fn unique_path(prefix: &str) -> String {
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c == '/' || c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = match clean.as_str() {
        "" => "test".to_owned(),
        "." | ".." => clean.replace('.', "_"),
        _ => clean,
    };
    let n = NEXT_PATH.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("/{clean}-{}-{n}-{nanos}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_paths_are_valid_and_distinct() {
        let paths: Vec<String> = (0..100).map(|_| unique_path("a/b")).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        for p in &paths {
            assert!(p.starts_with("/a_b-"));
            assert_eq!(p.matches('/').count(), 1);
        }
        assert!(unique_path("").starts_with("/test-"));
    }
}
