//! DoubleBarrier against a real server: members enter only together and leave only together,
//! the znode layout, timeouts on both sides, the blocking form, and nothing left behind.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, wait_for_watch};
use kazoo_client::Client;
use kazoo_recipes::double_barrier::{BlockingDoubleBarrier, DoubleBarrier};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const T: Duration = Duration::from_secs(20);

fn enter(b: &Arc<DoubleBarrier>) -> JoinHandle<bool> {
    let b = b.clone();
    tokio::spawn(async move { b.enter(Some(T)).await.unwrap() })
}

fn leave(b: &Arc<DoubleBarrier>) -> JoinHandle<bool> {
    let b = b.clone();
    tokio::spawn(async move { b.leave(Some(T)).await.unwrap() })
}

async fn clients(root: &str, n: usize) -> Vec<Client> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(client_at(root).await);
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_enter_together_and_leave_together() {
    let root = fresh_root("dbarrier").await;
    let zks = clients(&root, 3).await;
    let members: Vec<_> = zks
        .iter()
        .enumerate()
        .map(|(i, zk)| {
            Arc::new(DoubleBarrier::new(zk, "/sync", 3).with_identifier(&format!("member-{i}")))
        })
        .collect();

    // Two of three in: both wait for the `ready` node.
    let first = enter(&members[0]);
    let second = enter(&members[1]);
    wait_for_watch(&format!("{root}/sync/ready")).await;
    let observer = &zks[0];
    while observer.get_children("/sync").await.unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!first.is_finished() && !second.is_finished());
    assert!(observer.exists("/sync/ready").await.unwrap().is_none());

    // Layout: `{path}/{uuid}` ephemeral with the identifier as data.
    let node = members[0].node_path();
    let (data, stat) = observer.get(&node).await.unwrap();
    assert_eq!(&data[..], b"member-0");
    assert_ne!(stat.ephemeral_owner, 0);
    let name = node.rsplit('/').next().unwrap();
    assert!(name.len() == 32 && name.chars().all(|c| c.is_ascii_hexdigit()));

    assert!(enter(&members[2]).await.unwrap());
    assert!(first.await.unwrap() && second.await.unwrap());
    assert!(members.iter().all(|m| m.participating()));
    let (ready, _) = observer.get("/sync/ready").await.unwrap();
    assert!(ready.is_empty());

    // Two of three leave: they wait for the third.
    let mut leaving: Vec<_> = members[..2].iter().map(leave).collect();
    while observer.exists("/sync/ready").await.unwrap().is_some()
        || common::watched_paths_under(&format!("{root}/sync")).is_empty()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(leaving.iter().all(|h| !h.is_finished()));
    leaving.push(leave(&members[2]));
    for h in leaving {
        assert!(h.await.unwrap());
    }
    assert!(observer.get_children("/sync").await.unwrap().is_empty());
    assert!(members.iter().all(|m| !m.participating()));
    assert_no_watches_under(&root);
    for zk in zks {
        zk.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_times_out_and_takes_its_node_away() {
    let root = fresh_root("dbarrier-to").await;
    let zk = client_at(&root).await;
    let b = DoubleBarrier::new(&zk, "/sync", 2);
    let started = std::time::Instant::now();
    assert!(!b.enter(Some(Duration::from_millis(300))).await.unwrap());
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(!b.participating());
    assert!(zk.get_children("/sync").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_times_out_while_a_member_stays_then_the_last_one_leaves() {
    let root = fresh_root("dbarrier-lto").await;
    let zks = clients(&root, 2).await;
    let a = Arc::new(DoubleBarrier::new(&zks[0], "/sync", 2));
    let b = Arc::new(DoubleBarrier::new(&zks[1], "/sync", 2));
    let ea = enter(&a);
    assert!(enter(&b).await.unwrap() && ea.await.unwrap());
    // Whichever is lowest, `a` cannot finish leaving while `b` stays; giving up removes its
    // node so that `b` is not held up.
    assert!(!a.leave(Some(Duration::from_millis(300))).await.unwrap());
    assert!(zks[0].exists(&a.node_path()).await.unwrap().is_none());
    assert!(b.leave(Some(T)).await.unwrap());
    assert!(zks[0].get_children("/sync").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    for zk in zks {
        zk.close().await;
    }
}

#[test]
fn blocking_members_enter_and_leave_together() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("dbarrier-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let hosts = hosts.clone();
            std::thread::spawn(move || {
                let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
                let b = BlockingDoubleBarrier::new(&zk, "/sync", 2)
                    .with_identifier(&format!("thread-{i}"));
                assert!(b.enter(Some(T)).unwrap());
                assert!(b.participating());
                assert!(b.leave(Some(T)).unwrap());
                zk
            })
        })
        .collect();
    let zks: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(zks[0].get_children("/sync").unwrap().is_empty());
    assert_no_watches_under(&root);
    for zk in zks {
        zk.close();
    }
}
