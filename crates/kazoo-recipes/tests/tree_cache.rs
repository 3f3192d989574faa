//! TreeCache against a real server, in both watch modes: loading, following changes, node and
//! root deletion and re-creation, depth and filter, catching up after a reconnect without
//! re-reading the tree, a full resync after a real session expiry, and no watch left after
//! close. The consistency storm is in `tree_cache_storm.rs`.

mod common;
mod tree_common;

use bytes::Bytes;
use common::{assert_no_watches_under, client_at, fresh_root, proxied_client_at};
use futures::StreamExt;
use kazoo_client::{Client, CreateOptions, KazooState};
use kazoo_recipes::cache::{NodeData, TreeCache, TreeEvent, TreeEventStream, WatchMode};
use kazoo_testkit::{FaultProxy, ProxyMode};
use std::time::Duration;
use tree_common::{cache_tree, replay, server_tree, T};

fn opts() -> CreateOptions {
    CreateOptions::new()
}

/// The next node event (connection events are skipped).
async fn node_event(events: &mut TreeEventStream) -> TreeEvent {
    loop {
        let e = tokio::time::timeout(T, events.recv())
            .await
            .expect("an event in time")
            .expect("the cache is open");
        if e.node().is_some() {
            return e;
        }
    }
}

fn added(path: &str, data: &[u8]) -> impl Fn(&TreeEvent) -> bool {
    let (path, data) = (path.to_owned(), data.to_vec());
    move |e| matches!(e, TreeEvent::NodeAdded(n) if n.path == path && n.data == data)
}

async fn expect(events: &mut TreeEventStream, what: &str, pred: impl Fn(&TreeEvent) -> bool) {
    let e = node_event(events).await;
    assert!(pred(&e), "expected {what}, got {e:?}");
}

/// Events up to and including `Initialized`.
async fn until_initialized(events: &mut TreeEventStream) -> Vec<TreeEvent> {
    let mut seen = Vec::new();
    loop {
        let e = tokio::time::timeout(T, events.recv())
            .await
            .unwrap()
            .unwrap();
        let done = e == TreeEvent::Initialized;
        seen.push(e);
        if done {
            return seen;
        }
    }
}

async fn assert_matches_server(cache: &TreeCache, zk: &Client, root: &str) {
    cache.sync().await.unwrap();
    let want = server_tree(zk, root).await;
    let got = cache_tree(cache);
    tree_common::assert_same(&got, &want);
}

async fn follows_changes(mode: WatchMode, expected: WatchMode) {
    let root = fresh_root("tc-follow").await;
    let zk = client_at(&root).await;
    zk.create("/t", b"root".to_vec(), &opts()).await.unwrap();
    zk.create("/t/a", b"A".to_vec(), &opts()).await.unwrap();
    zk.create("/t/a/x", b"X".to_vec(), &opts()).await.unwrap();
    zk.create("/t/b", Vec::new(), &opts()).await.unwrap();

    let cache = TreeCache::builder(&zk, "/t").watch_mode(mode).build();
    let mut events = cache.events();
    let mut all = cache.events();
    cache.start().await.unwrap();
    assert_eq!(cache.watch_mode(), Some(expected));
    let loaded = until_initialized(&mut events).await;
    let mut paths: Vec<&str> = loaded
        .iter()
        .filter_map(|e| match e {
            TreeEvent::NodeAdded(n) => Some(n.path.as_str()),
            _ => None,
        })
        .collect();
    paths.sort();
    assert_eq!(paths, ["/t", "/t/a", "/t/a/x", "/t/b"]);
    assert!(cache.is_initialized());
    assert_eq!(cache.len(), 4);
    assert_eq!(
        cache.get_data("/t/a").unwrap().data,
        Bytes::from_static(b"A")
    );
    assert_eq!(cache.get_data("/t/a").unwrap().stat.version, 0);
    assert_eq!(cache.get_children("/t").unwrap(), ["a", "b"]);
    assert_eq!(cache.get_children("/t/a/x").unwrap(), Vec::<String>::new());
    assert_eq!(cache.get_data("/t/nope"), None);
    assert_eq!(cache.get_data("/elsewhere"), None);
    assert_eq!(cache.get_children("/t/nope"), None);

    zk.set("/t/a", b"A2".to_vec(), None).await.unwrap();
    expect(&mut events, "/t/a updated", |e| {
        matches!(e, TreeEvent::NodeUpdated(n) if n.path == "/t/a" && &n.data[..] == b"A2" && n.stat.version == 1)
    })
    .await;
    zk.create("/t/b/new", b"N".to_vec(), &opts()).await.unwrap();
    expect(&mut events, "/t/b/new added", added("/t/b/new", b"N")).await;
    zk.delete("/t/a/x", None).await.unwrap();
    expect(
        &mut events,
        "/t/a/x removed",
        |e| matches!(e, TreeEvent::NodeRemoved(n) if n.path == "/t/a/x" && &n.data[..] == b"X"),
    )
    .await;
    assert_eq!(cache.get_children("/t/a").unwrap(), Vec::<String>::new());
    zk.delete_recursive("/t/b").await.unwrap();
    expect(
        &mut events,
        "/t/b/new removed",
        |e| matches!(e, TreeEvent::NodeRemoved(n) if n.path == "/t/b/new"),
    )
    .await;
    expect(
        &mut events,
        "/t/b removed",
        |e| matches!(e, TreeEvent::NodeRemoved(n) if n.path == "/t/b"),
    )
    .await;
    zk.create("/t/c/d/e", b"E".to_vec(), &opts().makepath())
        .await
        .unwrap();
    expect(&mut events, "/t/c added", added("/t/c", b"")).await;
    expect(&mut events, "/t/c/d added", added("/t/c/d", b"")).await;
    expect(&mut events, "/t/c/d/e added", added("/t/c/d/e", b"E")).await;
    // Deleted and created again with the same name, quickly.
    zk.delete("/t/c/d/e", None).await.unwrap();
    zk.create("/t/c/d/e", b"E2".to_vec(), &opts())
        .await
        .unwrap();
    assert_matches_server(&cache, &zk, "/t").await;
    assert_eq!(
        cache.get_data("/t/c/d/e").unwrap().data,
        Bytes::from_static(b"E2")
    );

    cache.close().await;
    assert_eq!(cache.get_data("/t"), None);
    // The event streams end; replayed, the whole stream gave the tree as it was.
    let mut history = Vec::new();
    while let Some(e) = all.next().await {
        history.push(e);
    }
    let replayed = replay(&history);
    let want: std::collections::BTreeMap<String, Bytes> = server_tree(&zk, "/t")
        .await
        .into_iter()
        .map(|(p, (d, _))| (p, d))
        .collect();
    assert_eq!(replayed, want);
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_loads_and_follows_changes_with_a_persistent_recursive_watch() {
    follows_changes(WatchMode::Auto, WatchMode::PersistentRecursive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_loads_and_follows_changes_with_one_shot_watches() {
    follows_changes(WatchMode::OneShot, WatchMode::OneShot).await;
}

async fn root_deleted_and_recreated(mode: WatchMode) {
    let root = fresh_root("tc-root").await;
    let zk = client_at(&root).await;
    let cache = TreeCache::builder(&zk, "/t")
        .watch_mode(mode)
        .create_root(false)
        .build();
    let mut events = cache.events();
    cache.start().await.unwrap();
    // A missing root: an empty, initialized cache.
    assert_eq!(
        until_initialized(&mut events).await,
        [TreeEvent::Initialized]
    );
    assert!(cache.is_empty());
    zk.create("/t", b"1".to_vec(), &opts()).await.unwrap();
    expect(&mut events, "/t added", added("/t", b"1")).await;
    zk.create("/t/k", Vec::new(), &opts()).await.unwrap();
    expect(&mut events, "/t/k added", added("/t/k", b"")).await;
    zk.delete_recursive("/t").await.unwrap();
    expect(
        &mut events,
        "/t/k removed",
        |e| matches!(e, TreeEvent::NodeRemoved(n) if n.path == "/t/k"),
    )
    .await;
    expect(
        &mut events,
        "/t removed",
        |e| matches!(e, TreeEvent::NodeRemoved(n) if n.path == "/t"),
    )
    .await;
    assert!(cache.is_empty());
    zk.create("/t/again", b"x".to_vec(), &opts().makepath())
        .await
        .unwrap();
    assert_matches_server(&cache, &zk, "/t").await;
    assert_eq!(cache.len(), 2);
    cache.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_root_deleted_and_recreated_persistent() {
    root_deleted_and_recreated(WatchMode::PersistentRecursive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_root_deleted_and_recreated_one_shot() {
    root_deleted_and_recreated(WatchMode::OneShot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_max_depth_and_filter() {
    let root = fresh_root("tc-scope").await;
    let zk = client_at(&root).await;
    zk.create("/t/a/b/c", Vec::new(), &opts().makepath())
        .await
        .unwrap();
    zk.create("/t/skip.tmp/y", Vec::new(), &opts().makepath())
        .await
        .unwrap();
    for mode in [WatchMode::PersistentRecursive, WatchMode::OneShot] {
        let cache = TreeCache::builder(&zk, "/t")
            .watch_mode(mode)
            .max_depth(2)
            .filter(|p| !p.ends_with(".tmp"))
            .build();
        cache.start().await.unwrap();
        cache.initialized().await;
        let mut paths: Vec<String> = cache.snapshot().into_iter().map(|n| n.path).collect();
        paths.sort();
        assert_eq!(paths, ["/t", "/t/a", "/t/a/b"], "{mode:?}");
        // Below the depth limit, nothing is listed or cached.
        assert_eq!(cache.get_children("/t/a/b").unwrap(), Vec::<String>::new());
        zk.create("/t/a/b/d", Vec::new(), &opts()).await.unwrap();
        zk.create("/t/new.tmp", Vec::new(), &opts()).await.unwrap();
        zk.create("/t/new", Vec::new(), &opts()).await.unwrap();
        zk.set("/t/a/b", b"v".to_vec(), None).await.unwrap();
        cache.sync().await.unwrap();
        assert_eq!(
            cache.get_data("/t/a/b").unwrap().data,
            Bytes::from_static(b"v")
        );
        assert!(cache.get_data("/t/new").is_some());
        assert!(cache.get_data("/t/new.tmp").is_none());
        assert!(cache.get_data("/t/a/b/d").is_none());
        assert_eq!(cache.len(), 4);
        cache.close().await;
        assert_no_watches_under(&root);
        zk.delete("/t/a/b/d", None).await.unwrap();
        zk.delete("/t/new.tmp", None).await.unwrap();
        zk.delete("/t/new", None).await.unwrap();
        zk.set("/t/a/b", Vec::new(), None).await.unwrap();
    }
    zk.close().await;
}

/// A client through a fault proxy, with a session long enough to outlive a short cut.
async fn proxied(root: &str) -> (Client, FaultProxy) {
    let proxy = FaultProxy::start(common::server().addr()).unwrap();
    let zk = Client::builder(&format!("{}{}", proxy.connect_string(), root))
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    (zk, proxy)
}

async fn wait_kazoo(states: &mut kazoo_client::StateListener, s: KazooState) {
    tokio::time::timeout(T, async {
        while states.recv().await.unwrap().kazoo != s {}
    })
    .await
    .expect("state reached in time");
}

/// Builds `/t` with `n` leaves under 4 parents.
async fn build_tree(zk: &Client, n: usize) {
    zk.create("/t", Vec::new(), &opts()).await.unwrap();
    let mut pending = Vec::new();
    for p in 0..4 {
        pending.push(zk.create(&format!("/t/p{p}"), Vec::new(), &opts()));
    }
    for i in 0..n {
        pending.push(zk.create(
            &format!("/t/p{}/n{i}", i % 4),
            format!("v{i}").into_bytes(),
            &opts(),
        ));
    }
    for r in futures::future::join_all(pending).await {
        r.unwrap();
    }
}

async fn catches_up_after_reconnect(mode: WatchMode) {
    let root = fresh_root("tc-reconnect").await;
    let other = client_at(&root).await;
    build_tree(&other, 200).await;
    let (zk, proxy) = proxied(&root).await;
    let cache = TreeCache::builder(&zk, "/t").watch_mode(mode).build();
    let mut events = cache.events();
    cache.start().await.unwrap();
    cache.initialized().await;
    let session = zk.session_id();
    let before = cache.stats();

    let mut states = zk.subscribe_state();
    proxy.set_mode(ProxyMode::Blackhole);
    proxy.cut();
    wait_kazoo(&mut states, KazooState::Suspended).await;
    // Changes the cache cannot see now: a data change, a deletion, a new subtree, a node
    // deleted and created again.
    other
        .set("/t/p0/n0", b"changed".to_vec(), None)
        .await
        .unwrap();
    other.delete("/t/p1/n1", None).await.unwrap();
    other
        .create("/t/p2/fresh/deep", b"d".to_vec(), &opts().makepath())
        .await
        .unwrap();
    other.delete("/t/p3/n3", None).await.unwrap();
    other
        .create("/t/p3/n3", b"again".to_vec(), &opts())
        .await
        .unwrap();
    proxy.set_mode(ProxyMode::Pass);
    wait_kazoo(&mut states, KazooState::Connected).await;
    assert_eq!(zk.session_id(), session, "the session survived");

    assert_matches_server(&cache, &other, "/t").await;
    let after = cache.stats();
    assert_eq!(after.full_resyncs, before.full_resyncs);
    let reads = after.data_reads - before.data_reads;
    assert!(reads <= 12, "{reads} data reads: the tree was read again");
    match mode {
        WatchMode::OneShot => assert_eq!(after.stat_checks, before.stat_checks),
        _ => {
            assert_eq!(after.passes, before.passes + 1);
            assert!(after.stat_checks - before.stat_checks >= 205);
        }
    }
    let mut seen = Vec::new();
    while let Some(e) = events.try_recv() {
        seen.push(e);
    }
    let suspended = seen
        .iter()
        .position(|e| *e == TreeEvent::ConnectionSuspended);
    let reconnected = seen
        .iter()
        .position(|e| *e == TreeEvent::ConnectionReconnected);
    assert!(suspended < reconnected && suspended.is_some(), "{seen:?}");
    assert!(!seen.contains(&TreeEvent::ConnectionLost));
    let changed = seen.iter().any(|e| {
        matches!(e, TreeEvent::NodeUpdated(NodeData { path, data, .. }) if path == "/t/p0/n0" && &data[..] == b"changed")
    });
    assert!(changed, "{seen:?}");
    cache.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_catches_up_after_a_reconnect_without_rereading_persistent() {
    catches_up_after_reconnect(WatchMode::PersistentRecursive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_catches_up_after_a_reconnect_without_rereading_one_shot() {
    catches_up_after_reconnect(WatchMode::OneShot).await;
}

async fn full_resync_after_expiry(mode: WatchMode) {
    let root = fresh_root("tc-expiry").await;
    let other = client_at(&root).await;
    build_tree(&other, 40).await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let cache = TreeCache::builder(&zk, "/t").watch_mode(mode).build();
    let mut events = cache.events();
    cache.start().await.unwrap();
    until_initialized(&mut events).await;
    let old = zk.session_id();
    zk.create("/probe", Vec::new(), &opts().ephemeral())
        .await
        .unwrap();
    let mut states = zk.subscribe_state();
    proxy.set_mode(ProxyMode::Blackhole);
    wait_kazoo(&mut states, KazooState::Suspended).await;
    other
        .set("/t/p0/n0", b"while-lost".to_vec(), None)
        .await
        .unwrap();
    other.delete("/t/p1/n1", None).await.unwrap();
    other
        .create("/t/p1/born", Vec::new(), &opts())
        .await
        .unwrap();
    // The server expires the session (its ephemeral goes); the client learns it on return.
    let deadline = std::time::Instant::now() + T;
    while other.exists("/probe").await.unwrap().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the session did not expire"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    proxy.set_mode(ProxyMode::Pass);
    wait_kazoo(&mut states, KazooState::Lost).await;
    wait_kazoo(&mut states, KazooState::Connected).await;
    assert_ne!(zk.session_id(), old);
    // Lost, reconnected, and loaded again.
    let seen = until_initialized(&mut events).await;
    assert!(seen.contains(&TreeEvent::ConnectionLost), "{seen:?}");
    assert!(seen.contains(&TreeEvent::ConnectionReconnected), "{seen:?}");
    let node_events: Vec<&TreeEvent> = seen.iter().filter(|e| e.node().is_some()).collect();
    // Only the differences are reported.
    assert_eq!(node_events.len(), 3, "{node_events:?}");
    assert_matches_server(&cache, &other, "/t").await;
    assert_eq!(cache.stats().full_resyncs, 1);
    // And it follows changes on the new session.
    other
        .set("/t/p2/n2", b"later".to_vec(), None)
        .await
        .unwrap();
    expect(
        &mut events,
        "/t/p2/n2 updated",
        |e| matches!(e, TreeEvent::NodeUpdated(n) if n.path == "/t/p2/n2"),
    )
    .await;
    cache.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_full_resync_after_real_session_expiry_persistent() {
    full_resync_after_expiry(WatchMode::PersistentRecursive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_full_resync_after_real_session_expiry_one_shot() {
    full_resync_after_expiry(WatchMode::OneShot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_reports_a_node_it_may_not_read_as_a_fault() {
    use kazoo_client::{Acl, Id, Perms};
    let root = fresh_root("tc-fault").await;
    let zk = client_at(&root).await;
    zk.create("/t/open", b"o".to_vec(), &opts().makepath())
        .await
        .unwrap();
    // Anyone may delete it, nobody may read it.
    let sealed = vec![Acl::new(Perms::DELETE, Id::anyone())];
    zk.create("/t/sealed", b"s".to_vec(), &opts().acl(sealed))
        .await
        .unwrap();
    let cache = TreeCache::new(&zk, "/t");
    let (tx, mut faults) = tokio::sync::mpsc::unbounded_channel();
    cache.listen_fault(move |e| tx.send(e).unwrap());
    cache.start().await.unwrap();
    cache.initialized().await;
    let e = tokio::time::timeout(T, faults.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(e, kazoo_client::Error::NoAuth { .. }), "{e:?}");
    assert!(cache.get_data("/t/sealed").is_none());
    assert_eq!(
        cache.get_data("/t/open").unwrap().data,
        Bytes::from_static(b"o")
    );
    cache.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_refuses_a_second_start_and_dropping_it_removes_the_watch() {
    let root = fresh_root("tc-drop").await;
    let zk = client_at(&root).await;
    let cache = TreeCache::new(&zk, "/t");
    cache.start().await.unwrap();
    assert!(cache.start().await.is_err());
    cache.initialized().await;
    assert_eq!(
        cache.get_data("/t").unwrap().data,
        Bytes::new(),
        "the root was created"
    );
    common::wait_for_watch(&format!("{root}/t")).await;
    drop(cache);
    assert_no_watches_under(&root);
    let closed = TreeCache::new(&zk, "/t");
    closed.close().await;
    assert!(closed.start().await.is_err());
    assert!(closed.sync().await.is_err());
    zk.close().await;
}

#[test]
fn blocking_tree_cache_listener_may_call_the_blocking_client() {
    use kazoo_recipes::cache::blocking::TreeCache as BTreeCache;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("tc-blocking"));
    let zk = kazoo_client::blocking::Client::connect(&format!(
        "{}{}",
        common::server().connect_string(),
        root
    ))
    .unwrap();
    zk.create("/t/a", b"1".to_vec(), &opts().makepath())
        .unwrap();
    zk.create("/seen", Vec::new(), &opts()).unwrap();
    let cache = BTreeCache::builder(&zk, "/t").build();
    let zk2 = zk.clone();
    cache.listen(move |e| {
        if let TreeEvent::NodeUpdated(n) = e {
            zk2.set("/seen", n.data, None).unwrap();
        }
    });
    let mut events = cache.events();
    cache.start().unwrap();
    cache.wait_initialized(T).unwrap();
    assert_eq!(cache.get_children("/t").unwrap(), ["a"]);
    zk.set("/t/a", b"2".to_vec(), None).unwrap();
    loop {
        match events.recv_timeout(T).unwrap().unwrap() {
            TreeEvent::NodeUpdated(n) => {
                assert_eq!(n.path, "/t/a");
                break;
            }
            _ => continue,
        }
    }
    cache.sync().unwrap();
    let deadline = std::time::Instant::now() + T;
    while zk.get("/seen").unwrap().0 != Bytes::from_static(b"2") {
        assert!(
            std::time::Instant::now() < deadline,
            "the listener did not run"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    cache.close();
    assert_eq!(events.next(), None);
    assert_no_watches_under(&root);
    zk.close();
}
