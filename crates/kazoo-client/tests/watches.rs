//! One-shot, persistent and recursive watches, and removing them, against a real server.

mod common;

use bytes::Bytes;
use common::chrooted_client;
use futures::StreamExt;
use kazoo_client::{AddWatchMode, CreateOptions, Error, EventType, WatcherType};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn one_shot_watches_fire_once_with_chroot_relative_paths() {
    let (zk, _root) = chrooted_client("watch1").await;
    let (stat, created) = zk.exists_w("/n").await.unwrap();
    assert!(stat.is_none());
    zk.create("/n", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    let e = tokio::time::timeout(T, created).await.unwrap();
    assert_eq!(e.event_type, EventType::NodeCreated);
    assert_eq!(e.path, "/n");

    let (_, _, changed) = zk.get_w("/n").await.unwrap();
    let (_, children) = zk.get_children_w("/n").await.unwrap();
    zk.set("/n", b"x".to_vec(), None).await.unwrap();
    assert_eq!(
        tokio::time::timeout(T, changed).await.unwrap().event_type,
        EventType::NodeDataChanged
    );
    zk.create("/n/c", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    let e = tokio::time::timeout(T, children).await.unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/n")
    );

    let (_, deleted) = zk.exists_w("/n/c").await.unwrap();
    zk.delete("/n/c", None).await.unwrap();
    assert_eq!(
        tokio::time::timeout(T, deleted).await.unwrap().event_type,
        EventType::NodeDeleted
    );

    // Failed reads leave no watch behind.
    assert!(matches!(zk.get_w("/none").await, Err(Error::NoNode { .. })));

    // Close: pending watches resolve with a terminal event instead of hanging.
    let (_, pending) = zk.exists_w("/never").await.unwrap();
    zk.close().await;
    let e = tokio::time::timeout(T, pending).await.unwrap();
    assert!(e.is_terminal());
}

#[tokio::test]
async fn persistent_and_recursive_watches_stream_events_and_are_removed_on_drop() {
    let (zk, root) = chrooted_client("pwatch").await;
    zk.ensure_path("/p").await.unwrap();
    let mut node = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();
    let mut tree = zk
        .add_watch("/p", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();

    zk.set("/p", b"1".to_vec(), None).await.unwrap();
    zk.create("/p/a", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    zk.create("/p/a/b", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    zk.set("/p", b"2".to_vec(), None).await.unwrap();

    // Persistent: data changes of /p and its children list, never nodes below.
    let e = next_event(&mut node).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/p")
    );
    let e = next_event(&mut node).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/p")
    );
    let e = next_event(&mut node).await;
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/p")
    );
    // Recursive: everything below, no children events.
    let got: Vec<(EventType, String)> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            let e = next_event(&mut tree).await;
            v.push((e.event_type, e.path));
        }
        v
    };
    assert_eq!(
        got,
        vec![
            (EventType::NodeDataChanged, "/p".to_owned()),
            (EventType::NodeCreated, "/p/a".to_owned()),
            (EventType::NodeCreated, "/p/a/b".to_owned()),
            (EventType::NodeDataChanged, "/p".to_owned()),
        ]
    );

    // The server holds our persistent watch; dropping both handles removes it.
    let admin = kazoo_client::Client::connect(&kazoo_testkit::ZkServer::shared().connect_string())
        .await
        .unwrap();
    let server = kazoo_testkit::ZkServer::shared();
    let full = format!("{root}/p");
    let has_watch = |w: String| w.lines().any(|l| l.trim() == full);
    assert!(has_watch(server.four_letter("wchp").unwrap()));
    drop(node);
    drop(tree);
    common::eventually(T, || async {
        !has_watch(server.four_letter("wchp").unwrap())
    })
    .await;
    admin.close().await;

    // remove_watches on the server: the stream is told and ends.
    let mut w = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();
    assert_eq!(
        zk.remove_watches("/p", WatcherType::Any, false)
            .await
            .unwrap(),
        1
    );
    let e = next_event(&mut w).await;
    assert_eq!(e.event_type, EventType::PersistentWatchRemoved);
    assert!(w.next().await.is_none());
    assert!(matches!(
        zk.remove_watches("/p", WatcherType::Any, false).await,
        Err(Error::NoWatcher { .. })
    ));
    // Local removal works for one-shot watches too.
    let (_, _, data) = zk.get_w("/p").await.unwrap();
    assert_eq!(
        zk.remove_watches("/p", WatcherType::Data, true)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tokio::time::timeout(T, data).await.unwrap().event_type,
        EventType::DataWatchRemoved
    );
    zk.close().await;
}

async fn next_event(w: &mut kazoo_client::PersistentWatch) -> kazoo_client::WatchedEvent {
    tokio::time::timeout(T, w.next()).await.unwrap().unwrap()
}
