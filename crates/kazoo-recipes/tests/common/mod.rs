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

/// A client on the shared server whose chroot is `root`, connected through a fault proxy
/// with a short (1.5 s) session timeout, so that [`expire_session`] can end its session.
pub async fn proxied_client_at(root: &str) -> (Client, kazoo_testkit::FaultProxy) {
    let proxy = kazoo_testkit::FaultProxy::start(server().addr()).expect("start proxy");
    let client = client_through(&proxy, root, Duration::from_millis(1500)).await;
    (client, proxy)
}

/// A client whose chroot is `root`, connected through `proxy` with `session_timeout`.
pub async fn client_through(
    proxy: &kazoo_testkit::FaultProxy,
    root: &str,
    session_timeout: Duration,
) -> Client {
    Client::builder(&format!("{}{}", proxy.connect_string(), root))
        .session_timeout(session_timeout)
        .connect()
        .await
        .expect("connect through the proxy")
}

/// Ends the session of `client` (made by [`proxied_client_at`]) for real: the proxy drops
/// its traffic until the server has expired the session (its ephemeral probe node is gone),
/// then lets it through again, so the client learns of the expiry on reconnecting.
pub async fn expire_session(client: &Client, proxy: &kazoo_testkit::FaultProxy) {
    let probe = format!("/expiry-probe-{}", uuid::Uuid::new_v4().simple());
    client
        .create(
            &probe,
            Vec::new(),
            &kazoo_client::CreateOptions::new().ephemeral(),
        )
        .await
        .expect("create the expiry probe");
    let root = client.chroot().unwrap_or("").to_owned();
    let observer = root_client().await;
    proxy.set_mode(kazoo_testkit::ProxyMode::Blackhole);
    let gone = format!("{root}{probe}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while observer.exists(&gone).await.expect("observe").is_some() {
        assert!(std::time::Instant::now() < deadline, "session not expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    observer.close().await;
    proxy.set_mode(kazoo_testkit::ProxyMode::Pass);
}

/// A Python kazoo process (see [`spawn_python`]) whose printed lines arrive on a channel, so a
/// test can wait for the next one with a limit; it is killed when dropped.
pub struct Py {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Py {
    /// Starts `script` under `root` (as [`spawn_python`]).
    pub fn start(root: &str, script: &str) -> Py {
        let mut child = spawn_python(root, script);
        let out = child.stdout.take().expect("python stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Py { child, lines }
    }

    /// The next line the process printed, waiting at most 30 s; panics naming `what` when the
    /// process ended or stayed silent.
    pub fn line(&mut self, what: &str) -> String {
        match self.lines.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(e) => panic!("python printed no {what}: {e:?}"),
        }
    }

    /// Waits (in a blocking task) for the next line: for use from async tests.
    pub async fn line_async(&mut self, what: &str) -> String {
        tokio::task::block_in_place(|| self.line(what))
    }

    /// Writes one line to the process's stdin.
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("python stdin");
        writeln!(stdin, "{line}").expect("write to python");
        stdin.flush().expect("flush python stdin");
    }

    /// Waits for the process to exit and asserts success.
    pub fn finish(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().expect("wait for python");
        assert!(status.success(), "python failed: {status}");
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits (up to 20 s) until the server holds a watch on `path` (server-absolute): the point
/// where a waiter is known to be waiting. Polls `wchp`: the server offers no event for it.
pub fn wait_for_watch_on(path: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !watched_paths_under(path).iter().any(|p| p == path) {
        assert!(
            std::time::Instant::now() < deadline,
            "no watch appeared on {path}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`wait_for_watch_on`] from async code.
pub async fn wait_for_watch(path: &str) {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || wait_for_watch_on(&path))
        .await
        .expect("wait for watch");
}

/// Asserts that the server holds no watch of `client`'s session on `path` (chroot-relative),
/// child watches included, which `wchp` does not report (ZooKeeper's four-letter words list
/// data watches only). It asks the server to remove any: the answer `NoWatcher` proves there
/// was none. Local watchers on the path are removed too, so call it at the end of a test.
pub async fn assert_no_server_watch(client: &Client, path: &str) {
    match client
        .remove_watches(path, kazoo_client::WatcherType::Any, false)
        .await
    {
        Err(kazoo_client::Error::NoWatcher { .. }) => {}
        other => panic!("a watch was left on {path}: {other:?}"),
    }
}
