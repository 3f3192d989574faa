//! Queues shared with Python kazoo 2.11: a Queue filled by Python and drained by Rust in
//! kazoo's priority order, one filled by Rust and drained by Python, and a LockingQueue whose
//! entries are taken, held, released and consumed by both.

mod common;

use common::{assert_no_server_watch, assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::locking_queue::LockingQueue;
use kazoo_recipes::queue::{Queue, DEFAULT_PRIORITY};
use std::time::Duration;

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"])
zk.start()
q = zk.Queue("/q")
for value, prio in [("p0", 100), ("p1", 5), ("p2", 100), ("p3", 999)]:
    q.put(value.encode(), priority=prio)
print("filled")
sys.stdin.readline()
r = zk.Queue("/r")
out = []
while True:
    v = r.get()
    if v is None:
        break
    out.append(v.decode())
print("drained " + ",".join(out))
lq = zk.LockingQueue("/lq")
lq.put_all([b"l0", b"l1"], priority=50)
lq.put(b"l2", priority=10)
v = lq.get(5)
print("holds " + v.decode())
sys.stdin.readline()
lq.release()
print("released")
sys.stdin.readline()
v = lq.get(5)
print("got " + v.decode())
print("consumed %s" % lq.consume())
print("len %d" % len(lq))
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_filled_by_one_side_are_drained_by_the_other() {
    let root = fresh_root("interop-queue").await;
    let zk = client_at(&root).await;
    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("filled").await, "filled");

    let q = Queue::new(&zk, "/q");
    let mut drained = Vec::new();
    while let Some(v) = q.get().await.unwrap() {
        drained.push(String::from_utf8(v.to_vec()).unwrap());
    }
    assert_eq!(drained, ["p1", "p0", "p2", "p3"]);

    let r = Queue::new(&zk, "/r");
    r.put(b"r0".to_vec(), DEFAULT_PRIORITY).await.unwrap();
    r.put(b"r1".to_vec(), 1).await.unwrap();
    r.put_all([b"r2".to_vec(), b"r3".to_vec()], DEFAULT_PRIORITY)
        .await
        .unwrap();
    py.send("go");
    assert_eq!(py.line_async("drained").await, "drained r1,r0,r2,r3");

    // Python holds l2 (the most urgent); Rust takes the others around it.
    assert_eq!(py.line_async("holds").await, "holds l2");
    let lq = LockingQueue::new(&zk, "/lq");
    let short = Some(Duration::from_millis(200));
    for want in [&b"l0"[..], &b"l1"[..]] {
        assert_eq!(lq.get(short).await.unwrap().as_deref(), Some(want));
        assert!(lq.consume().await.unwrap());
    }
    assert_eq!(lq.get(short).await.unwrap(), None, "l2 is Python's");
    py.send("go");
    assert_eq!(py.line_async("released").await, "released");
    assert_eq!(
        lq.get(Some(Duration::from_secs(20)))
            .await
            .unwrap()
            .as_deref(),
        Some(&b"l2"[..])
    );
    assert!(lq.holds_lock().await.unwrap());
    assert!(lq.consume().await.unwrap());
    lq.put(b"from-rust".to_vec(), 1).await.unwrap();
    py.send("go");
    assert_eq!(py.line_async("got").await, "got from-rust");
    assert_eq!(py.line_async("consumed").await, "consumed True");
    assert_eq!(py.line_async("len").await, "len 0");
    py.finish();

    assert!(zk.get_children("/lq/taken").await.unwrap().is_empty());
    assert_no_server_watch(&zk, "/lq/entries").await;
    assert_no_server_watch(&zk, "/lq/taken").await;
    assert_no_watches_under(&root);
    zk.close().await;
}
