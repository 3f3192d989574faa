//! Barrier against a real server: create/remove, wait with and without timeout, another
//! client removing it, session expiry during a wait, the blocking form, and no watch left.

mod common;

use common::{
    assert_no_watches_under, client_at, expire_session, fresh_root, proxied_client_at,
    wait_for_watch, wait_for_watch_on,
};
use kazoo_client::Error;
use kazoo_recipes::barrier::Barrier;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_remove_report_what_they_did() {
    let root = fresh_root("barrier-cr").await;
    let zk = client_at(&root).await;
    let b = Barrier::new(&zk, "/a/b");
    assert!(b.wait(Some(Duration::ZERO)).await.unwrap(), "no node: down");
    b.create().await.unwrap();
    b.create().await.unwrap();
    assert!(zk.exists("/a/b").await.unwrap().is_some());
    assert!(b.remove().await.unwrap());
    assert!(!b.remove().await.unwrap());
    assert!(zk.exists("/a/b").await.unwrap().is_none());
    assert!(b.wait(None).await.unwrap());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_while_up_and_leaves_no_watch() {
    let root = fresh_root("barrier-to").await;
    let zk = client_at(&root).await;
    let b = Barrier::new(&zk, "/b");
    b.create().await.unwrap();
    let started = std::time::Instant::now();
    assert!(!b.wait(Some(Duration::from_millis(300))).await.unwrap());
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A wait abandoned by dropping its future cleans up too.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), b.wait(None))
            .await
            .is_err()
    );
    // Data changes do not end the wait.
    zk.set("/b", b"x".to_vec(), None).await.unwrap();
    assert!(!b.wait(Some(Duration::from_millis(100))).await.unwrap());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_pass_when_another_client_removes_it() {
    let root = fresh_root("barrier-rm").await;
    let coordinator = client_at(&root).await;
    let worker = client_at(&root).await;
    let b = Barrier::new(&coordinator, "/b");
    b.create().await.unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let w = Barrier::new(&worker, "/b");
            tokio::spawn(async move { w.wait(Some(T)).await })
        })
        .collect();
    // The waiters are waiting once the server holds their watch.
    wait_for_watch(&format!("{root}/b")).await;
    assert!(b.remove().await.unwrap());
    for w in waiters {
        assert!(w.await.unwrap().unwrap());
    }
    assert_no_watches_under(&root);
    coordinator.close().await;
    worker.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_expiry_ends_a_wait_with_an_error() {
    let root = fresh_root("barrier-exp").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let b = Barrier::new(&zk, "/b");
    b.create().await.unwrap();
    let waiter = {
        let b = b.clone();
        tokio::spawn(async move { b.wait(None).await })
    };
    wait_for_watch(&format!("{root}/b")).await;
    expire_session(&zk, &proxy).await;
    let r = tokio::time::timeout(T, waiter).await.unwrap().unwrap();
    assert!(matches!(r, Err(Error::SessionExpired)), "{r:?}");
    zk.close().await;
    assert_no_watches_under(&root);
}

#[test]
fn blocking_barrier_waits_and_passes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("barrier-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let b = kazoo_recipes::barrier::BlockingBarrier::new(&zk, "/b");
    b.create().unwrap();
    assert!(!b.wait(Some(Duration::from_millis(200))).unwrap());
    let remover = {
        let zk = zk.clone();
        std::thread::spawn(move || {
            // Removing only after the waiter's watch is on the server proves the wait woke up.
            wait_for_watch_on(&format!("{}/b", root_of(&zk)));
            kazoo_recipes::barrier::BlockingBarrier::new(&zk, "/b").remove()
        })
    };
    assert!(b.wait(Some(T)).unwrap());
    assert!(remover.join().unwrap().unwrap());
    assert_no_watches_under(&root);
    zk.close();
}

/// The server-absolute root of a chrooted blocking client.
fn root_of(zk: &kazoo_client::blocking::Client) -> String {
    zk.as_async().chroot().unwrap_or("/").to_owned()
}
