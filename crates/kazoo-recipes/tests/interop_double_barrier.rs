//! A DoubleBarrier with a Python kazoo 2.11 member and a Rust member: neither enters before
//! the other is there, and neither finishes leaving before the other left.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::double_barrier::DoubleBarrier;
use std::sync::Arc;
use std::time::Duration;

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"])
zk.start()
b = zk.DoubleBarrier("/db", 2, identifier="py-member")
print("entering")
b.enter()
print("entered")
sys.stdin.readline()
b.leave()
print("left")
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_members_enter_and_leave_together() {
    let root = fresh_root("interop-dbarrier").await;
    let zk = client_at(&root).await;
    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("entering").await, "entering");

    let b = Arc::new(DoubleBarrier::new(&zk, "/db", 2).with_identifier("rust-member"));
    assert!(b.enter(Some(Duration::from_secs(20))).await.unwrap());
    assert_eq!(py.line_async("entered").await, "entered");
    let mut ids = Vec::new();
    for child in zk.get_children("/db").await.unwrap() {
        if child != "ready" {
            let (data, _) = zk.get(&format!("/db/{child}")).await.unwrap();
            ids.push(String::from_utf8(data.to_vec()).unwrap());
        }
    }
    ids.sort();
    assert_eq!(ids, ["py-member", "rust-member"]);

    let leaving = {
        let b = b.clone();
        tokio::spawn(async move { b.leave(Some(Duration::from_secs(20))).await })
    };
    py.send("go");
    assert_eq!(py.line_async("left").await, "left");
    assert!(leaving.await.unwrap().unwrap());
    py.finish();
    assert!(zk.get_children("/db").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    zk.close().await;
}
