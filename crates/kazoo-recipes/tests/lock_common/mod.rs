//! Helpers for the lock-family tests (locks, semaphore, election): bounded waits and listings.
#![allow(dead_code)]

use kazoo_client::Client;
use std::future::Future;
use std::time::{Duration, Instant};

/// The longest any single step of a test may take.
pub const LIMIT: Duration = Duration::from_secs(20);

/// Awaits `f` at most [`LIMIT`]; panics naming `what` otherwise.
pub async fn within<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {LIMIT:?}"))
}

/// Polls `check` until it is true (at most [`LIMIT`]): for states the server offers no event
/// for, such as "this contender's node exists".
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + LIMIT;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`eventually`] for plain threads.
pub fn eventually_blocking(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The children of `path`, sorted.
pub async fn children(zk: &Client, path: &str) -> Vec<String> {
    let mut c = zk.get_children(path).await.expect("children");
    c.sort();
    c
}

/// The paths the server watches for `client`'s session (from `wchc`), sorted.
pub fn session_watches(client: &Client) -> Vec<String> {
    let id = format!("0x{:x}", client.session_id().expect("session"));
    let out = kazoo_testkit::ZkServer::shared()
        .four_letter("wchc")
        .expect("wchc");
    let mut paths = Vec::new();
    let mut mine = false;
    for line in out.lines() {
        if line.starts_with("0x") {
            mine = line.trim() == id;
        } else if mine && !line.trim().is_empty() {
            paths.push(line.trim().to_owned());
        }
    }
    paths.sort();
    paths
}
