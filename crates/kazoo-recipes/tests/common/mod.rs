//! Shared helpers for the recipe tests: a real ZooKeeper server shared by the tests of one
//! process, a fresh chroot per test, server-side watch accounting and Python kazoo processes.
#![allow(dead_code)]

use kazoo_client::Client;
use kazoo_testkit::{unique_path, ZkServer};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server shared by every test of this test binary.
pub fn server() -> &'static ZkServer {
    ZkServer::shared()
}

/// A fresh, empty root path for one test (created on the server).
pub async fn fresh_root(prefix: &str) -> String {
    let root = unique_path(prefix);
    let zk = Client::builder(&server().connect_string())
        .connect()
        .await
        .expect("connect to the shared server");
    zk.ensure_path(&root).await.expect("create the test root");
    zk.close().await;
    root
}

/// A client on the shared server whose chroot is `root`.
pub async fn client_at(root: &str) -> Client {
    Client::builder(&format!("{}{}", server().connect_string(), root))
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect to the shared server")
}

/// A client on the shared server without chroot.
pub async fn root_client() -> Client {
    Client::builder(&server().connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect to the shared server")
}

/// Paths under `prefix` (server-absolute) on which the server holds a watch, from `wchp`.
pub fn watched_paths_under(prefix: &str) -> Vec<String> {
    let out = server().four_letter("wchp").expect("wchp");
    out.lines()
        .filter(|l| l.starts_with('/'))
        .filter(|l| *l == prefix || l.starts_with(&format!("{prefix}/")))
        .map(str::to_owned)
        .collect()
}

/// Waits (up to 10 s) until the server holds no watch under `prefix`; panics naming the paths
/// still watched. Watch removal on the server follows the client's request asynchronously, so
/// this polls with a deadline instead of checking once.
pub fn assert_no_watches_under(prefix: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = watched_paths_under(prefix);
        if left.is_empty() {
            return;
        }
        if std::time::Instant::now() > deadline {
            panic!("watches left on the server under {prefix}: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The Python interpreter with kazoo 2.11 installed (`scripts/setup.sh` makes it). Fails loudly
/// when it is missing: interop tests are never skipped silently.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("KAZOO_PYTHON") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        p.exists(),
        "Python kazoo is missing: run scripts/setup.sh (creates .venv with kazoo 2.11.0) or set KAZOO_PYTHON"
    );
    p
}

/// Starts a Python process running `script` with kazoo imported; `ZK_HOSTS` is the shared
/// server's connect string plus `root` as chroot. Stdout is piped so the test can read what it
/// prints (one line per event is the convention).
pub fn spawn_python(root: &str, script: &str) -> Child {
    Command::new(python())
        .arg("-u")
        .arg("-c")
        .arg(script)
        .env("ZK_HOSTS", format!("{}{}", server().connect_string(), root))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python")
}
