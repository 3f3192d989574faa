//! Queue against a real server: kazoo's entry names, priority and FIFO order, put_all,
//! concurrent consumers never sharing an entry, waiting for an entry, the blocking form.

mod common;

use common::{assert_no_server_watch, assert_no_watches_under, client_at, fresh_root};
use kazoo_recipes::queue::{BlockingQueue, Queue, QueueError, DEFAULT_PRIORITY};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_come_out_by_priority_then_in_order() {
    let root = fresh_root("queue").await;
    let zk = client_at(&root).await;
    let q = Queue::new(&zk, "/q");
    assert_eq!(q.get().await.unwrap(), None);
    assert!(q.is_empty().await.unwrap());
    let first = q.put(b"one".to_vec(), DEFAULT_PRIORITY).await.unwrap();
    q.put(b"two".to_vec(), DEFAULT_PRIORITY).await.unwrap();
    q.put(b"late".to_vec(), 999).await.unwrap();
    q.put(b"urgent".to_vec(), 0).await.unwrap();
    q.put(b"three".to_vec(), DEFAULT_PRIORITY).await.unwrap();
    assert_eq!(first, "/q/entry-100-0000000000");
    let mut names = zk.get_children("/q").await.unwrap();
    names.sort();
    assert_eq!(
        names,
        [
            "entry-000-0000000003",
            "entry-100-0000000000",
            "entry-100-0000000001",
            "entry-100-0000000004",
            "entry-999-0000000002"
        ]
    );
    assert_eq!(q.len().await.unwrap(), 5);
    let mut out = Vec::new();
    while let Some(v) = q.get().await.unwrap() {
        out.push(String::from_utf8(v.to_vec()).unwrap());
    }
    assert_eq!(out, ["urgent", "one", "two", "three", "late"]);
    assert!(zk.get_children("/q").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_all_and_bad_priorities() {
    let root = fresh_root("queue-all").await;
    let zk = client_at(&root).await;
    let q = Queue::new(&zk, "/q");
    assert!(matches!(
        q.put(b"x".to_vec(), 1000).await,
        Err(QueueError::InvalidPriority(1000))
    ));
    assert!(matches!(
        q.put_all([b"x".to_vec()], 1000).await,
        Err(QueueError::InvalidPriority(1000))
    ));
    assert_eq!(q.len().await.unwrap(), 0);
    let paths = q
        .put_all([b"a".to_vec(), b"b".to_vec(), b"c".to_vec()], 7)
        .await
        .unwrap();
    assert_eq!(
        paths,
        [
            "/q/entry-007-0000000000",
            "/q/entry-007-0000000001",
            "/q/entry-007-0000000002"
        ]
    );
    assert!(q
        .put_all(Vec::<Vec<u8>>::new(), 7)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(q.get().await.unwrap().as_deref(), Some(&b"a"[..]));
    assert_eq!(q.len().await.unwrap(), 2);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consumers_never_share_an_entry() {
    let root = fresh_root("queue-race").await;
    let producer = client_at(&root).await;
    let q = Queue::new(&producer, "/q");
    let values: Vec<Vec<u8>> = (0..60).map(|i| format!("v{i}").into_bytes()).collect();
    q.put_all(values.clone(), DEFAULT_PRIORITY).await.unwrap();
    let mut consumers = Vec::new();
    let mut zks = Vec::new();
    for _ in 0..3 {
        let zk = client_at(&root).await;
        let q = Arc::new(Queue::new(&zk, "/q"));
        zks.push(zk);
        consumers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = q.get().await.unwrap() {
                got.push(v.to_vec());
            }
            got
        }));
    }
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.await.unwrap());
    }
    assert_eq!(all.len(), 60, "every entry handed out exactly once");
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(unique, values.into_iter().collect());
    for zk in zks {
        zk.close().await;
    }
    producer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_wait_wakes_on_a_put_and_times_out() {
    let root = fresh_root("queue-wait").await;
    let consumer = client_at(&root).await;
    let producer = client_at(&root).await;
    let q = Arc::new(Queue::new(&consumer, "/q"));
    let started = std::time::Instant::now();
    assert_eq!(
        q.get_wait(Some(Duration::from_millis(200))).await.unwrap(),
        None
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    let waiting = {
        let q = q.clone();
        tokio::spawn(async move { q.get_wait(Some(T)).await })
    };
    Queue::new(&producer, "/q")
        .put(b"job".to_vec(), DEFAULT_PRIORITY)
        .await
        .unwrap();
    assert_eq!(
        waiting.await.unwrap().unwrap().as_deref(),
        Some(&b"job"[..])
    );
    assert_no_server_watch(&consumer, "/q").await;
    assert_no_watches_under(&root);
    consumer.close().await;
    producer.close().await;
}

#[test]
fn blocking_queue() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("queue-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let q = BlockingQueue::new(&zk, "/q");
    q.put(b"b".to_vec(), 5).unwrap();
    q.put_all([b"c".to_vec(), b"d".to_vec()], 9).unwrap();
    q.put(b"a".to_vec(), 1).unwrap();
    assert_eq!(q.len().unwrap(), 4);
    let mut out = Vec::new();
    while let Some(v) = q.get_wait(Some(Duration::from_millis(50))).unwrap() {
        out.push(v.to_vec());
    }
    assert_eq!(out, [b"a", b"b", b"c", b"d"]);
    assert!(q.is_empty().unwrap());
    assert_no_watches_under(&root);
    zk.close();
}
