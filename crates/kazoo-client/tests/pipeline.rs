//! 10,000 requests in flight at once complete in call order and intact; with a bound on
//! requests outstanding, calls beyond it wait in call order, and their per-request timeout
//! counts from the call.

mod common;

use bytes::Bytes;
use common::{chrooted_client, chrooted_client_with};
use kazoo_client::{Client, CreateOptions, Error};
use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
use std::time::{Duration, Instant};

#[tokio::test]
async fn ten_thousand_pipelined_requests_complete_in_order_and_intact() {
    let (zk, _root) = chrooted_client("pipeline").await;
    zk.ensure_path("/p").await.unwrap();
    let n = 10_000usize;
    let opts = CreateOptions::new().sequential();
    // Every call is queued before any future is polled: order is fixed at call time.
    let creates: Vec<_> = (0..n)
        .map(|i| zk.create("/p/n-", Bytes::from(i.to_string()), &opts))
        .collect();
    let paths = futures::future::try_join_all(creates).await.unwrap();
    assert_call_order(&paths);

    let gets: Vec<_> = paths.iter().map(|p| zk.get(p)).collect();
    let datas = futures::future::try_join_all(gets).await.unwrap();
    for (i, (data, _)) in datas.iter().enumerate() {
        assert_eq!(data.as_ref(), i.to_string().as_bytes());
    }
    // Futures awaited in reverse still see their own replies.
    let sets: Vec<_> = paths
        .iter()
        .take(100)
        .map(|p| zk.set(p, Bytes::from_static(b"x"), Some(0)))
        .collect();
    for s in sets.into_iter().rev() {
        assert_eq!(s.await.unwrap().version, 1);
    }
    zk.close().await;
}

#[tokio::test]
async fn beyond_a_small_bound_ten_thousand_calls_still_go_out_in_call_order() {
    let (zk, _root) = chrooted_client_with("bounded", |b| b.max_in_flight(64)).await;
    zk.ensure_path("/p").await.unwrap();
    let opts = CreateOptions::new().sequential();
    let creates: Vec<_> = (0..10_000usize)
        .map(|i| zk.create("/p/n-", i.to_string(), &opts))
        .collect();
    let paths = futures::future::try_join_all(creates).await.unwrap();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "sequence follows call order");
    let (data, _) = zk.get(&paths[9_999]).await.unwrap();
    assert_eq!(data.as_ref(), b"9999");
    zk.close().await;
}

#[tokio::test]
async fn futures_awaited_against_call_order_do_not_deadlock_behind_the_bound() {
    let (zk, _root) = chrooted_client_with("bound1", |b| b.max_in_flight(1)).await;
    let a = zk.create("/a", b"1", &CreateOptions::new());
    let b = zk.set("/a", b"2", Some(0));
    let c = zk.get("/a");
    // Awaited last first: each was sent in its turn anyway.
    assert_eq!(c.await.unwrap().0.as_ref(), b"2");
    assert_eq!(b.await.unwrap().version, 1);
    assert_eq!(a.await.unwrap(), "/a");
    // A dropped call that waited for the bound is never sent.
    let first = zk.set("/a", b"3", None);
    drop(zk.delete("/a", None));
    first.await.unwrap();
    assert!(zk.exists("/a").await.unwrap().is_some());
    zk.close().await;
    assert!(matches!(zk.get("/a").await, Err(Error::Closed)));
}

#[tokio::test]
async fn the_request_timeout_counts_from_the_call_also_while_waiting_for_the_bound() {
    common::init_tracing();
    let root = common::fresh_root("rtimeout").await;
    let proxy = FaultProxy::start(ZkServer::shared().addr()).unwrap();
    let zk = Client::builder(&format!("{}{}", proxy.connect_string(), root))
        .session_timeout(Duration::from_secs(6))
        .max_in_flight(1)
        .request_timeout(Duration::from_millis(300))
        .connect()
        .await
        .unwrap();
    proxy.set_mode(ProxyMode::Blackhole);
    let t0 = Instant::now();
    let in_flight = zk.create("/sent", b"", &CreateOptions::new());
    let waiting = zk.create("/never", b"", &CreateOptions::new());
    // Polled late: the deadline was set by the call.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(waiting.await, Err(Error::Timeout)));
    assert!(matches!(in_flight.await, Err(Error::Timeout)));
    assert!(t0.elapsed() < Duration::from_secs(2));
    proxy.set_mode(ProxyMode::Pass);
    // The request that was written still reaches the server; the one that timed out while
    // waiting for the bound is never sent.
    common::eventually(Duration::from_secs(10), || async {
        zk.exists("/sent").await.is_ok_and(|s| s.is_some())
    })
    .await;
    assert!(zk.exists("/never").await.unwrap().is_none());
    zk.close().await;
}

#[tokio::test]
async fn a_sliding_window_of_a_thousand_requests_keeps_call_order_and_drains() {
    // Under a deep pipeline the I/O task holds new requests back to write them together;
    // they must still go out in call order, and the last ones once the window drains.
    use futures::StreamExt;
    let (zk, _root) = chrooted_client("window").await;
    zk.ensure_path("/w").await.unwrap();
    let opts = CreateOptions::new().sequential();
    let total = 6_000usize;
    let window = 1_000usize;
    let mut pending = futures::stream::FuturesOrdered::new();
    let mut paths = Vec::with_capacity(total);
    let mut issued = 0;
    let run = async {
        while paths.len() < total {
            while issued < total && pending.len() < window {
                pending.push_back(zk.create("/w/n-", Bytes::from(issued.to_string()), &opts));
                issued += 1;
            }
            paths.push(pending.next().await.unwrap().unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the window drained");
    assert_call_order(&paths);
    // A lone request right after the window is answered at once, not held back.
    let t0 = Instant::now();
    assert!(zk.exists("/w").await.unwrap().is_some());
    assert!(t0.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn small_and_large_frames_and_other_requests_keep_call_order_with_and_without_a_bound() {
    // Small frames are encoded into the I/O task's batch, large ones (over 1 KiB) get their
    // own allocation, and requests beyond the bound wait with frames of their own: one burst
    // of all three kinds, plus requests encoded the general way (sync), must still reach the
    // server in call order, each with its own data.
    for bound in [None, Some(16)] {
        let (zk, _root) = chrooted_client_with("mixed", |b| match bound {
            Some(n) => b.max_in_flight(n),
            None => b,
        })
        .await;
        zk.ensure_path("/m").await.unwrap();
        let opts = CreateOptions::new().sequential();
        let data = |i: usize| -> Bytes {
            let len = if i % 3 == 0 { 2_000 + i } else { i % 50 };
            Bytes::from((0..len).map(|k| (i + k) as u8).collect::<Vec<u8>>())
        };
        let n = 600usize;
        let mut creates = Vec::with_capacity(n);
        let mut syncs = Vec::new();
        for i in 0..n {
            creates.push(zk.create("/m/n-", data(i), &opts));
            if i % 100 == 0 {
                syncs.push(zk.sync("/m"));
            }
        }
        let paths = futures::future::try_join_all(creates).await.unwrap();
        futures::future::try_join_all(syncs).await.unwrap();
        assert_call_order(&paths);
        let gets: Vec<_> = paths.iter().map(|p| zk.get(p)).collect();
        for (i, got) in futures::future::try_join_all(gets)
            .await
            .unwrap()
            .iter()
            .enumerate()
        {
            assert_eq!(got.0, data(i), "data of call {i} (bound {bound:?})");
        }
        zk.close().await;
    }
}

/// The sequence numbers the server gave grow in the order of `paths` (call order).
fn assert_call_order(paths: &[String]) {
    let seqs: Vec<i64> = paths
        .iter()
        .map(|p| p.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "sequence follows call order"
    );
}
