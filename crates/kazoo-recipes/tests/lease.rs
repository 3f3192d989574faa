//! NonBlockingLease and MultiNonBlockingLease against a real server, on an injected clock:
//! kazoo's holder record byte for byte, renewal by the same identifier, refusal until the
//! end, take-over after it, fencing tokens, lost signals, release, slots, the blocking forms.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root};
use kazoo_client::CreateOptions;
use kazoo_recipes::fencing::LostReason;
use kazoo_recipes::lease::{
    BlockingMultiNonBlockingLease, BlockingNonBlockingLease, LeaseError, MultiNonBlockingLease,
    NonBlockingLease,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const T: Duration = Duration::from_secs(20);

/// A clock the test moves by hand; starts at 2023-11-14T22:13:20Z.
#[derive(Clone)]
struct FakeClock(Arc<AtomicU64>);

impl FakeClock {
    fn new() -> FakeClock {
        FakeClock(Arc::new(AtomicU64::new(1_700_000_000)))
    }
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
    fn clock(&self) -> impl Fn() -> SystemTime + Send + Sync + 'static {
        let me = self.clone();
        move || me.now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_holder_until_the_end_renewals_and_take_over() {
    let root = fresh_root("lease").await;
    let zk = client_at(&root).await;
    let clock = FakeClock::new();
    let hour = Duration::from_secs(3600);
    let a = NonBlockingLease::new(&zk, "/leases/job", hour)
        .with_identifier("host-a")
        .with_clock(clock.clock());
    let b = NonBlockingLease::new(&zk, "/leases/job", hour)
        .with_identifier("host-b")
        .with_clock(clock.clock());

    let first = a.try_obtain().await.unwrap().expect("free lease");
    let (data, _) = zk.get("/leases/job/lease_holder").await.unwrap();
    assert_eq!(
        std::str::from_utf8(&data).unwrap(),
        r#"{"version": 1, "holder": "host-a", "end": "2023-11-14T23:13:20"}"#
    );
    assert_eq!(first.end(), clock.now() + hour);
    assert_eq!(first.holder(), "host-a");
    assert!(b.try_obtain().await.unwrap().is_none(), "held by host-a");

    clock.advance(600);
    let renewed = a.try_obtain().await.unwrap().expect("renewal");
    assert!(renewed.token() > first.token());
    assert!(renewed.end() > first.end());
    // The old record was replaced: the first grant's lost signal says so.
    let reason = tokio::time::timeout(T, first.lost_signal().lost())
        .await
        .unwrap();
    assert!(reason.is_loss(), "{reason:?}");

    clock.advance(3599);
    assert!(b.try_obtain().await.unwrap().is_none(), "one second left");
    clock.advance(1);
    let taken = b
        .try_obtain()
        .await
        .unwrap()
        .expect("ended: host-b takes it");
    assert!(taken.token() > renewed.token());
    assert!(a.try_obtain().await.unwrap().is_none());

    // The guard lock is gone after each attempt: only the record is left.
    assert_eq!(
        zk.get_children("/leases/job").await.unwrap(),
        ["lease_holder"]
    );
    drop((first, renewed, taken));
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lost_signal_fires_at_the_end_of_the_term_and_on_release() {
    let root = fresh_root("lease-lost").await;
    let zk = client_at(&root).await;
    let clock = FakeClock::new();
    let lease = NonBlockingLease::new(&zk, "/l", Duration::from_secs(60))
        .with_identifier("me")
        .with_clock(clock.clock());
    let held = lease.try_obtain().await.unwrap().unwrap();
    assert!(!held.is_lost());
    clock.advance(60);
    let reason = tokio::time::timeout(T, held.lost_signal().lost())
        .await
        .unwrap();
    assert_eq!(reason, LostReason::Released);

    let again = lease.try_obtain().await.unwrap().unwrap();
    assert!(again.release().await.unwrap());
    assert!(!again.release().await.unwrap());
    assert!(zk.exists("/l/lease_holder").await.unwrap().is_none());
    tokio::time::timeout(T, again.lost_signal().lost())
        .await
        .unwrap();
    drop((held, again));
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_and_malformed_records() {
    let root = fresh_root("lease-bad").await;
    let zk = client_at(&root).await;
    let lease = NonBlockingLease::new(&zk, "/l", Duration::from_secs(60)).with_identifier("me");
    zk.create(
        "/l/lease_holder",
        br#"{"version": 2, "anything": true}"#.to_vec(),
        &CreateOptions::new().makepath(),
    )
    .await
    .unwrap();
    assert!(lease.try_obtain().await.unwrap().is_none(), "newer format");
    zk.set("/l/lease_holder", b"garbage".to_vec(), None)
        .await
        .unwrap();
    assert!(matches!(
        lease.try_obtain().await,
        Err(LeaseError::Malformed { .. })
    ));
    assert_eq!(zk.get_children("/l").await.unwrap(), ["lease_holder"]);

    // On the system clock: the end is recorded, and reported, in whole seconds.
    zk.delete("/l/lease_holder", None).await.unwrap();
    let before = SystemTime::now();
    let held = lease.try_obtain().await.unwrap().unwrap();
    let end = held.end().duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(end.subsec_nanos(), 0);
    let after = SystemTime::now();
    assert!(held.end() + Duration::from_secs(1) > before + Duration::from_secs(60));
    assert!(held.end() <= after + Duration::from_secs(60));
    drop(held);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_lease_hands_out_count_slots_in_order() {
    let root = fresh_root("lease-multi").await;
    let zk = client_at(&root).await;
    let clock = FakeClock::new();
    let make = |id: &str| {
        MultiNonBlockingLease::new(&zk, 2, "/crawl", Duration::from_secs(30))
            .with_identifier(id)
            .with_clock(clock.clock())
    };
    let (slot_a, _a) = make("a").try_obtain().await.unwrap().unwrap();
    let (slot_b, _b) = make("b").try_obtain().await.unwrap().unwrap();
    assert_eq!((slot_a, slot_b), (0, 1));
    assert!(make("c").try_obtain().await.unwrap().is_none());
    // Renewal keeps one's own slot.
    assert_eq!(make("b").try_obtain().await.unwrap().unwrap().0, 1);
    clock.advance(30);
    assert_eq!(make("c").try_obtain().await.unwrap().unwrap().0, 0);
    let mut slots = zk.get_children("/crawl").await.unwrap();
    slots.sort();
    assert_eq!(slots, ["0", "1"]);
    zk.close().await;
}

#[test]
fn blocking_leases() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("lease-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let clock = FakeClock::new();
    let one = BlockingNonBlockingLease::new(&zk, "/one", Duration::from_secs(5))
        .with_identifier("x")
        .with_clock(clock.clock());
    let held = one.try_obtain().unwrap().unwrap();
    assert!(
        BlockingNonBlockingLease::new(&zk, "/one", Duration::from_secs(5))
            .with_identifier("y")
            .with_clock(clock.clock())
            .try_obtain()
            .unwrap()
            .is_none()
    );
    assert!(one.release(&held).unwrap());
    let multi = BlockingMultiNonBlockingLease::new(&zk, 1, "/multi", Duration::from_secs(5))
        .with_identifier("x")
        .with_clock(clock.clock());
    assert_eq!(multi.try_obtain().unwrap().unwrap().0, 0);
    drop(held);
    assert_no_watches_under(&root);
    zk.close();
}
