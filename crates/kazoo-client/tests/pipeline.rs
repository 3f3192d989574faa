//! 10,000 requests in flight at once complete in call order and intact.

mod common;

use bytes::Bytes;
use common::chrooted_client;
use kazoo_client::CreateOptions;

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
    let seqs: Vec<i64> = paths
        .iter()
        .map(|p| p.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "sequence follows call order"
    );

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
