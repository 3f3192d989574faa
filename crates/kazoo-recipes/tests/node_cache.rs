//! NodeCache against a real server: a missing node, creation, updates, deletion and
//! re-creation, real session expiry, and no watch left after close or drop.

mod common;

use bytes::Bytes;
use common::{assert_no_watches_under, client_at, fresh_root, proxied_client_at};
use kazoo_client::CreateOptions;
use kazoo_recipes::cache::{NodeCache, NodeCacheEvent, NodeCacheEventStream};
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

async fn next(events: &mut NodeCacheEventStream) -> NodeCacheEvent {
    tokio::time::timeout(T, events.recv())
        .await
        .expect("an event in time")
        .expect("the cache is open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_cache_follows_creation_changes_deletion_and_recreation() {
    let root = fresh_root("nc-life").await;
    let zk = client_at(&root).await;
    let cache = NodeCache::new(&zk, "/n");
    let mut events = cache.events();
    cache.start().await.unwrap();
    assert_eq!(cache.get(), None);
    // A missing node reports nothing at start.
    assert_eq!(events.try_recv(), None);

    zk.create("/n", b"1".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let e = next(&mut events).await;
    assert!(
        matches!(&e, NodeCacheEvent::Created(n) if &n.data[..] == b"1"),
        "{e:?}"
    );
    assert_eq!(cache.get().unwrap().data, Bytes::from_static(b"1"));
    zk.set("/n", b"2".to_vec(), None).await.unwrap();
    let e = next(&mut events).await;
    assert!(
        matches!(&e, NodeCacheEvent::Updated(n) if &n.data[..] == b"2" && n.stat.version == 1),
        "{e:?}"
    );
    zk.delete("/n", None).await.unwrap();
    let e = next(&mut events).await;
    assert!(
        matches!(&e, NodeCacheEvent::Deleted(n) if &n.data[..] == b"2"),
        "{e:?}"
    );
    assert_eq!(cache.get(), None);
    zk.create("/n", b"3".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let e = next(&mut events).await;
    assert!(
        matches!(&e, NodeCacheEvent::Created(n) if &n.data[..] == b"3"),
        "{e:?}"
    );
    cache.close().await;
    assert_eq!(tokio::time::timeout(T, events.recv()).await.unwrap(), None);
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_cache_reports_an_existing_node_at_start_and_survives_expiry() {
    let root = fresh_root("nc-expiry").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let other = client_at(&root).await;
    other
        .create("/n", b"a".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let cache = NodeCache::new(&zk, "/n");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    cache.listen(move |e| tx.send(e).unwrap());
    cache.start().await.unwrap();
    let e = tokio::time::timeout(T, rx.recv()).await.unwrap().unwrap();
    assert!(
        matches!(&e, NodeCacheEvent::Created(n) if &n.data[..] == b"a"),
        "{e:?}"
    );
    common::expire_session(&zk, &proxy).await;
    other.set("/n", b"b".to_vec(), None).await.unwrap();
    let e = tokio::time::timeout(T, rx.recv()).await.unwrap().unwrap();
    assert!(
        matches!(&e, NodeCacheEvent::Updated(n) if &n.data[..] == b"b"),
        "{e:?}"
    );
    drop(cache);
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[test]
fn blocking_node_cache() {
    use kazoo_recipes::cache::blocking::NodeCache as BNodeCache;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("nc-blocking"));
    let zk = kazoo_client::blocking::Client::connect(&format!(
        "{}{}",
        common::server().connect_string(),
        root
    ))
    .unwrap();
    zk.create("/n", b"x".to_vec(), &CreateOptions::new())
        .unwrap();
    let cache = BNodeCache::start(&zk, "/n").unwrap();
    assert_eq!(cache.get().unwrap().data, Bytes::from_static(b"x"));
    let mut events = cache.events();
    zk.set("/n", b"y".to_vec(), None).unwrap();
    let e = events.recv_timeout(T).unwrap().unwrap();
    assert!(
        matches!(&e, NodeCacheEvent::Updated(n) if &n.data[..] == b"y"),
        "{e:?}"
    );
    cache.close();
    assert_no_watches_under(&root);
    zk.close();
}
