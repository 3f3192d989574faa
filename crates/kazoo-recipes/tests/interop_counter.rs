//! Counters shared with Python kazoo 2.11: an integer counter incremented by both at the same
//! time loses no increment, a float counter's text reads the same on both sides, and the
//! Curator mode agrees with kazoo's `support_curator=True`.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::counter::{Counter, CounterValue};
use std::sync::Arc;

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"],
                 command_retry={"max_tries": -1, "delay": 0.005, "max_delay": 0.05})
zk.start()
c = zk.Counter("/count")
c.value
print("ready")
sys.stdin.readline()
for _ in range(50):
    c += 1
print("done")
sys.stdin.readline()
print("value %r" % c.value)
f = zk.Counter("/float", default=0.0)
f += 0.5
f += 2.25
print("float %r" % f.value)
sys.stdin.readline()
print("float %r" % f.value)
cur = zk.Counter("/curator", support_curator=True)
cur += 5
print("curator %r" % cur.value)
sys.stdin.readline()
print("curator %r" % cur.value)
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_incremented_by_both_sides() {
    let root = fresh_root("interop-counter").await;
    let zk = client_at(&root).await;
    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("ready").await, "ready");

    // Both increment at once: 50 from Python, 50 from two Rust tasks.
    py.send("go");
    let rust: Vec<_> = (0..2)
        .map(|_| {
            let c = Arc::new(Counter::new(&zk, "/count"));
            tokio::spawn(async move {
                for _ in 0..25 {
                    c.add(1).await.unwrap();
                }
            })
        })
        .collect();
    for t in rust {
        t.await.unwrap();
    }
    assert_eq!(py.line_async("done").await, "done");
    assert_eq!(Counter::new(&zk, "/count").value().await.unwrap(), 100);
    py.send("go");
    assert_eq!(py.line_async("value").await, "value 100");

    assert_eq!(py.line_async("float").await, "float 2.75");
    let f = Counter::with_default(&zk, "/float", 0.0);
    assert_eq!(f.value().await.unwrap(), 2.75);
    let post = f.add(0.1).await.unwrap();
    py.send("go");
    assert_eq!(
        py.line_async("float").await,
        format!("float {}", post.to_repr())
    );

    assert_eq!(py.line_async("curator").await, "curator 5");
    let cur = Counter::new(&zk, "/curator").curator();
    assert_eq!(cur.value().await.unwrap(), 5);
    assert_eq!(cur.subtract(8).await.unwrap(), -3);
    py.send("go");
    assert_eq!(py.line_async("curator").await, "curator -3");
    py.finish();
    assert_no_watches_under(&root);
    zk.close().await;
}
