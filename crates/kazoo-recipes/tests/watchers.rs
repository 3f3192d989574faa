//! DataWatch, ChildrenWatch and PatientChildrenWatch against a real server: kazoo's documented
//! behaviour, node deletion and re-creation, connection cuts and real session expiry, and no
//! watch left on the server once a helper stopped.

mod common;

use bytes::Bytes;
use common::{assert_no_watches_under, client_at, fresh_root, proxied_client_at, root_client};
use futures::StreamExt;
use kazoo_client::{Client, CreateOptions, EventType, KazooState};
use kazoo_recipes::watchers::{
    ChildrenUpdate, ChildrenWatch, DataUpdate, DataWatch, PatientChildrenWatch, StopReason,
};
use kazoo_testkit::ProxyMode;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(20);

async fn next<U>(rx: &mut mpsc::UnboundedReceiver<U>) -> U {
    tokio::time::timeout(T, rx.recv())
        .await
        .expect("an update in time")
        .expect("the watch is running")
}

fn data_of(u: &DataUpdate) -> Option<&[u8]> {
    u.data.as_deref()
}

fn opts() -> CreateOptions {
    CreateOptions::new()
}

/// Waits until the client is connected again, with the state machine, not a sleep.
async fn connected(zk: &Client) {
    tokio::time::timeout(T, zk.wait_connected())
        .await
        .expect("reconnected in time")
        .expect("connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_reports_absence_creation_changes_deletion_and_recreation() {
    let root = fresh_root("dw-life").await;
    let zk = client_at(&root).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let w = DataWatch::new(&zk, "/node", move |u: DataUpdate| {
        tx.send(u).unwrap();
    })
    .await
    .unwrap();
    // Called at once: the node does not exist.
    let first = rx.try_recv().expect("called before new() returned");
    assert_eq!(
        first,
        DataUpdate {
            data: None,
            stat: None,
            event: None
        }
    );

    zk.create("/node", b"one".to_vec(), &opts()).await.unwrap();
    let u = next(&mut rx).await;
    assert_eq!(data_of(&u), Some(&b"one"[..]));
    assert_eq!(u.event.as_ref().unwrap().event_type, EventType::NodeCreated);

    zk.set("/node", b"two".to_vec(), None).await.unwrap();
    let u = next(&mut rx).await;
    assert_eq!(data_of(&u), Some(&b"two"[..]));
    assert_eq!(u.stat.unwrap().version, 1);
    assert_eq!(u.event.unwrap().event_type, EventType::NodeDataChanged);

    zk.delete("/node", None).await.unwrap();
    let u = next(&mut rx).await;
    assert!(!u.exists());
    assert_eq!(u.event.unwrap().event_type, EventType::NodeDeleted);

    zk.create("/node", b"three".to_vec(), &opts())
        .await
        .unwrap();
    let u = next(&mut rx).await;
    assert_eq!(data_of(&u), Some(&b"three"[..]));
    assert_eq!(u.stat.unwrap().version, 0);

    assert!(!w.is_stopped());
    assert!(matches!(w.close().await, StopReason::Closed));
    assert!(w.is_stopped());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_stream_reports_each_distinct_state_once() {
    let root = fresh_root("dw-stream").await;
    let zk = client_at(&root).await;
    zk.create("/n", b"a".to_vec(), &opts()).await.unwrap();
    let mut s = DataWatch::stream(&zk, "/n").await.unwrap();
    let u = s.next().await.unwrap();
    assert_eq!(u.data.as_deref(), Some(&b"a"[..]));
    assert_eq!(u.event, None);
    // Two quick changes: the stream gives the state it reads; whatever it skips, it never
    // repeats a state and always ends on the latest one.
    zk.set("/n", b"b".to_vec(), None).await.unwrap();
    zk.set("/n", b"c".to_vec(), None).await.unwrap();
    let mut seen = Vec::new();
    while seen.last().copied() != Some(2) {
        let u = tokio::time::timeout(T, s.next()).await.unwrap().unwrap();
        seen.push(u.stat.unwrap().version);
    }
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(seen, dedup, "a state was reported twice");
    drop(s);
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_stops_when_the_callback_returns_false_and_leaves_no_watch() {
    let root = fresh_root("dw-false").await;
    let zk = client_at(&root).await;
    zk.create("/n", b"0".to_vec(), &opts()).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let w = DataWatch::new(&zk, "/n", move |u: DataUpdate| {
        let v = u.stat.map(|s| s.version).unwrap_or(-1);
        tx.send(v).unwrap();
        v < 1 // stop after version 1
    })
    .await
    .unwrap();
    assert_eq!(next(&mut rx).await, 0);
    zk.set("/n", b"1".to_vec(), None).await.unwrap();
    assert_eq!(next(&mut rx).await, 1);
    assert!(matches!(
        tokio::time::timeout(T, w.stopped()).await.unwrap(),
        StopReason::Callback
    ));
    zk.set("/n", b"2".to_vec(), None).await.unwrap();
    assert_no_watches_under(&root);
    assert!(rx.try_recv().is_err(), "called after returning false");
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_on_a_missing_node_leaves_no_exists_watch_after_close() {
    let root = fresh_root("dw-close").await;
    let zk = client_at(&root).await;
    let w = DataWatch::new(&zk, "/missing", |_u| ()).await.unwrap();
    common::wait_for_watch(&format!("{root}/missing")).await;
    w.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_reports_a_change_made_while_disconnected_once() {
    let root = fresh_root("dw-cut").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let other = client_at(&root).await;
    zk.create("/n", b"before".to_vec(), &opts()).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _w = DataWatch::new(&zk, "/n", move |u: DataUpdate| {
        tx.send(u.data).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(next(&mut rx).await.as_deref(), Some(&b"before"[..]));
    let session = zk.session_id();
    let mut states = zk.subscribe_state();

    proxy.set_mode(ProxyMode::Blackhole);
    proxy.cut();
    tokio::time::timeout(T, async {
        while states.recv().await.unwrap().kazoo != KazooState::Suspended {}
    })
    .await
    .unwrap();
    other.set("/n", b"meanwhile".to_vec(), None).await.unwrap();
    proxy.set_mode(ProxyMode::Pass);
    connected(&zk).await;
    assert_eq!(zk.session_id(), session, "the session survived");
    assert_eq!(next(&mut rx).await.as_deref(), Some(&b"meanwhile"[..]));
    // The next thing reported is the next change: the one made meanwhile came once.
    other.set("/n", b"after".to_vec(), None).await.unwrap();
    assert_eq!(next(&mut rx).await.as_deref(), Some(&b"after"[..]));
    zk.close().await;
    other.close().await;
}

/// Blackholes `zk` until the server expired its session, running `meanwhile` once the client
/// lost its connection (so the change happens while the client cannot see it).
async fn expire_with_change<F: std::future::Future<Output = ()>>(
    zk: &Client,
    proxy: &kazoo_testkit::FaultProxy,
    meanwhile: F,
) {
    let probe = "/expiry-probe";
    zk.create(probe, Vec::new(), &opts().ephemeral())
        .await
        .unwrap();
    let probe_abs = format!("{}{}", zk.chroot().unwrap(), probe);
    let mut states = zk.subscribe_state();
    proxy.set_mode(ProxyMode::Blackhole);
    tokio::time::timeout(T, async {
        while states.recv().await.unwrap().kazoo != KazooState::Suspended {}
    })
    .await
    .unwrap();
    meanwhile.await;
    let observer = root_client().await;
    let deadline = Instant::now() + T;
    while observer.exists(&probe_abs).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "the session did not expire");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    observer.close().await;
    proxy.set_mode(ProxyMode::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_is_set_again_on_the_next_session_after_real_expiry() {
    let root = fresh_root("dw-expiry").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let other = client_at(&root).await;
    zk.create("/n", b"v1".to_vec(), &opts()).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let w = DataWatch::new(&zk, "/n", move |u: DataUpdate| {
        tx.send(u).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(next(&mut rx).await.data.as_deref(), Some(&b"v1"[..]));
    let old = zk.session_id();
    expire_with_change(&zk, &proxy, async {
        other.set("/n", b"v2".to_vec(), None).await.unwrap();
    })
    .await;
    // Reported on the new session, without an event (kazoo passes none after a session loss).
    let u = next(&mut rx).await;
    assert_eq!(u.data.as_deref(), Some(&b"v2"[..]));
    assert_eq!(u.event, None);
    assert_ne!(zk.session_id(), old);
    // And the watch works on the new session.
    other.delete("/n", None).await.unwrap();
    assert!(!next(&mut rx).await.exists());
    w.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_watch_without_allow_session_lost_stops_on_real_expiry() {
    let root = fresh_root("dw-nolost").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let w = DataWatch::builder(&zk, "/n")
        .allow_session_lost(false)
        .spawn(|_u| ())
        .await
        .unwrap();
    common::expire_session(&zk, &proxy).await;
    let why = tokio::time::timeout(T, w.stopped()).await.unwrap();
    assert!(matches!(why, StopReason::SessionLost), "{why:?}");
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_reports_changes_and_stops_when_its_node_is_deleted() {
    let root = fresh_root("cw-life").await;
    let zk = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    zk.create("/p/a", Vec::new(), &opts()).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let w = ChildrenWatch::new(&zk, "/p", move |u: ChildrenUpdate| {
        let mut c = u.children;
        c.sort();
        tx.send((c, u.event)).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(rx.try_recv().unwrap(), (vec!["a".to_owned()], None));
    zk.create("/p/b", Vec::new(), &opts()).await.unwrap();
    // Without send_event, no event is passed.
    assert_eq!(next(&mut rx).await, (vec!["a".into(), "b".into()], None));
    zk.delete("/p/a", None).await.unwrap();
    assert_eq!(next(&mut rx).await.0, vec!["b".to_owned()]);
    // A data change of the node is not a children change.
    zk.set("/p", b"x".to_vec(), None).await.unwrap();
    zk.delete("/p/b", None).await.unwrap();
    assert_eq!(next(&mut rx).await.0, Vec::<String>::new());
    zk.delete("/p", None).await.unwrap();
    let why = tokio::time::timeout(T, w.stopped()).await.unwrap();
    assert!(matches!(why, StopReason::NodeDeleted), "{why:?}");
    assert!(rx.try_recv().is_err(), "called for the deletion");
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_needs_its_node() {
    let root = fresh_root("cw-missing").await;
    let zk = client_at(&root).await;
    let r = ChildrenWatch::new(&zk, "/nothing", |_u| ()).await;
    assert!(
        matches!(r, Err(kazoo_client::Error::NoNode { .. })),
        "{r:?}"
    );
    assert!(ChildrenWatch::stream(&zk, "/nothing").await.is_err());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_send_event_passes_the_event_and_stream_ends_with_the_node() {
    let root = fresh_root("cw-event").await;
    let zk = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    let mut s = ChildrenWatch::builder(&zk, "/p")
        .send_event(true)
        .stream()
        .await
        .unwrap();
    assert_eq!(
        s.next().await.unwrap(),
        ChildrenUpdate {
            children: vec![],
            event: None
        }
    );
    zk.create("/p/x", Vec::new(), &opts()).await.unwrap();
    let u = tokio::time::timeout(T, s.next()).await.unwrap().unwrap();
    assert_eq!(u.children, vec!["x".to_owned()]);
    let e = u.event.expect("send_event passes the event");
    assert_eq!(e.event_type, EventType::NodeChildrenChanged);
    assert_eq!(e.path, "/p");
    zk.delete("/p/x", None).await.unwrap();
    zk.delete("/p", None).await.unwrap();
    // The emptied list may or may not be read before the node goes; then the stream ends.
    while tokio::time::timeout(T, s.next()).await.unwrap().is_some() {}
    assert!(matches!(s.stop_reason(), Some(StopReason::NodeDeleted)));
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_survives_real_expiry_unless_told_not_to() {
    let root = fresh_root("cw-expiry").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let other = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let survivor = ChildrenWatch::new(&zk, "/p", move |u: ChildrenUpdate| {
        tx.send(u.children.len()).unwrap();
    })
    .await
    .unwrap();
    let quitter = ChildrenWatch::builder(&zk, "/p")
        .allow_session_lost(false)
        .spawn(|_u| ())
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, 0);
    expire_with_change(&zk, &proxy, async {
        other
            .create("/p/while-away", Vec::new(), &opts())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(
        next(&mut rx).await,
        1,
        "the change made meanwhile is reported"
    );
    let why = tokio::time::timeout(T, quitter.stopped()).await.unwrap();
    assert!(matches!(why, StopReason::SessionLost), "{why:?}");
    other.create("/p/later", Vec::new(), &opts()).await.unwrap();
    assert_eq!(next(&mut rx).await, 2);
    assert!(!survivor.is_stopped());
    survivor.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_watch_stops_when_the_callback_returns_false() {
    let root = fresh_root("cw-false").await;
    let zk = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    let w = ChildrenWatch::new(&zk, "/p", |u: ChildrenUpdate| u.children.is_empty())
        .await
        .unwrap();
    zk.create("/p/a", Vec::new(), &opts()).await.unwrap();
    let why = tokio::time::timeout(T, w.stopped()).await.unwrap();
    assert!(matches!(why, StopReason::Callback), "{why:?}");
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_callback_does_not_stall_the_session() {
    let root = fresh_root("dw-slow").await;
    let zk = Client::builder(&format!("{}{}", common::server().connect_string(), root))
        .session_timeout(Duration::from_millis(1500))
        .connect()
        .await
        .unwrap();
    let session = zk.session_id();
    let w = DataWatch::new(&zk, "/n", |_u| {
        // Longer than the session timeout: were it run on the I/O task, pings would stop and
        // the server would expire the session.
        std::thread::sleep(Duration::from_secs(3));
    })
    .await
    .unwrap();
    assert!(zk.connected());
    assert_eq!(zk.session_id(), session);
    assert!(zk.exists("/").await.is_ok());
    w.close().await;
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_children_watch_waits_until_the_children_stay_the_same() {
    let root = fresh_root("patient").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    let patient = PatientChildrenWatch::new(&zk, "/p", Duration::from_millis(700));
    let started = Instant::now();
    let wait = tokio::spawn(async move { patient.start().await });
    // Keep changing for a while: each change restarts the wait.
    for i in 0..4 {
        other
            .create(&format!("/p/c{i}"), Vec::new(), &opts())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (mut children, changed) = tokio::time::timeout(T, wait)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    children.sort();
    assert_eq!(children, ["c0", "c1", "c2", "c3"]);
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "did not wait for quiet"
    );
    other.create("/p/c4", Vec::new(), &opts()).await.unwrap();
    let e = tokio::time::timeout(T, changed).await.unwrap();
    assert_eq!(e.event_type, EventType::NodeChildrenChanged);
    assert_no_watches_under(&root);
    let missing = PatientChildrenWatch::new(&zk, "/none", Duration::from_millis(10));
    assert!(matches!(
        missing.start().await,
        Err(kazoo_client::Error::NoNode { .. })
    ));
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_children_watch_returned_watch_is_removed_when_dropped() {
    let root = fresh_root("patient-drop").await;
    let zk = client_at(&root).await;
    zk.create("/p", Vec::new(), &opts()).await.unwrap();
    let (children, changed) = PatientChildrenWatch::new(&zk, "/p", Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    assert!(children.is_empty());
    drop(changed);
    assert_no_watches_under(&root);
    zk.close().await;
}

mod blocking_forms {
    use super::*;
    use kazoo_client::blocking;
    use kazoo_recipes::watchers::blocking::{
        ChildrenWatch as BChildrenWatch, DataWatch as BDataWatch, PatientChildrenWatch as BPatient,
    };

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Runtime::new().unwrap()
    }

    fn blocking_client(root: &str) -> blocking::Client {
        blocking::Client::builder(&format!("{}{}", common::server().connect_string(), root))
            .session_timeout(Duration::from_secs(10))
            .connect()
            .unwrap()
    }

    #[test]
    fn blocking_data_watch_callback_may_call_the_blocking_client() {
        let root = rt().block_on(fresh_root("bdw"));
        let zk = blocking_client(&root);
        zk.create("/n", b"a".to_vec(), &opts()).unwrap();
        zk.create("/mirror", Vec::new(), &opts()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let zk2 = zk.clone();
        let w = BDataWatch::new(&zk, "/n", move |u: DataUpdate| {
            // A blocking call inside the callback: it runs outside any runtime.
            let data = u.data.unwrap_or_default();
            zk2.set("/mirror", data.clone(), None).unwrap();
            tx.send(data).unwrap();
        })
        .unwrap();
        assert_eq!(rx.recv_timeout(T).unwrap(), Bytes::from_static(b"a"));
        zk.set("/n", b"b".to_vec(), None).unwrap();
        assert_eq!(rx.recv_timeout(T).unwrap(), Bytes::from_static(b"b"));
        assert_eq!(zk.get("/mirror").unwrap().0, Bytes::from_static(b"b"));
        assert!(matches!(w.close(), StopReason::Closed));
        assert_no_watches_under(&root);
        zk.close();
    }

    #[test]
    fn blocking_iterators_and_patient_watch() {
        let root = rt().block_on(fresh_root("biter"));
        let zk = blocking_client(&root);
        zk.create("/p", Vec::new(), &opts()).unwrap();
        let mut data = BDataWatch::iter(&zk, "/p").unwrap();
        assert_eq!(data.next().unwrap().stat.unwrap().version, 0);
        assert!(matches!(
            data.next_timeout(Duration::from_millis(100)),
            Err(kazoo_client::Error::Timeout)
        ));
        let mut children = BChildrenWatch::iter(&zk, "/p").unwrap();
        assert!(children.next().unwrap().children.is_empty());
        zk.create("/p/a", Vec::new(), &opts()).unwrap();
        assert_eq!(children.next_timeout(T).unwrap().unwrap().children, ["a"]);
        zk.set("/p", b"x".to_vec(), None).unwrap();
        assert_eq!(
            data.next_timeout(T).unwrap().unwrap().stat.unwrap().version,
            1
        );
        let (kids, changed) = BPatient::new(&zk, "/p", Duration::from_millis(100))
            .start()
            .unwrap();
        assert_eq!(kids, ["a"]);
        let changed = changed.wait_timeout(Duration::from_millis(50)).unwrap_err();
        zk.delete("/p/a", None).unwrap();
        assert_eq!(changed.wait().event_type, EventType::NodeChildrenChanged);
        let w = BChildrenWatch::builder(&zk, "/p")
            .spawn(|u: ChildrenUpdate| u.children.is_empty())
            .unwrap();
        zk.create("/p/b", Vec::new(), &opts()).unwrap();
        assert!(matches!(w.stopped(), StopReason::Callback));
        drop(data);
        drop(children);
        assert_no_watches_under(&root);
        zk.close();
    }
}
