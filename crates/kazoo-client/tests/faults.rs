//! Faults the way users meet them, against real servers: session expiry forced by the server,
//! a standalone restart, ensemble failover, read-only mode. Each test owns its servers.

mod common;

use bytes::Bytes;
use common::{eventually, wait_kazoo, wait_state};
use futures::StreamExt;
use kazoo_client::{
    AddWatchMode, Client, CreateOptions, Error, EventType, KazooState, KeeperState, SessionState,
};
use kazoo_testkit::{Ensemble, FaultProxy, ProxyMode, ZkServer};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_session_expiry_through_a_blackholing_proxy() {
    common::init_tracing();
    let server = blocking(ZkServer::start).await.unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let zk = Client::builder(&proxy.connect_string())
        .session_timeout(Duration::from_millis(1500))
        .connect()
        .await
        .unwrap();
    let observer = Client::connect(&server.connect_string()).await.unwrap();
    let old_session = zk.session_id().unwrap();
    zk.create("/eph", Bytes::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    zk.create("/w", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    let (_, _, one_shot) = zk.get_w("/w").await.unwrap();
    let mut persistent = zk.add_watch("/w", AddWatchMode::Persistent).await.unwrap();
    let mut states = zk.subscribe_state();

    proxy.set_mode(ProxyMode::Blackhole);
    wait_kazoo(&mut states, KazooState::Suspended, T).await;
    // Queued while suspended: must fail with SessionExpired, not hang.
    let pending = zk.get("/w");
    // The server, not the client, expires the session: its ephemeral node goes.
    eventually(T, || async {
        observer.exists("/eph").await.unwrap().is_none()
    })
    .await;
    proxy.set_mode(ProxyMode::Pass);

    let c = wait_state(&mut states, T, |c| {
        c.session == SessionState::ExpiredSession
    })
    .await;
    assert_eq!(c.kazoo, KazooState::Lost);
    assert!(matches!(
        tokio::time::timeout(T, pending).await.unwrap(),
        Err(Error::SessionExpired)
    ));
    let e = tokio::time::timeout(T, one_shot).await.unwrap();
    assert_eq!(
        (e.event_type, e.keeper_state),
        (EventType::None, KeeperState::Expired)
    );
    let e = tokio::time::timeout(T, persistent.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.keeper_state, KeeperState::Expired);
    assert!(persistent.next().await.is_none());
    // kazoo's behaviour: a new session follows (LOST -> CONNECTED).
    wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert_ne!(zk.session_id(), Some(old_session));
    assert!(zk.exists("/eph").await.unwrap().is_none());
    zk.close().await;
    observer.close().await;
}

/// A standalone server and a client of it with a 10 s session.
async fn standalone_with_client() -> (ZkServer, Client) {
    let server = blocking(ZkServer::start).await.unwrap();
    let zk = Client::builder(&server.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    (server, zk)
}

/// Restarts the server, waits until `zk` is connected again, checks that its session
/// survived, and returns the server with a second client of it.
async fn restart_keeping_the_session(server: ZkServer, zk: &Client) -> (ZkServer, Client) {
    let session = zk.session_id();
    let mut states = zk.subscribe_state();
    let server = blocking(move || {
        let mut server = server;
        server.restart().unwrap();
        server
    })
    .await;
    wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert_eq!(zk.session_id(), session, "same session after the restart");
    let other = Client::connect(&server.connect_string()).await.unwrap();
    (server, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_standalone_restart_keeps_persistent_recursive_watches() {
    common::init_tracing();
    let (server, zk) = standalone_with_client().await;
    zk.ensure_path("/r").await.unwrap();
    let mut tree = zk
        .add_watch("/r", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let (_, _, one_shot) = zk.get_w("/r").await.unwrap();
    let (_server, other) = restart_keeping_the_session(server, &zk).await;
    other
        .create("/r/a", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    other.set("/r", b"x".to_vec(), None).await.unwrap();
    let e = tokio::time::timeout(T, tree.next()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/r/a")
    );
    let e = tokio::time::timeout(T, tree.next()).await.unwrap().unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/r")
    );
    let e = tokio::time::timeout(T, one_shot).await.unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
    other.close().await;
    zk.close().await;
}

/// Without persistent watches the replay is a SetWatches (op 101, which servers before 3.6
/// also know), not a SetWatches2: every kind of one-shot watch must still come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_standalone_restart_keeps_one_shot_watches_of_every_kind() {
    common::init_tracing();
    let (server, zk) = standalone_with_client().await;
    zk.ensure_path("/o").await.unwrap();
    let (_, _, data) = zk.get_w("/o").await.unwrap();
    let (_, children) = zk.get_children_w("/o").await.unwrap();
    let (stat, exist) = zk.exists_w("/o/missing").await.unwrap();
    assert!(stat.is_none());
    let (_server, other) = restart_keeping_the_session(server, &zk).await;
    other
        .create("/o/missing", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    other.set("/o", b"x".to_vec(), None).await.unwrap();
    let e = tokio::time::timeout(T, exist).await.unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/o/missing")
    );
    let e = tokio::time::timeout(T, children).await.unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeChildrenChanged, "/o")
    );
    let e = tokio::time::timeout(T, data).await.unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeDataChanged, "/o")
    );
    other.close().await;
    zk.close().await;
}

fn member_of(ens: &Ensemble, addr: std::net::SocketAddr) -> usize {
    (0..ens.size())
        .find(|&i| ens.member_addr(i) == addr)
        .expect("connected to a member")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensemble_failover_keeps_session_ephemerals_and_watches() {
    common::init_tracing();
    let ens = blocking(|| Ensemble::start(3)).await.unwrap();
    let zk = Client::builder(&ens.connect_string())
        .session_timeout(Duration::from_secs(8))
        .connect()
        .await
        .unwrap();
    let session = zk.session_id();
    zk.create("/eph", Bytes::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    zk.create("/w", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    let (_, _, one_shot) = zk.get_w("/w").await.unwrap();
    let mut persistent = zk.add_watch("/w", AddWatchMode::Persistent).await.unwrap();
    let mut states = zk.subscribe_state();

    let victim = member_of(&ens, zk.current_server().unwrap());
    let mut ens = blocking(move || {
        let mut ens = ens;
        ens.kill(victim).unwrap();
        ens
    })
    .await;
    wait_kazoo(&mut states, KazooState::Suspended, T).await;
    wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert_eq!(zk.session_id(), session);
    assert_ne!(member_of(&ens, zk.current_server().unwrap()), victim);
    assert!(
        zk.exists("/eph").await.unwrap().is_some(),
        "ephemeral survived"
    );

    zk.set("/w", b"after".to_vec(), None).await.unwrap();
    let e = tokio::time::timeout(T, one_shot).await.unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
    let e = tokio::time::timeout(T, persistent.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.event_type, EventType::NodeDataChanged);
    zk.close().await;
    blocking(move || ens.restart(victim)).await.ok();
}

/// The acceptance scenario for read-only mode, with the three kinds of sessions a client may
/// have when a quorum is lost (see `kazoo_client::session::read_only`): a local session (the
/// read-only server reports it expired; a fresh read-only session follows), a global one (it
/// waits, Suspended, and is resumed with its ephemeral node once a quorum is back), and a
/// global one whose client opted into a fresh session after a session timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_when_quorum_is_lost_then_back_to_read_write() {
    common::init_tracing();
    let ens = blocking(|| {
        Ensemble::builder(3)
            .jvm_arg("-Dreadonlymode.enabled=true")
            // A 3.7+ read-only server only serves local sessions (ZOOKEEPER-3863).
            .config("localSessionsEnabled", "true")
            // Creating an ephemeral node makes a session global.
            .config("localSessionsUpgradingEnabled", "true")
            .start()
    })
    .await
    .unwrap();
    let builder = |timeout_ms: u64| {
        Client::builder(&ens.connect_string())
            .session_timeout(Duration::from_millis(timeout_ms))
            .read_only(true)
    };
    let zk = builder(4000).connect().await.unwrap();
    zk.create("/ro", b"v", &CreateOptions::new()).await.unwrap();
    // Ephemeral nodes make these sessions global.
    let global = builder(8000).connect().await.unwrap();
    global
        .create("/eph", b"", &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    let global_session = global.session_id();
    let fresh = builder(4000)
        .read_only_fresh_session(true)
        .connect()
        .await
        .unwrap();
    fresh
        .create("/eph-fresh", b"", &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    let mut states = zk.subscribe_state();
    let mut global_states = global.subscribe_state();
    let mut fresh_states = fresh.subscribe_state();

    let keep = member_of(&ens, zk.current_server().unwrap());
    let others: Vec<usize> = (0..3).filter(|&i| i != keep).collect();
    let o = others.clone();
    let ens = blocking(move || {
        let mut ens = ens;
        for i in o {
            ens.stop(i).unwrap();
        }
        ens
    })
    .await;

    // The local session: expired by the read-only server, then a read-only one.
    let c = wait_state(&mut states, T, |c| {
        c.session == SessionState::ConnectedReadOnly || c.session == SessionState::Connected
    })
    .await;
    assert_eq!(c.session, SessionState::ConnectedReadOnly);
    assert_eq!(zk.state(), KazooState::Connected);
    assert_eq!(zk.current_server(), Some(ens.member_addr(keep)));
    assert_eq!(zk.get("/ro").await.unwrap().0.as_ref(), b"v");
    assert!(matches!(
        zk.set("/ro", b"x", None).await,
        Err(Error::NotReadOnly)
    ));
    assert!(matches!(
        zk.create("/new", b"", &CreateOptions::new()).await,
        Err(Error::NotReadOnly)
    ));
    // The opt-in: given up after its session timeout, then read-only.
    let c = wait_state(&mut fresh_states, T, |c| c.kazoo == KazooState::Lost).await;
    assert_eq!(c.session, SessionState::ExpiredSession);
    wait_state(&mut fresh_states, T, |c| {
        c.session == SessionState::ConnectedReadOnly
    })
    .await;
    assert_eq!(fresh.get("/ro").await.unwrap().0.as_ref(), b"v");
    // The global session without the opt-in waits, suspended, past its timeout.
    assert_eq!(global.keeper_state(), SessionState::Connecting);
    assert_eq!(global.state(), KazooState::Suspended);

    let ens = blocking(move || {
        let mut ens = ens;
        for i in others {
            ens.restart(i).unwrap();
        }
        ens
    })
    .await;
    wait_state(&mut states, T, |c| c.session == SessionState::Connected).await;
    zk.set("/ro", b"rw again", None).await.unwrap();
    let mut seen = Vec::new();
    tokio::time::timeout(T, async {
        while let Some(c) = global_states.recv().await {
            seen.push(c.session);
            if c.session == SessionState::Connected {
                break;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("global session transitions: {seen:?}"));
    // Suspended all along, never expired nor read-only, and resumed.
    assert_eq!(
        seen,
        [SessionState::Connecting, SessionState::Connected],
        "global session transitions"
    );
    assert_eq!(
        global.session_id(),
        global_session,
        "the same session, resumed"
    );
    assert!(global.exists("/eph").await.unwrap().is_some());
    wait_state(&mut fresh_states, T, |c| {
        c.session == SessionState::Connected
    })
    .await;
    fresh
        .create("/w", b"", &CreateOptions::new())
        .await
        .unwrap();
    for c in [zk, global, fresh] {
        c.close().await;
    }
    drop(ens);
}

/// Dropping the last handle ends the session politely, at once: the I/O task learns it from
/// its command channel's end (which it reads only when nudged), and closes the session. The
/// ephemeral node therefore goes within a moment, not when the session times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_closes_the_session_at_once() {
    common::init_tracing();
    let server = blocking(ZkServer::start).await.unwrap();
    let zk = Client::builder(&server.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let negotiated = zk.negotiated_timeout().unwrap();
    assert!(negotiated >= Duration::from_secs(9), "{negotiated:?}");
    zk.create("/eph", Bytes::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    let observer = Client::connect(&server.connect_string()).await.unwrap();
    let (stat, gone) = observer.exists_w("/eph").await.unwrap();
    assert!(stat.is_some());
    let clone = zk.clone();
    drop(zk);
    // One handle left: the session stays.
    clone.get("/eph").await.unwrap();
    let started = std::time::Instant::now();
    drop(clone);
    let e = tokio::time::timeout(T, gone).await.unwrap();
    assert_eq!(e.event_type, EventType::NodeDeleted);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the session ended by expiry ({:?}), not by a close",
        started.elapsed()
    );
    observer.close().await;
}

/// `set_hosts` reaches the I/O task (through the command channel it reads when nudged): the
/// next connection goes to the new list's server, with the same session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_hosts_moves_the_next_connection_to_the_new_list() {
    common::init_tracing();
    let ens = blocking(|| Ensemble::start(3)).await.unwrap();
    let first = ens.member_addr(0);
    let second = ens.member_addr(1);
    let zk = Client::builder(&first.to_string())
        .session_timeout(Duration::from_secs(8))
        .connect()
        .await
        .unwrap();
    assert_eq!(zk.current_server(), Some(first));
    let session = zk.session_id();
    zk.set_hosts(&second.to_string()).unwrap();
    // Still on the first server until its connection ends.
    zk.exists("/").await.unwrap();
    assert_eq!(zk.current_server(), Some(first));
    let mut states = zk.subscribe_state();
    let mut ens = blocking(move || {
        let mut ens = ens;
        ens.kill(0).unwrap();
        ens
    })
    .await;
    wait_kazoo(&mut states, KazooState::Suspended, T).await;
    wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert_eq!(zk.current_server(), Some(second));
    assert_eq!(zk.session_id(), session);
    zk.close().await;
    blocking(move || ens.restart(0)).await.ok();
}
