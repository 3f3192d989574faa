//! Lock safety under faults on a real 3-member ensemble.
//!
//! Five contenders (tasks with their own clients; two of them reach one member through a
//! fault proxy each) take the same lock over and over, recording for every grant its fencing
//! token, when it was granted and when the holder stopped (released, or saw its lost signal,
//! which fires on suspension here). Meanwhile the test kills the leader, kills the member a
//! holder is connected to, and expires a holder's session by blackholing its proxy past the
//! session timeout. Then it checks the record: no two holders overlap, tokens strictly
//! increase in grant order, every contender was served, and the holders hit by a fault
//! stopped because of their lost signal.

mod lock_common;

use kazoo_client::Client;
use kazoo_recipes::fencing::{FencingToken, LostReason};
use kazoo_recipes::lock::{Lock, LockOptions};
use kazoo_testkit::{Ensemble, FaultProxy, ProxyMode};
use lock_common::within;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

const CONTENDERS: usize = 5;
/// Contenders 0 and 1 go through a proxy each; the others use the whole ensemble.
const PROXIED: usize = 2;
const SESSION: Duration = Duration::from_secs(4);
/// Grants each contender must have had before it stops.
const GRANTS_EACH: usize = 2;

#[derive(Debug, Clone)]
struct Record {
    who: usize,
    token: FencingToken,
    granted: Instant,
    stopped: Instant,
    lost: Option<LostReason>,
}

/// What the contenders share with the test.
struct Shared {
    records: Mutex<Vec<Record>>,
    /// The number of grants so far.
    grants: watch::Sender<usize>,
    /// Who holds the lock right now, and whether until its lost signal fires.
    holder: watch::Sender<Option<(usize, bool)>>,
    /// Per contender: hold until the lost signal fires (instead of a few milliseconds).
    hold_long: Vec<AtomicBool>,
    stop: AtomicBool,
}

impl Shared {
    async fn wait_grants(&self, more: usize, what: &str) {
        let target = *self.grants.borrow() + more;
        let mut rx = self.grants.subscribe();
        within(what, rx.wait_for(|g| *g >= target))
            .await
            .expect("grants channel");
    }

    /// Waits until a contender `ok` accepts holds the lock until its lost signal fires.
    async fn wait_long_holder(&self, what: &str, ok: impl Fn(usize) -> bool) -> usize {
        let mut rx = self.holder.subscribe();
        let r = within(
            what,
            rx.wait_for(|h| h.is_some_and(|(who, long)| long && ok(who))),
        )
        .await
        .expect("holder channel");
        r.map(|(who, _)| who).unwrap_or_default()
    }

    fn records_of(&self, who: usize) -> Vec<Record> {
        let r = self.records.lock().unwrap();
        r.iter().filter(|r| r.who == who).cloned().collect()
    }
}

async fn contender(who: usize, client: Client, shared: Arc<Shared>) {
    let lock = Lock::with_options(
        &client,
        "/lock",
        LockOptions::new()
            .identifier(format!("c{who}"))
            .lost_on_suspend(true),
    );
    let mut served = 0;
    while !(shared.stop.load(Ordering::SeqCst) && served >= GRANTS_EACH) {
        let guard = match lock.acquire().await {
            Ok(g) => g,
            Err(e) => {
                // Not expected: acquire rides out connection losses and expiries itself.
                panic!("contender {who}: acquire failed: {e}");
            }
        };
        let granted = Instant::now();
        let long = shared.hold_long[who].load(Ordering::SeqCst);
        // Counted before announced: whoever sees the holder sees its grant counted.
        shared.grants.send_modify(|g| *g += 1);
        shared.holder.send_replace(Some((who, long)));
        let hold = if long {
            Duration::from_secs(30)
        } else {
            Duration::from_millis(20 + 15 * who as u64)
        };
        let lost = guard.lost_signal();
        let lost = tokio::select! {
            reason = lost.lost() => Some(reason),
            _ = tokio::time::sleep(hold) => None,
        };
        // The critical section ends here: record before giving the lock back.
        let stopped = Instant::now();
        shared.holder.send_if_modified(|h| {
            let mine = h.is_some_and(|(w, _)| w == who);
            if mine {
                *h = None;
            }
            mine
        });
        shared.records.lock().unwrap().push(Record {
            who,
            token: guard.token(),
            granted,
            stopped,
            lost,
        });
        served += 1;
        if let Err(e) = guard.release().await {
            eprintln!("contender {who}: release failed: {e}");
        }
    }
}

fn member_of(ensemble: &Ensemble, addr: Option<SocketAddr>) -> Option<usize> {
    let addr = addr?;
    (0..ensemble.size()).find(|&i| ensemble.member_addr(i) == addr)
}

async fn connect(hosts: &str) -> Client {
    Client::builder(hosts)
        .session_timeout(SESSION)
        .connect()
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_safety_under_faults_ensemble() {
    let started = Instant::now();
    let mut ensemble = tokio::task::block_in_place(|| {
        Ensemble::builder(3)
            .tick_time(200)
            .start()
            .expect("a 3-member ensemble")
    });
    let leader = tokio::task::block_in_place(|| ensemble.wait_for_leader(Duration::from_secs(30)))
        .expect("leader");
    // The proxies lead to a follower, which the first fault (killing the leader) spares.
    let follower = (0..3).find(|&i| i != leader).unwrap_or_default();
    let proxies: Vec<FaultProxy> = (0..PROXIED)
        .map(|_| FaultProxy::start(ensemble.member_addr(follower)).expect("proxy"))
        .collect();
    let mut clients = Vec::new();
    for p in &proxies {
        clients.push(connect(&p.connect_string()).await);
    }
    for _ in PROXIED..CONTENDERS {
        clients.push(connect(&ensemble.connect_string()).await);
    }

    let shared = Arc::new(Shared {
        records: Mutex::new(Vec::new()),
        grants: watch::channel(0).0,
        holder: watch::channel(None).0,
        hold_long: (0..CONTENDERS).map(|_| AtomicBool::new(false)).collect(),
        stop: AtomicBool::new(false),
    });
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(who, c)| tokio::spawn(contender(who, c.clone(), shared.clone())))
        .collect();
    shared.wait_grants(CONTENDERS, "the first grants").await;

    // Fault 1: kill the leader while they contend.
    tokio::task::block_in_place(|| ensemble.kill(leader)).expect("kill the leader");
    shared.wait_grants(3, "grants after the leader died").await;
    tokio::task::block_in_place(|| ensemble.restart(leader)).expect("restart");
    tokio::task::block_in_place(|| ensemble.wait_for_leader(Duration::from_secs(30)))
        .expect("leader after restart");

    // Fault 2: kill the member a holder is connected to, while it holds.
    for who in PROXIED..CONTENDERS {
        shared.hold_long[who].store(true, Ordering::SeqCst);
    }
    let victim = shared
        .wait_long_holder("a direct contender holds", |w| w >= PROXIED)
        .await;
    let member = member_of(&ensemble, clients[victim].current_server())
        .expect("the holder is connected to a member");
    let before = shared.records_of(victim).len();
    tokio::task::block_in_place(|| ensemble.kill(member)).expect("kill the holder's member");
    for who in PROXIED..CONTENDERS {
        shared.hold_long[who].store(false, Ordering::SeqCst);
    }
    shared
        .wait_grants(2, "grants after the holder's member died")
        .await;
    let hit = shared.records_of(victim)[before].clone();
    assert_eq!(
        hit.lost,
        Some(LostReason::Suspended),
        "the holder on the killed member stopped on its lost signal"
    );
    tokio::task::block_in_place(|| ensemble.restart(member)).expect("restart");
    tokio::task::block_in_place(|| ensemble.wait_for_leader(Duration::from_secs(30)))
        .expect("leader after restart");

    // Fault 3: a holder's session expires behind a silent partition.
    let expiring = 0;
    let session = clients[expiring].session_id();
    shared.hold_long[expiring].store(true, Ordering::SeqCst);
    shared
        .wait_long_holder("the proxied contender holds", |w| w == expiring)
        .await;
    let before = shared.records_of(expiring).len();
    let grants = *shared.grants.borrow();
    proxies[expiring].set_mode(ProxyMode::Blackhole);
    // Someone else is granted the lock: only the expiry of the partitioned session can have
    // removed its node.
    let mut rx = shared.grants.subscribe();
    within(
        "a grant after the partitioned holder's session expired",
        rx.wait_for(|g| *g > grants),
    )
    .await
    .unwrap();
    let hit = shared.records_of(expiring)[before].clone();
    assert_eq!(hit.lost, Some(LostReason::Suspended));
    shared.hold_long[expiring].store(false, Ordering::SeqCst);
    proxies[expiring].set_mode(ProxyMode::Pass);
    lock_common::eventually("the partitioned client has a new session", || async {
        clients[expiring].connected() && clients[expiring].session_id() != session
    })
    .await;

    // Every contender is served again after the faults, then stops.
    shared.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        within("a contender to finish", t).await.expect("contender");
    }

    let mut records = shared.records.lock().unwrap().clone();
    records.sort_by_key(|r| r.granted);
    let mut last_stop: Option<(Instant, usize)> = None;
    let mut last_token: Option<FencingToken> = None;
    for r in &records {
        assert!(r.stopped >= r.granted);
        if let Some((stop, who)) = last_stop {
            assert!(
                r.granted >= stop,
                "contender {} was granted the lock {:?} before contender {who} stopped",
                r.who,
                stop - r.granted
            );
        }
        if let Some(t) = last_token {
            assert!(r.token > t, "token {} after {t}", r.token);
        }
        last_stop = Some((r.stopped, r.who));
        last_token = Some(r.token);
    }
    for who in 0..CONTENDERS {
        let n = records.iter().filter(|r| r.who == who).count();
        assert!(n >= GRANTS_EACH, "contender {who} was served {n} times");
    }
    let losses = records.iter().filter(|r| r.lost.is_some()).count();
    eprintln!(
        "{} grants, {losses} ended by a lost signal, in {:?}",
        records.len(),
        started.elapsed()
    );
    for c in &clients {
        c.close().await;
    }
}
