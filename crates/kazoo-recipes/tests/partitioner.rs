//! SetPartitioner against a real server: kazoo's layout (party, item locks), the default and
//! a custom partition function, rebalancing through Release when members come and go, a
//! lost item lock, session loss, finish, the blocking form, and nothing left behind.

mod common;

use common::{
    assert_no_server_watch, assert_no_watches_under, client_at, expire_session, fresh_root,
    proxied_client_at,
};
use kazoo_client::Client;
use kazoo_recipes::partitioner::{
    BlockingSetPartitioner, PartitionState, PartitionerError, SetPartitioner,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const T: Duration = Duration::from_secs(30);
const ITEMS: [&str; 4] = ["q4", "q2", "q1", "q3"];

async fn start(zk: &Client, id: &str) -> Arc<SetPartitioner> {
    Arc::new(
        SetPartitioner::builder(zk, "/work", ITEMS)
            .identifier(id)
            .time_boundary(Duration::from_millis(300))
            .max_reaction_time(Duration::from_millis(100))
            .start()
            .await
            .unwrap(),
    )
}

/// kazoo's usage loop: release when asked, until the partitioner fails.
fn drive(p: &Arc<SetPartitioner>) -> JoinHandle<()> {
    let p = p.clone();
    tokio::spawn(async move {
        loop {
            let s = p.status();
            match s.state {
                PartitionState::Failure => return,
                PartitionState::Release => p.release_set().await,
                _ => {
                    p.wait_for_change(s.state_id, None).await;
                }
            }
        }
    })
}

/// Waits until `p` is Acquired with exactly `want`.
async fn acquired_with(p: &SetPartitioner, want: &[&str]) {
    let mut rx = p.subscribe();
    tokio::time::timeout(
        T,
        rx.wait_for(|s| s.state == PartitionState::Acquired && s.partitions == want),
    )
    .await
    .unwrap_or_else(|_| panic!("never acquired {want:?}; now {:?}", p.status()))
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_member_takes_every_item_and_finish_cleans_up() {
    let root = fresh_root("part-one").await;
    let zk = client_at(&root).await;
    let p = start(&zk, "solo").await;
    assert!(p.wait_for_acquire(Some(T)).await);
    assert_eq!(p.partitions(), ["q1", "q2", "q3", "q4"]);
    assert_eq!(p.status().state_id, 1, "Allocating -> Acquired");

    // Layout: ShallowParty `{uuid}-solo` under party, a kazoo lock per item.
    let party = zk.get_children("/work/party").await.unwrap();
    assert_eq!(party.len(), 1);
    assert!(party[0].ends_with("-solo") && party[0].len() == 32 + 1 + 4);
    let mut locks = zk.get_children("/work/locks").await.unwrap();
    locks.sort();
    assert_eq!(locks, ["q1", "q2", "q3", "q4"]);
    for (item, grant) in p.grants() {
        let contenders = zk
            .get_children(&format!("/work/locks/{item}"))
            .await
            .unwrap();
        assert_eq!(contenders.len(), 1);
        assert!(contenders[0].contains("__lock__"));
        assert_eq!(Some(grant.token()), p.token(&item));
    }

    p.finish().await;
    assert!(p.is_failed());
    assert!(p.partitions().is_empty() && p.grants().is_empty());
    assert!(zk.get_children("/work/party").await.unwrap().is_empty());
    for item in ["q1", "q2", "q3", "q4"] {
        assert!(zk
            .get_children(&format!("/work/locks/{item}"))
            .await
            .unwrap()
            .is_empty());
    }
    assert!(!p.wait_for_acquire(Some(T)).await, "Failure is final");
    assert_no_server_watch(&zk, "/work/party").await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_split_the_set_and_rebalance_when_one_leaves() {
    let root = fresh_root("part-two").await;
    let zka = client_at(&root).await;
    let zkb = client_at(&root).await;
    let a = start(&zka, "a").await;
    let da = drive(&a);
    acquired_with(&a, &["q1", "q2", "q3", "q4"]).await;

    let b = start(&zkb, "b").await;
    let db = drive(&b);
    acquired_with(&a, &["q1", "q3"]).await;
    acquired_with(&b, &["q2", "q4"]).await;

    // `a` went through Release (the party changed) and Allocating again.
    assert!(a.status().state_id >= 4, "{:?}", a.status());

    b.finish().await;
    db.await.unwrap();
    acquired_with(&a, &["q1", "q2", "q3", "q4"]).await;
    a.finish().await;
    da.await.unwrap();
    assert_no_server_watch(&zka, "/work/party").await;
    assert_no_server_watch(&zkb, "/work/party").await;
    assert_no_watches_under(&root);
    zka.close().await;
    zkb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_partition_function_decides_the_shares() {
    let root = fresh_root("part-custom").await;
    let zka = client_at(&root).await;
    let zkb = client_at(&root).await;
    let everything_to_the_first = |me: &str, members: &[String], items: &[String]| {
        let first = members.iter().min();
        if first.map(String::as_str) == Some(me) {
            items.to_vec()
        } else {
            Vec::new()
        }
    };
    let make = |zk: Client, id: &'static str| async move {
        Arc::new(
            SetPartitioner::builder(&zk, "/work", ITEMS)
                .identifier(id)
                .time_boundary(Duration::from_millis(300))
                .max_reaction_time(Duration::from_millis(100))
                .partition_func(everything_to_the_first)
                .start()
                .await
                .unwrap(),
        )
    };
    let b = make(zkb.clone(), "b").await;
    let a = make(zka.clone(), "a").await;
    let (da, db) = (drive(&a), drive(&b));
    acquired_with(&a, &["q1", "q2", "q3", "q4"]).await;
    acquired_with(&b, &[]).await;
    a.finish().await;
    b.finish().await;
    da.await.unwrap();
    db.await.unwrap();
    assert_no_watches_under(&root);
    zka.close().await;
    zkb.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_item_lock_asks_for_a_release() {
    let root = fresh_root("part-lost").await;
    let zk = client_at(&root).await;
    let admin = client_at(&root).await;
    let p = start(&zk, "solo").await;
    assert!(p.wait_for_acquire(Some(T)).await);
    let acquired_id = p.status().state_id;
    let mut changes = p.subscribe();
    let node = admin.get_children("/work/locks/q2").await.unwrap();
    admin
        .delete(&format!("/work/locks/q2/{}", node[0]), None)
        .await
        .unwrap();
    let s = tokio::time::timeout(T, changes.wait_for(|s| s.state_id > acquired_id))
        .await
        .unwrap()
        .unwrap()
        .clone();
    assert_eq!(s.state, PartitionState::Release);
    assert!(s.partitions.is_empty());
    p.release_set().await;
    assert!(p.wait_for_acquire(Some(T)).await);
    assert_eq!(p.partitions().len(), 4);
    p.finish().await;
    assert_no_watches_under(&root);
    zk.close().await;
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_loss_fails_the_partitioner() {
    let root = fresh_root("part-expiry").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let p = start(&zk, "solo").await;
    assert!(p.wait_for_acquire(Some(T)).await);
    let mut changes = p.subscribe();
    expire_session(&zk, &proxy).await;
    tokio::time::timeout(T, changes.wait_for(|s| s.state == PartitionState::Failure))
        .await
        .unwrap()
        .unwrap();
    let observer = client_at(&root).await;
    assert!(observer
        .get_children("/work/party")
        .await
        .unwrap()
        .is_empty());
    assert!(observer
        .get_children("/work/locks/q1")
        .await
        .unwrap()
        .is_empty());
    p.finish().await;
    zk.close().await;
    observer.close().await;
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_must_be_node_names() {
    let root = fresh_root("part-bad").await;
    let zk = client_at(&root).await;
    let r = SetPartitioner::builder(&zk, "/work", ["ok", "a/b"])
        .start()
        .await;
    assert!(matches!(r, Err(PartitionerError::InvalidItem(i)) if i == "a/b"));
    zk.close().await;
}

#[test]
fn blocking_partitioner() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("part-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let p = BlockingSetPartitioner::start(
        &zk,
        SetPartitioner::builder(zk.as_async(), "/work", ["x", "y"])
            .identifier("me")
            .time_boundary(Duration::from_millis(200)),
    )
    .unwrap();
    assert!(p.wait_for_acquire(Some(T)));
    assert_eq!(p.partitions(), ["x", "y"]);
    assert_eq!(p.state(), PartitionState::Acquired);
    let seen = p.status().state_id;
    assert!(p
        .wait_for_change(seen, Some(Duration::from_millis(100)))
        .is_none());
    p.finish();
    assert_eq!(p.state(), PartitionState::Failure);
    assert_no_watches_under(&root);
    zk.close();
}
