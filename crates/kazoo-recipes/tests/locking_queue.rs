//! LockingQueue against a real server: kazoo's layout (entries, taken nodes with our id),
//! get/consume/release, an entry held by one consumer is invisible to others until released
//! or its holder's session ends, holds_lock, put_all, get timeouts, the blocking form.

mod common;

use common::{assert_no_server_watch, assert_no_watches_under, client_at, fresh_root};
use kazoo_client::Client;
use kazoo_recipes::locking_queue::{BlockingLockingQueue, LockingQueue};
use kazoo_recipes::queue::QueueError;
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);
const SHORT: Option<Duration> = Some(Duration::from_millis(200));

async fn no_watches(zk: &Client) {
    assert_no_server_watch(zk, "/q/entries").await;
    assert_no_server_watch(zk, "/q/taken").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_locks_the_entry_and_consume_removes_both_nodes() {
    let root = fresh_root("lqueue").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let q = LockingQueue::new(&zk, "/q");
    let rival = LockingQueue::new(&other, "/q");
    assert_eq!(
        q.put(b"job".to_vec(), 100).await.unwrap(),
        "/q/entries/entry-100-0000000000"
    );
    assert!(!q.holds_lock().await.unwrap());
    assert_eq!(q.get(SHORT).await.unwrap().as_deref(), Some(&b"job"[..]));

    let (data, stat) = zk.get("/q/taken/entry-100-0000000000").await.unwrap();
    assert_eq!(&data[..], q.id().as_bytes());
    assert_eq!(stat.ephemeral_owner, zk.session_id().unwrap());
    assert!(q.holds_lock().await.unwrap());
    // In hand until consumed: the same entry again; the rival finds nothing free.
    assert_eq!(q.get(SHORT).await.unwrap().as_deref(), Some(&b"job"[..]));
    assert_eq!(rival.get(SHORT).await.unwrap(), None);
    assert_eq!(q.len().await.unwrap(), 1, "taken entries still count");

    assert!(q.consume().await.unwrap());
    assert!(!q.consume().await.unwrap());
    assert!(zk.get_children("/q/entries").await.unwrap().is_empty());
    assert!(zk.get_children("/q/taken").await.unwrap().is_empty());
    no_watches(&zk).await;
    no_watches(&other).await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_or_orphaned_entries_go_to_the_next_consumer() {
    let root = fresh_root("lqueue-rel").await;
    let a_zk = client_at(&root).await;
    let b_zk = client_at(&root).await;
    let a = LockingQueue::new(&a_zk, "/q");
    let b = Arc::new(LockingQueue::new(&b_zk, "/q"));
    a.put_all([b"first".to_vec(), b"second".to_vec()], 100)
        .await
        .unwrap();
    assert_eq!(a.get(SHORT).await.unwrap().as_deref(), Some(&b"first"[..]));
    assert_eq!(b.get(SHORT).await.unwrap().as_deref(), Some(&b"second"[..]));
    assert!(a.release().await.unwrap());
    assert!(!a.holds_lock().await.unwrap());
    assert!(b.consume().await.unwrap());
    assert_eq!(b.get(SHORT).await.unwrap().as_deref(), Some(&b"first"[..]));

    // `a` waits; `b`'s session ends while it holds the entry: `a` gets it.
    let a = Arc::new(a);
    let waiting = {
        let a = a.clone();
        tokio::spawn(async move { a.get(Some(T)).await })
    };
    b_zk.close().await;
    assert_eq!(
        waiting.await.unwrap().unwrap().as_deref(),
        Some(&b"first"[..])
    );
    assert!(a.consume().await.unwrap());
    assert_eq!(a.len().await.unwrap(), 0);
    no_watches(&a_zk).await;
    assert_no_watches_under(&root);
    a_zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_waits_for_a_put_and_times_out() {
    let root = fresh_root("lqueue-wait").await;
    let zk = client_at(&root).await;
    let producer = client_at(&root).await;
    let q = Arc::new(LockingQueue::new(&zk, "/q"));
    let started = std::time::Instant::now();
    assert_eq!(q.get(SHORT).await.unwrap(), None);
    assert!(started.elapsed() >= Duration::from_millis(200));
    let waiting = {
        let q = q.clone();
        tokio::spawn(async move { q.get(Some(T)).await })
    };
    LockingQueue::new(&producer, "/q")
        .put(b"late".to_vec(), 3)
        .await
        .unwrap();
    assert_eq!(
        waiting.await.unwrap().unwrap().as_deref(),
        Some(&b"late"[..])
    );
    assert!(q.release().await.unwrap());
    no_watches(&zk).await;
    assert_no_watches_under(&root);
    zk.close().await;
    producer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lock_is_noticed_and_the_entry_stays_queued() {
    let root = fresh_root("lqueue-lost").await;
    let zk = client_at(&root).await;
    let q = LockingQueue::new(&zk, "/q");
    q.put(b"x".to_vec(), 100).await.unwrap();
    assert!(q.get(SHORT).await.unwrap().is_some());
    // Someone removes our lock (an operator, or our session ended and another consumer took
    // it): consume refuses and the entry stays queued.
    zk.delete("/q/taken/entry-100-0000000000", None)
        .await
        .unwrap();
    assert!(!q.holds_lock().await.unwrap());
    assert!(!q.consume().await.unwrap());
    assert_eq!(q.len().await.unwrap(), 1);

    // The lost entry is free again: taking it anew works.
    assert_eq!(q.get(SHORT).await.unwrap().as_deref(), Some(&b"x"[..]));
    assert!(q.consume().await.unwrap());

    assert!(matches!(
        q.put(b"x".to_vec(), 1000).await,
        Err(QueueError::InvalidPriority(1000))
    ));
    no_watches(&zk).await;
    zk.close().await;
}

#[test]
fn blocking_locking_queue() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("lqueue-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let q = BlockingLockingQueue::new(&zk, "/q");
    q.put_all([b"a".to_vec(), b"b".to_vec()], 100).unwrap();
    assert_eq!(q.get(None).unwrap().as_deref(), Some(&b"a"[..]));
    assert!(q.holds_lock().unwrap());
    assert!(q.consume().unwrap());
    assert_eq!(q.get(None).unwrap().as_deref(), Some(&b"b"[..]));
    assert!(q.release().unwrap());
    assert_eq!(q.len().unwrap(), 1);
    assert!(!q.is_empty().unwrap());
    assert_no_watches_under(&root);
    zk.close();
}
