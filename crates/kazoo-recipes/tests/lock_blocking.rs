//! The blocking lock, read/write locks, semaphore and election from plain threads: exclusion,
//! cancel from another thread, timeouts, and guards released on drop.

mod common;
mod lock_common;

use kazoo_client::blocking::Client;
use kazoo_recipes::election::BlockingElection;
use kazoo_recipes::fencing::LostReason;
use kazoo_recipes::lock::{BlockingLock, BlockingReadLock, BlockingWriteLock, LockOptions};
use kazoo_recipes::semaphore::{BlockingSemaphore, SemaphoreOptions};
use kazoo_testkit::unique_path;
use lock_common::*;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A fresh root and a client factory chrooted there.
fn setup(prefix: &str) -> (String, impl Fn() -> Client) {
    let base = common::server().connect_string();
    let root = unique_path(prefix);
    let admin = Client::connect(&base).expect("connect");
    admin.ensure_path(&root).expect("root");
    admin.close();
    let hosts = format!("{base}{root}");
    (root, move || Client::connect(&hosts).expect("connect"))
}

fn lock(zk: &Client, id: &str) -> BlockingLock {
    BlockingLock::with_options(zk, "/lock", LockOptions::new().identifier(id))
}

#[test]
fn blocking_lock_excludes_times_out_and_cancels_across_threads() {
    let (root, connect) = setup("blk-lock");
    let (a, b) = (connect(), connect());
    let (la, lb) = (lock(&a, "a"), lock(&b, "b"));
    let ga = la.acquire().unwrap();
    assert!(la.is_acquired());
    assert!(lb.try_acquire().unwrap().is_none());
    let started = Instant::now();
    let err = lb.acquire_timeout(Duration::from_millis(300)).unwrap_err();
    assert!(err.is_timeout());
    assert!(started.elapsed() >= Duration::from_millis(300));

    let waiter = lb.clone();
    let t = std::thread::spawn(move || waiter.acquire().map(|_| ()));
    eventually_blocking("b contends", || la.contenders().unwrap().len() == 2);
    lb.cancel();
    let err = t.join().unwrap().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(la.contenders().unwrap(), ["a"]);

    let waiter = lb.clone();
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        let g = waiter.acquire().unwrap();
        tx.send(g.token()).unwrap();
        g.release().unwrap();
    });
    eventually_blocking("b contends again", || la.contenders().unwrap().len() == 2);
    let ta = ga.token();
    let lost = ga.lost_signal();
    ga.release().unwrap();
    assert_eq!(lost.wait_blocking(Some(LIMIT)), Some(LostReason::Released));
    let tb = rx.recv_timeout(LIMIT).unwrap();
    assert!(tb > ta);
    t.join().unwrap();
    assert!(a.get_children("/lock").unwrap().is_empty());
    common::assert_no_watches_under(&root);
}

#[test]
fn blocking_guard_drop_releases_and_rw_locks_interplay() {
    let (root, connect) = setup("blk-rw");
    let (a, b) = (connect(), connect());
    let r = BlockingReadLock::new(&a, "/rw");
    let w = BlockingWriteLock::new(&b, "/rw");
    let gr = r.acquire().unwrap();
    assert!(w.try_acquire().unwrap().is_none());
    drop(gr);
    let gw = w
        .acquire_timeout(LIMIT)
        .expect("the dropped reader released");
    assert!(r.try_acquire().unwrap().is_none());
    gw.release().unwrap();
    r.acquire().unwrap().release().unwrap();
    assert!(a.get_children("/rw").unwrap().is_empty());
    common::assert_no_watches_under(&root);
}

#[test]
fn blocking_semaphore_counts_leases_and_cancels() {
    let (root, connect) = setup("blk-sem");
    let (a, b, c) = (connect(), connect(), connect());
    let opts = |id: &str| SemaphoreOptions::new(2).identifier(id);
    let sa = BlockingSemaphore::with_options(&a, "/sem", opts("a"));
    let sb = BlockingSemaphore::with_options(&b, "/sem", opts("b"));
    let sc = BlockingSemaphore::with_options(&c, "/sem", opts("c"));
    let ga = sa.acquire().unwrap();
    let gb = sb.acquire().unwrap();
    assert!(sc.try_acquire().unwrap().is_none());
    let mut holders = sa.lease_holders().unwrap();
    holders.sort();
    assert_eq!(holders, ["a", "b"]);
    let waiter = sc.clone();
    let t = std::thread::spawn(move || waiter.acquire().map(|_| ()));
    // The waiter holds the guard lock while it waits for a free lease.
    let guard_lock = BlockingLock::new(&a, "/sem-__lock__");
    eventually_blocking("c waits", || guard_lock.contenders().unwrap() == ["b'c'"]);
    sc.cancel();
    assert!(t.join().unwrap().unwrap_err().is_cancelled());
    ga.release().unwrap();
    let gc = sc.acquire_timeout(LIMIT).unwrap();
    assert!(gc.token() > gb.token());
    gb.release().unwrap();
    gc.release().unwrap();
    assert!(a.get_children("/sem").unwrap().is_empty());
    assert!(a.get_children("/sem-__lock__").unwrap().is_empty());
    common::assert_no_watches_under(&root);
}

#[test]
fn blocking_election_runs_the_leader_on_the_calling_thread() {
    let (root, connect) = setup("blk-elect");
    let (a, b) = (connect(), connect());
    let ea = BlockingElection::new(&a, "/election", "a");
    let eb = BlockingElection::new(&b, "/election", "b");
    let (to_leader, leader_rx) = mpsc::channel::<()>();
    let (elected_tx, elected) = mpsc::channel();
    let ea2 = ea.clone();
    let t = std::thread::spawn(move || {
        ea2.run(|grant| {
            elected_tx.send(grant.token()).unwrap();
            leader_rx.recv_timeout(LIMIT).unwrap();
            "done"
        })
    });
    let token = elected.recv_timeout(LIMIT).unwrap();
    assert!(ea.is_leader());
    assert_eq!(eb.contenders().unwrap(), ["a"]);
    let eb2 = eb.clone();
    let tb = std::thread::spawn(move || eb2.run(|g| g.token()));
    eventually_blocking("b is a candidate", || eb.contenders().unwrap().len() == 2);
    to_leader.send(()).unwrap();
    assert_eq!(t.join().unwrap().unwrap(), Some("done"));
    let tb_token = tb.join().unwrap().unwrap().expect("b led");
    assert!(tb_token > token);

    eb.cancel();
    assert_eq!(
        eb.run(|_| ()).unwrap(),
        None,
        "cancelled before being elected"
    );
    assert!(a.get_children("/election").unwrap().is_empty());
    common::assert_no_watches_under(&root);
}
