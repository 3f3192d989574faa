//! Lock behaviour against a real ZooKeeper server: exclusion and order, non-blocking and timed
//! acquires, cancellation, non-re-entrance, guards, fencing tokens and lost signals, orphan-free
//! creation and cleanup (no node and no watch left).

mod common;
mod lock_common;

use common::*;
use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::fencing::{is_fenced_out, LostReason};
use kazoo_recipes::lock::{Lock, LockError, LockOptions};
use kazoo_testkit::{FaultProxy, ProxyMode};
use lock_common::*;
use std::time::{Duration, Instant};

fn named(client: &Client, id: &str) -> Lock {
    Lock::with_options(client, "/lock", LockOptions::new().identifier(id))
}

async fn contender_count(lock: &Lock) -> usize {
    lock.contenders().await.expect("contenders").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_excludes_and_serves_contenders_in_order() {
    let root = fresh_root("lock-order").await;
    let (a, b, c) = (
        client_at(&root).await,
        client_at(&root).await,
        client_at(&root).await,
    );
    let (la, lb, lc) = (named(&a, "a"), named(&b, "b"), named(&c, "c"));

    let ga = la.acquire().await.expect("a acquires");
    assert!(la.is_acquired());
    assert!(ga.node_path().starts_with("/lock/"));
    assert!(ga.node_path().contains("__lock__"));

    let lb2 = lb.clone();
    let tb = tokio::spawn(async move { lb2.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    let lc2 = lc.clone();
    let tc = tokio::spawn(async move { lc2.acquire().await });
    eventually("c contends", || async { contender_count(&la).await == 3 }).await;
    assert_eq!(la.contenders().await.unwrap(), ["a", "b", "c"]);
    // Each waiter watches only the contender right before it (no herd on the holder).
    let mut nodes = children(&a, "/lock").await;
    nodes.sort_by_key(|n| n[n.len() - 10..].to_owned());
    let node = |i: usize| format!("{root}/lock/{}", nodes[i]);
    eventually("b watches a, c watches b", || async {
        session_watches(&b) == [node(0)] && session_watches(&c) == [node(1)]
    })
    .await;

    let ta = ga.token();
    ga.release().await.expect("a releases");
    assert!(!la.is_acquired());
    let gb = within("b's grant", tb).await.unwrap().expect("b acquires");
    assert!(gb.token() > ta, "tokens grow: {} then {}", ta, gb.token());
    assert!(!tc.is_finished(), "c must wait for b");
    assert_eq!(lc.contenders().await.unwrap(), ["b", "c"]);

    let tb_token = gb.token();
    gb.release().await.unwrap();
    let gc = within("c's grant", tc).await.unwrap().expect("c acquires");
    assert!(gc.token() > tb_token);
    gc.release().await.unwrap();

    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_try_acquire_returns_at_once_and_deletes_its_node() {
    let root = fresh_root("lock-try").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));

    let gb = lb.try_acquire().await.unwrap().expect("free lock is taken");
    assert!(la.try_acquire().await.unwrap().is_none());
    assert_eq!(
        children(&a, "/lock").await.len(),
        1,
        "a's node is gone again"
    );
    assert_eq!(la.contenders().await.unwrap(), ["b"]);
    assert_eq!(
        watched_paths_under(&root),
        [format!("{root}{}", gb.node_path())],
        "only the holder's own watch remains"
    );
    gb.release().await.unwrap();
    let ga = la.try_acquire().await.unwrap().expect("free again");
    ga.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_acquire_timeout_gives_up_and_cleans_up() {
    let root = fresh_root("lock-timeout").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();

    let started = Instant::now();
    let err = lb
        .acquire_timeout(Duration::from_millis(400))
        .await
        .expect_err("a holds the lock");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(la.contenders().await.unwrap(), ["a"], "b's node is deleted");
    assert_eq!(
        watched_paths_under(&root),
        [format!("{root}{}", ga.node_path())],
        "b's watch on a's node is removed"
    );

    ga.release().await.unwrap();
    let gb = lb
        .acquire_timeout(Duration::from_secs(5))
        .await
        .expect("free lock within the limit");
    gb.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_cancel_stops_a_pending_acquire_from_another_task() {
    let root = fresh_root("lock-cancel").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();

    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    lb.cancel();
    let err = within("cancellation", pending)
        .await
        .unwrap()
        .expect_err("cancelled");
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(la.contenders().await.unwrap(), ["a"]);
    assert_eq!(
        watched_paths_under(&root),
        [format!("{root}{}", ga.node_path())]
    );

    // The cancel was consumed: the next acquire waits normally.
    ga.release().await.unwrap();
    lb.acquire()
        .await
        .expect("b acquires")
        .release()
        .await
        .unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_cancel_without_pending_acquire_cancels_the_next_one_like_kazoo() {
    let root = fresh_root("lock-cancel-next").await;
    let a = client_at(&root).await;
    let la = named(&a, "a");
    la.cancel();
    let err = la
        .acquire()
        .await
        .expect_err("the cancel request stays set");
    assert!(err.is_cancelled());
    la.acquire()
        .await
        .expect("consumed")
        .release()
        .await
        .unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_is_not_reentrant_a_second_acquire_waits_for_the_first_release() {
    let root = fresh_root("lock-reentrant").await;
    let a = client_at(&root).await;
    let la = named(&a, "a");
    let first = la.acquire().await.unwrap();

    assert!(la.try_acquire().await.unwrap().is_none());
    let err = la
        .acquire_timeout(Duration::from_millis(200))
        .await
        .expect_err("held by this very object");
    assert!(err.is_timeout());

    let again = la.clone();
    let second = tokio::spawn(async move { again.acquire().await });
    // The second acquire creates no node while the first grant is held.
    tokio::task::yield_now().await;
    assert_eq!(la.contenders().await.unwrap(), ["a"]);
    assert!(!second.is_finished());

    assert!(la.release().await.unwrap(), "the object releases its grant");
    let second = within("second grant", second).await.unwrap().unwrap();
    assert!(second.token() > first.token());
    // The first guard belongs to a finished grant: releasing it leaves the new one alone.
    first.release().await.unwrap();
    assert!(la.is_acquired());
    assert_eq!(la.contenders().await.unwrap(), ["a"]);
    second.release().await.unwrap();
    assert!(!la.release().await.unwrap(), "nothing left to release");
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_guard_drop_releases_the_lock() {
    let root = fresh_root("lock-drop").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();
    let lost = ga.lost_signal();
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    drop(ga);
    assert_eq!(
        within("release signal", lost.lost()).await,
        LostReason::Released
    );
    let gb = within("b's grant", pending).await.unwrap().unwrap();
    assert!(!la.is_acquired());
    gb.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_lost_signal_fires_on_node_deletion_and_fences_writes() {
    let root = fresh_root("lock-lost-node").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    a.create("/data", b"0".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let la = named(&a, "a");
    let ga = la.acquire().await.unwrap();
    assert!(!ga.is_lost());
    assert_eq!(
        ga.token().zxid(),
        a.exists(ga.node_path()).await.unwrap().unwrap().czxid
    );

    let mut t = ga.grant().transaction();
    t.set_data("/data", b"1".to_vec(), None);
    t.commit().await.expect("guarded write while holding");
    assert!(ga.grant().verify().await.unwrap());

    b.delete(ga.node_path(), None).await.unwrap();
    assert_eq!(
        within("lost signal", ga.lost_signal().lost()).await,
        LostReason::NodeDeleted
    );
    let mut t = ga.grant().transaction();
    t.set_data("/data", b"2".to_vec(), None);
    let err = t.commit().await.expect_err("fenced out");
    assert!(is_fenced_out(&err), "{err}");
    assert_eq!(&a.get("/data").await.unwrap().0[..], b"1");
    assert!(!ga.grant().verify().await.unwrap());

    ga.release().await.expect("releasing a lost lock is fine");
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_lost_signal_fires_on_session_expiry_and_the_next_contender_is_served() {
    let root = fresh_root("lock-expiry").await;
    let ((a, proxy), b) = (proxied_client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;

    expire_session(&a, &proxy).await;
    assert_eq!(
        within("lost signal", ga.lost_signal().lost()).await,
        LostReason::SessionExpired
    );
    let gb = within("b's grant", pending).await.unwrap().unwrap();
    assert!(gb.token() > ga.token());
    // The old guard's release finds nothing to delete.
    ga.release().await.unwrap();
    gb.release().await.unwrap();
    assert!(children(&b, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_waiter_whose_session_expires_contends_again_and_is_served() {
    let root = fresh_root("lock-waiter-expiry").await;
    let (a, (b, proxy)) = (client_at(&root).await, proxied_client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    let old_session = b.session_id();

    expire_session(&b, &proxy).await;
    eventually("b has a new session and a new node", || async {
        b.connected() && b.session_id() != old_session && contender_count(&la).await == 2
    })
    .await;
    ga.release().await.unwrap();
    let gb = within("b's grant", pending).await.unwrap().unwrap();
    gb.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_lost_on_suspend_fires_on_a_dropped_connection_only_when_asked() {
    let root = fresh_root("lock-suspend").await;
    let proxy = FaultProxy::start(server().addr()).expect("proxy");
    let via_proxy = || client_through(&proxy, &root, Duration::from_secs(10));
    let (eager, patient) = (via_proxy().await, via_proxy().await);
    let le = Lock::with_options(&eager, "/l1", LockOptions::new().lost_on_suspend(true));
    let lp = Lock::with_options(&patient, "/l2", LockOptions::new());
    let (ge, gp) = (le.acquire().await.unwrap(), lp.acquire().await.unwrap());
    let mut states = patient.subscribe_state();

    proxy.cut();
    assert_eq!(
        within("suspension", ge.lost_signal().lost()).await,
        LostReason::Suspended
    );
    within("patient reconnects", async {
        let mut suspended = false;
        while let Some(c) = states.recv().await {
            if c.kazoo == kazoo_client::KazooState::Suspended {
                suspended = true;
            }
            if suspended && c.kazoo == kazoo_client::KazooState::Connected {
                break;
            }
        }
    })
    .await;
    assert!(
        gp.grant().verify().await.unwrap(),
        "same session, same node"
    );
    assert!(!gp.is_lost());
    ge.release().await.unwrap();
    gp.release().await.unwrap();
    assert!(children(&patient, "/l1").await.is_empty());
    assert!(children(&patient, "/l2").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_create_whose_reply_is_lost_leaves_no_orphan() {
    let root = fresh_root("lock-orphan").await;
    let proxy = FaultProxy::start(server().addr()).expect("proxy");
    let zk = client_through(&proxy, &root, Duration::from_secs(10)).await;
    let observer = client_at(&root).await;
    let lock = named(&zk, "a");
    // A first round makes sure the lock path exists, so the next acquire starts with its create.
    lock.acquire().await.unwrap().release().await.unwrap();
    let session = zk.session_id();

    proxy.set_mode(ProxyMode::CloseAfterNextRequest);
    let guard = within("acquire through a lost reply", lock.acquire())
        .await
        .expect("acquired");
    assert_eq!(zk.session_id(), session, "same session: the node was kept");
    let nodes = children(&observer, "/lock").await;
    assert_eq!(nodes.len(), 1, "exactly one contender node: {nodes:?}");
    assert_eq!(format!("/lock/{}", nodes[0]), guard.node_path());
    guard.release().await.unwrap();
    assert!(children(&observer, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_cancelled_during_a_partition_keeps_deleting_its_node_until_gone() {
    let root = fresh_root("lock-732").await;
    let proxy = FaultProxy::start(server().addr()).expect("proxy");
    let b = client_through(&proxy, &root, Duration::from_secs(10)).await;
    let a = client_at(&root).await;
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    let session = b.session_id();

    // b's cleanup requests go into a silent partition, then the connection is cut with them.
    proxy.set_mode(ProxyMode::Blackhole);
    lb.cancel();
    let err = within("cancel", pending).await.unwrap().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(
        la.contenders().await.unwrap(),
        ["a", "b"],
        "b's delete did not arrive"
    );
    proxy.cut();
    proxy.set_mode(ProxyMode::Pass);

    eventually("b's node is deleted after the reconnect", || async {
        contender_count(&la).await == 1
    })
    .await;
    assert_eq!(b.session_id(), session, "deleted by b, not by an expiry");
    ga.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_honours_extra_lock_patterns_such_as_curators() {
    let root = fresh_root("lock-curator").await;
    let (a, curator) = (client_at(&root).await, client_at(&root).await);
    let curator_node = curator
        .create(
            "/lock/_c_0d3c2d3a-2fb8-4a62-9c1e-4c0e3b3a7d51-lock-",
            b"curator".to_vec(),
            &CreateOptions::new().ephemeral().sequential().makepath(),
        )
        .await
        .unwrap();
    let plain = named(&a, "plain");
    let aware = Lock::with_options(
        &a,
        "/lock",
        LockOptions::new()
            .identifier("aware")
            .extra_lock_patterns(["-lock-"]),
    );
    assert_eq!(aware.contenders().await.unwrap(), ["curator"]);
    assert!(aware.try_acquire().await.unwrap().is_none());
    let g = plain
        .try_acquire()
        .await
        .unwrap()
        .expect("kazoo's default ignores Curator");
    g.release().await.unwrap();

    let waiter = aware.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("aware contends", || async {
        contender_count(&aware).await == 2
    })
    .await;
    curator.delete(&curator_node, None).await.unwrap();
    within("aware's grant", pending)
        .await
        .unwrap()
        .unwrap()
        .release()
        .await
        .unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_persistent_contender_survives_the_session() {
    let root = fresh_root("lock-persistent").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let la = Lock::with_options(&a, "/lock", LockOptions::new().ephemeral(false));
    let ga = la.acquire().await.unwrap();
    let stat = b.exists(ga.node_path()).await.unwrap().expect("node");
    assert_eq!(stat.ephemeral_owner, 0);
    assert_eq!(ga.grant().session_id(), 0);
    let node = ga.node_path().to_owned();
    ga.release().await.unwrap();
    assert!(b.exists(&node).await.unwrap().is_none());

    let ga = la.acquire().await.unwrap();
    let node = ga.node_path().to_owned();
    std::mem::forget(ga); // keep the grant past the session
    a.close().await;
    assert!(
        b.exists(&node).await.unwrap().is_some(),
        "outlives the session"
    );
    assert_eq!(named(&b, "b").contenders().await.unwrap(), [""]);
    b.delete(&node, None).await.unwrap();
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_contenders_list_identifiers_in_order_with_empty_ones() {
    let root = fresh_root("lock-contenders").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let anonymous = Lock::new(&a, "/lock");
    assert!(anonymous.contenders().await.unwrap().is_empty());
    let g = anonymous.acquire().await.unwrap();
    let lb = named(&b, "bé");
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async {
        contender_count(&anonymous).await == 2
    })
    .await;
    assert_eq!(lb.contenders().await.unwrap(), ["", "bé"]);
    g.release().await.unwrap();
    within("b", pending)
        .await
        .unwrap()
        .unwrap()
        .release()
        .await
        .unwrap();
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_waiter_fails_instead_of_hanging_when_its_client_is_closed() {
    let root = fresh_root("lock-closed").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (la, lb) = (named(&a, "a"), named(&b, "b"));
    let ga = la.acquire().await.unwrap();
    let waiter = lb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b contends", || async { contender_count(&la).await == 2 }).await;
    b.close().await;
    let err = within("the waiter's failure", pending)
        .await
        .unwrap()
        .expect_err("closed client");
    assert!(
        matches!(err, LockError::Client(kazoo_client::Error::Closed)),
        "{err}"
    );
    assert_eq!(
        la.contenders().await.unwrap(),
        ["a"],
        "b's node went with its session"
    );
    let err = within("acquire on a closed client", lb.acquire())
        .await
        .expect_err("closed client");
    assert!(matches!(
        err,
        LockError::Client(kazoo_client::Error::Closed)
    ));
    ga.release().await.unwrap();
    assert!(children(&a, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}
