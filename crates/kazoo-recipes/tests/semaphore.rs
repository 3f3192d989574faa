//! Semaphore behaviour against a real server: lease counting and queueing, the stored
//! max-leases check, timeouts, cancellation, re-acquire, lost signals and cleanup.

mod common;
mod lock_common;

use common::*;
use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::fencing::LostReason;
use kazoo_recipes::lock::{Lock, LockError};
use kazoo_recipes::semaphore::{Semaphore, SemaphoreOptions};
use lock_common::*;
use std::time::{Duration, Instant};

fn sem(client: &Client, id: &str, max: u32) -> Semaphore {
    Semaphore::with_options(client, "/sem", SemaphoreOptions::new(max).identifier(id))
}

async fn guard_lock_waiters(client: &Client) -> Vec<String> {
    Lock::new(client, "/sem-__lock__")
        .contenders()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_admits_max_leases_and_serves_the_next_on_release() {
    let root = fresh_root("sem-count").await;
    let (a, b, c) = (
        client_at(&root).await,
        client_at(&root).await,
        client_at(&root).await,
    );
    let (sa, sb, sc) = (sem(&a, "a", 2), sem(&b, "b", 2), sem(&c, "c", 2));
    assert!(sa.lease_holders().await.unwrap().is_empty(), "no node yet");
    let ga = sa.acquire().await.unwrap();
    let gb = sb
        .try_acquire()
        .await
        .unwrap()
        .expect("a second lease is free");
    assert_eq!(
        &a.get("/sem").await.unwrap().0[..],
        b"2",
        "max leases stored"
    );
    assert!(sc.try_acquire().await.unwrap().is_none());
    let mut holders = sc.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["a", "b"]);
    assert_eq!(ga.node_path(), sa.lease_path());

    let waiter = sc.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("c waits with the guard lock", || async {
        guard_lock_waiters(&a).await == ["b'c'"]
    })
    .await;
    let ta = ga.token();
    ga.release().await.unwrap();
    let gc = within("c's lease", pending).await.unwrap().unwrap();
    assert!(gc.token() > ta);
    let mut holders = sa.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["b", "c"]);
    gb.release().await.unwrap();
    gc.release().await.unwrap();
    assert!(children(&a, "/sem").await.is_empty());
    assert!(children(&a, "/sem-__lock__").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_refuses_an_inconsistent_max_leases_and_ignores_non_numbers() {
    let root = fresh_root("sem-max").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let g = sem(&a, "a", 2).acquire().await.unwrap();
    let err = sem(&b, "b", 3).acquire().await.unwrap_err();
    match &err {
        LockError::InconsistentMaxLeases { stored, ours, .. } => {
            assert_eq!((*stored, *ours), (2, 3))
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(children(&a, "/sem").await.len(), 1, "b took no lease");
    g.release().await.unwrap();

    a.create("/other", b"not a number".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let s = Semaphore::new(&b, "/other", 5);
    s.acquire().await.unwrap().release().await.unwrap();
    assert_eq!(&a.get("/other").await.unwrap().0[..], b"not a number");
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_timeout_and_cancel_leave_no_lease_and_no_watch() {
    let root = fresh_root("sem-cancel").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let (sa, sb) = (sem(&a, "a", 1), sem(&b, "b", 1));
    let ga = sa.acquire().await.unwrap();
    let own_watch = vec![format!("{root}{}", ga.node_path())];

    let started = Instant::now();
    let err = sb
        .acquire_timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sb.lease_holders().await.unwrap(), ["a"]);
    assert!(guard_lock_waiters(&a).await.is_empty());
    assert_eq!(watched_paths_under(&root), own_watch);

    let waiter = sb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("b waits", || async {
        guard_lock_waiters(&a).await == ["b'b'"]
    })
    .await;
    sb.cancel();
    let err = within("cancel", pending).await.unwrap().unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert!(guard_lock_waiters(&a).await.is_empty());
    assert_eq!(sb.lease_holders().await.unwrap(), ["a"]);
    assert_eq!(watched_paths_under(&root), own_watch);

    ga.release().await.unwrap();
    // Unlike a lock, a semaphore clears a stale cancel at every acquire (kazoo does).
    sb.cancel();
    sb.acquire().await.unwrap().release().await.unwrap();
    assert!(children(&a, "/sem").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_second_acquire_returns_the_held_lease_and_loss_is_signalled() {
    let root = fresh_root("sem-again").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let sa = sem(&a, "a", 2);
    let g1 = sa.acquire().await.unwrap();
    let g2 = sa.acquire().await.unwrap();
    assert_eq!(g1.token(), g2.token());
    assert_eq!(sa.lease_holders().await.unwrap(), ["a"]);
    assert!(sa.is_acquired());

    b.delete(g1.node_path(), None).await.unwrap();
    assert_eq!(
        within("lost", g1.lost_signal().lost()).await,
        LostReason::NodeDeleted
    );
    assert!(g2.is_lost(), "one lease, one signal");
    drop(g2);
    let t1 = g1.token();
    g1.release().await.unwrap();
    let g3 = sa.acquire().await.unwrap();
    assert!(g3.token() > t1);
    assert!(sa.release().await.unwrap());
    drop(g3);
    assert!(children(&a, "/sem").await.is_empty());
    assert_no_watches_under(&root);
}
