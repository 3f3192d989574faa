//! A SetPartitioner whose members are a Python kazoo 2.11 process and a Rust process: both
//! see the same party, split the set with kazoo's default function without overlap, and the
//! survivor takes everything when the other member finishes.

mod common;

use common::{assert_no_server_watch, assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::partitioner::{PartitionState, SetPartitioner};
use std::sync::Arc;
use std::time::Duration;

/// kazoo's documented usage loop; prints every new acquired set; stops on "stop".
const SCRIPT: &str = r#"
import os, sys, threading
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"])
zk.start()
sys.stdin.readline()
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
qp = zk.SetPartitioner("/part", set=("d", "b", "a", "c"), identifier="py",
                       time_boundary=0.5, max_reaction_time=0.1)
last = None
while not stop.is_set():
    qp.state_change_event.clear()
    if qp.failed:
        break
    elif qp.release:
        qp.release_set()
    elif qp.acquired:
        cur = ",".join(sorted(qp))
        if cur != last:
            print("acquired " + cur)
            last = cur
        qp.state_change_event.wait(0.1)
    else:
        qp.wait_for_acquire(0.1)
qp.finish()
print("finished")
zk.stop()
"#;

/// Waits until the Rust member is Acquired with exactly `want`.
async fn settle(p: &SetPartitioner, want: &[&str]) {
    let mut rx = p.subscribe();
    tokio::time::timeout(
        Duration::from_secs(30),
        rx.wait_for(|s| s.state == PartitionState::Acquired && s.partitions == want),
    )
    .await
    .expect("the rust member settles")
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_members_share_the_set() {
    let root = fresh_root("interop-part").await;
    let zk = client_at(&root).await;
    let rust = Arc::new(
        SetPartitioner::builder(&zk, "/part", ["a", "b", "c", "d"])
            .identifier("rs")
            .time_boundary(Duration::from_millis(500))
            .max_reaction_time(Duration::from_millis(100))
            .start()
            .await
            .unwrap(),
    );
    let driver = {
        let p = rust.clone();
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
    };
    settle(&rust, &["a", "b", "c", "d"]).await;

    let mut py = Py::start(&root, SCRIPT);
    py.send("join");
    // Sorted members ["py", "rs"]: Python takes a and c, Rust b and d.
    settle(&rust, &["b", "d"]).await;
    loop {
        let line = py.line_async("an acquired set").await;
        if line == "acquired a,c" {
            break;
        }
    }
    assert_eq!(rust.partitions(), ["b", "d"]);
    let mut party = zk.get_children("/part/party").await.unwrap();
    party.sort_by_key(|n| n.split_once('-').map(|(_, id)| id.to_owned()));
    assert!(party[0].ends_with("-py") && party[1].ends_with("-rs"));

    // Rust leaves: Python ends up with everything.
    rust.finish().await;
    driver.await.unwrap();
    loop {
        let line = py.line_async("the whole set").await;
        if line == "acquired a,b,c,d" {
            break;
        }
    }
    py.send("stop");
    assert_eq!(py.line_async("finished").await, "finished");
    py.finish();
    assert!(zk.get_children("/part/party").await.unwrap().is_empty());
    for item in ["a", "b", "c", "d"] {
        assert!(zk
            .get_children(&format!("/part/locks/{item}"))
            .await
            .unwrap()
            .is_empty());
    }
    assert_no_server_watch(&zk, "/part/party").await;
    assert_no_watches_under(&root);
    zk.close().await;
}
