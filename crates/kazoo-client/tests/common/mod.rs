//! Helpers shared by the integration tests: a client on the shared server under a unique
//! chroot, and polling with a deadline where no event exists.
#![allow(dead_code)]

pub mod api;

use kazoo_client::{Client, ClientBuilder, KazooState, StateChange, StateListener};
use kazoo_testkit::{unique_path, ZkServer};
use std::time::Duration;

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A connected client on the shared server, chrooted to a fresh unique path (created).
pub async fn chrooted_client(prefix: &str) -> (Client, String) {
    chrooted_client_with(prefix, |b| b).await
}

/// Like [`chrooted_client`], with extra builder settings.
pub async fn chrooted_client_with(
    prefix: &str,
    settings: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Client, String) {
    init_tracing();
    let zk = ZkServer::shared();
    let root = fresh_root(prefix).await;
    let builder = Client::builder(&format!("{}{}", zk.connect_string(), root))
        .session_timeout(Duration::from_secs(6));
    let client = settings(builder).connect().await.expect("connect chrooted");
    (client, root)
}

/// A fresh unique path on the shared server, created.
pub async fn fresh_root(prefix: &str) -> String {
    let root = unique_path(prefix);
    let admin = Client::connect(&ZkServer::shared().connect_string())
        .await
        .expect("connect");
    admin.ensure_path(&root).await.expect("ensure root");
    admin.close().await;
    root
}

/// Waits for a state change matching `pred`, at most `limit`.
pub async fn wait_state(
    l: &mut StateListener,
    limit: Duration,
    pred: impl Fn(&StateChange) -> bool,
) -> StateChange {
    tokio::time::timeout(limit, async {
        loop {
            match l.recv().await {
                Some(c) if pred(&c) => return c,
                Some(_) => {}
                None => panic!("state stream ended"),
            }
        }
    })
    .await
    .expect("state change in time")
}

/// Waits until `kazoo` state is reached.
pub async fn wait_kazoo(l: &mut StateListener, s: KazooState, limit: Duration) -> StateChange {
    wait_state(l, limit, |c| c.kazoo == s).await
}

/// Polls `f` until it returns true, at most `limit` (for server-side effects without an event).
pub async fn eventually<F, Fut>(limit: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if f().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
