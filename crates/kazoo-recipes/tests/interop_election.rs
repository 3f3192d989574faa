//! An election with Rust and Python kazoo 2.11 candidates: they are elected in the order they
//! joined, whatever their language, and see each other as contenders.

mod common;
mod lock_common;

use common::*;
use kazoo_recipes::election::Election;
use lock_common::*;
use tokio::sync::oneshot;

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"], timeout=10.0)
zk.start()
def say(*words):
    print(*words, flush=True)
e = zk.Election("/election", "py")
say("JOINING")
def lead():
    say("LEADING", ",".join(e.contenders()))
    line = sys.stdin.readline().strip()
    assert line == "stepdown", line
e.run(lead)
say("DONE")
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_election_orders_rust_and_python_candidates() {
    let root = fresh_root("interop-election").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let first = Election::new(&a, "/election", "r1");
    let second = Election::new(&b, "/election", "r2");

    let (elected_tx, elected) = oneshot::channel();
    let (step_down, step_down_rx) = oneshot::channel::<()>();
    let e1 = first.clone();
    let run1 = tokio::spawn(async move {
        e1.run(|grant| async move {
            elected_tx.send(grant.token()).unwrap();
            step_down_rx.await.unwrap();
        })
        .await
    });
    let t1 = within("r1 elected", elected).await.unwrap();

    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("joining").await, "JOINING");
    eventually("python is a candidate", || async {
        first.contenders().await.unwrap().len() == 2
    })
    .await;
    let (elected2_tx, elected2) = oneshot::channel();
    let e2 = second.clone();
    let run2 = tokio::spawn(async move {
        e2.run(|grant| async move {
            elected2_tx.send(grant.token()).unwrap();
        })
        .await
    });
    eventually("r2 is a candidate", || async {
        first.contenders().await.unwrap().len() == 3
    })
    .await;
    assert_eq!(first.contenders().await.unwrap(), ["r1", "py", "r2"]);

    step_down.send(()).unwrap();
    within("r1 steps down", run1).await.unwrap().unwrap();
    assert_eq!(py.line_async("python leads").await, "LEADING py,r2");
    assert!(!second.is_leader(), "python leads now");
    assert_eq!(second.contenders().await.unwrap(), ["py", "r2"]);
    py.send("stepdown");
    assert_eq!(py.line_async("done").await, "DONE");
    let t2 = within("r2 elected", elected2).await.unwrap();
    assert!(t2 > t1);
    within("r2 steps down", run2).await.unwrap().unwrap();
    tokio::task::block_in_place(|| py.finish());
    assert!(children(&a, "/election").await.is_empty());
    assert_no_watches_under(&root);
}
