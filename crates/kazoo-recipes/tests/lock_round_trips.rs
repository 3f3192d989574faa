//! What a lock cycle costs and what the shortcuts that make it cheap must still guarantee: an
//! uncontended acquire/release is three requests (create and listing pipelined, then the
//! delete); the grant's watch is set by its task after acquire returns, and still reports a
//! node that went away or changed before that; a release whose caller stops waiting still
//! deletes the node.

mod common;
mod lock_common;

use common::*;
use kazoo_client::Client;
use kazoo_recipes::fencing::LostReason;
use kazoo_recipes::lock::{Lock, LockOptions};
use kazoo_recipes::semaphore::Semaphore;
use kazoo_testkit::{FaultProxy, ProxyMode};
use lock_common::*;
use std::time::Duration;

/// Requests the server received on `client`'s connection so far (from `cons`).
fn received(client: &Client) -> u64 {
    let sid = format!("sid=0x{:x},", client.session_id().expect("session"));
    let out = server().four_letter("cons").expect("cons");
    let line = out
        .lines()
        .find(|l| l.contains(&sid))
        .unwrap_or_else(|| panic!("no connection with {sid} in {out}"));
    let count = line
        .split("recved=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no recved count in {line}"));
    count.parse().expect("recved count")
}

// A current-thread runtime: the grant's task cannot run between acquire and release, as in a
// tight loop, so the count is exact.
#[tokio::test(flavor = "current_thread")]
async fn lock_uncontended_cycle_is_three_requests() {
    let root = fresh_root("lock-rtt-count").await;
    let zk = client_at(&root).await;
    let lock = Lock::with_options(&zk, "/lock", LockOptions::new().identifier("a"));
    // The first cycle also creates the lock path.
    lock.acquire().await.unwrap().release().await.unwrap();
    const CYCLES: u64 = 20;
    let before = received(&zk);
    for _ in 0..CYCLES {
        lock.acquire().await.unwrap().release().await.unwrap();
    }
    let sent = received(&zk) - before;
    // A ping may slip in; nothing else may.
    assert!(
        (3 * CYCLES..=3 * CYCLES + 2).contains(&sent),
        "{sent} requests for {CYCLES} cycles"
    );
    assert!(children(&zk, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "current_thread")]
async fn lock_grant_reports_a_node_deleted_before_its_watch_was_set() {
    let root = fresh_root("lock-rtt-deleted").await;
    let zk = client_at(&root).await;
    let lock = Lock::new(&zk, "/lock");
    let guard = lock.acquire().await.unwrap();
    // Queued before the grant's task runs: its read comes after the deletion.
    let deletion = zk.delete(guard.node_path(), None);
    deletion.await.unwrap();
    assert_eq!(
        within("lost signal", guard.lost_signal().lost()).await,
        LostReason::NodeDeleted
    );
    assert!(
        session_watches(&zk).is_empty(),
        "no watch on a missing node"
    );
    guard
        .release()
        .await
        .expect("releasing a lost lock is fine");
    assert!(children(&zk, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "current_thread")]
async fn lock_grant_reports_a_node_changed_before_its_watch_was_set_and_drops_the_watch() {
    let root = fresh_root("lock-rtt-changed").await;
    let zk = client_at(&root).await;
    let lock = Lock::new(&zk, "/lock");
    let guard = lock.acquire().await.unwrap();
    let change = zk.set(guard.node_path(), b"not the holder's".to_vec(), None);
    change.await.unwrap();
    assert_eq!(
        within("lost signal", guard.lost_signal().lost()).await,
        LostReason::NotOwned
    );
    assert!(
        session_watches(&zk).is_empty(),
        "the watch set on a node that is not ours is removed"
    );
    guard.release().await.unwrap();
    assert!(children(&zk, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_grant_watch_is_set_after_acquire_and_fires_on_deletion() {
    let root = fresh_root("lock-rtt-armed").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let guard = Lock::new(&a, "/lock").acquire().await.unwrap();
    let node = format!("{root}{}", guard.node_path());
    eventually("the grant's watch is set", || async {
        session_watches(&a) == [node.clone()]
    })
    .await;
    b.delete(guard.node_path(), None).await.unwrap();
    assert_eq!(
        within("lost signal", guard.lost_signal().lost()).await,
        LostReason::NodeDeleted
    );
    guard.release().await.unwrap();
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_release_whose_caller_stops_waiting_still_deletes_the_node() {
    let root = fresh_root("lock-rtt-release").await;
    let proxy = FaultProxy::start(server().addr()).expect("proxy");
    let zk = client_through(&proxy, &root, Duration::from_secs(10)).await;
    let observer = client_at(&root).await;
    let guard = Lock::new(&zk, "/lock").acquire().await.unwrap();
    let session = zk.session_id();

    // The delete goes into a silent partition; the caller gives up on it.
    proxy.set_mode(ProxyMode::Blackhole);
    let release = tokio::time::timeout(Duration::from_millis(200), guard.release()).await;
    assert!(release.is_err(), "no reply can come through the partition");
    assert_eq!(children(&observer, "/lock").await.len(), 1);
    proxy.cut();
    proxy.set_mode(ProxyMode::Pass);

    eventually("the node is deleted after the reconnect", || async {
        children(&observer, "/lock").await.is_empty()
    })
    .await;
    assert_eq!(zk.session_id(), session, "deleted by us, not by an expiry");
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "current_thread")]
async fn semaphore_lease_reports_a_node_deleted_before_its_watch_was_set() {
    let root = fresh_root("sem-rtt-deleted").await;
    let zk = client_at(&root).await;
    let sem = Semaphore::new(&zk, "/sem", 2);
    let lease = sem.acquire().await.unwrap();
    let deletion = zk.delete(lease.node_path(), None);
    deletion.await.unwrap();
    assert_eq!(
        within("lost signal", lease.lost_signal().lost()).await,
        LostReason::NodeDeleted
    );
    lease
        .release()
        .await
        .expect("releasing a lost lease is fine");
    assert!(children(&zk, "/sem").await.is_empty());
    assert_no_watches_under(&root);
}

// Two contenders releasing and taking the lock back to back: most waits end with the
// predecessor already gone when its read arrives, the path where the listing sent behind that
// read decides. Exclusion must hold on every cycle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_back_to_back_contenders_never_overlap() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let root = fresh_root("lock-rtt-contend").await;
    let holders = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for id in ["a", "b"] {
        let zk = client_at(&root).await;
        let holders = holders.clone();
        tasks.push(tokio::spawn(async move {
            let lock = Lock::with_options(&zk, "/lock", LockOptions::new().identifier(id));
            for _ in 0..150 {
                let guard = lock.acquire().await.unwrap();
                assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                tokio::task::yield_now().await;
                holders.fetch_sub(1, Ordering::SeqCst);
                guard.release().await.unwrap();
            }
            zk
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(within("150 cycles", t).await.unwrap());
    }
    assert!(children(&clients[0], "/lock").await.is_empty());
    assert_no_watches_under(&root);
}
