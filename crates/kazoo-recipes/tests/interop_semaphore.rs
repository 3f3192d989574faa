//! A semaphore shared with Python kazoo 2.11: leases of both are counted together, waiters of
//! each are served when the other releases, and both refuse a different stored maximum.

mod common;
mod lock_common;

use common::*;
use kazoo_recipes::lock::{Lock, LockError};
use kazoo_recipes::semaphore::{Semaphore, SemaphoreOptions};
use lock_common::*;

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"], timeout=10.0)
zk.start()
def say(*words):
    print(*words, flush=True)
def expect(command):
    line = sys.stdin.readline().strip()
    assert line == command, "expected %r, got %r" % (command, line)
s1 = zk.Semaphore("/sem", "py1", max_leases=2)
s1.acquire()
say("S1_ACQUIRED")
expect("try")
s2 = zk.Semaphore("/sem", "py2", max_leases=2)
say("S2_TRY", s2.acquire(blocking=False))
say("HOLDERS", ",".join(sorted(s1.lease_holders())))
expect("release")
s1.release()
say("S1_RELEASED")
expect("wait")
say("S2_WAITING")
s2.acquire()
say("S2_ACQUIRED")
expect("release2")
s2.release()
say("S2_RELEASED")
for path, leases in [("/sem", 3), ("/sem-rust", 5)]:
    try:
        zk.Semaphore(path, "bad", max_leases=leases).acquire()
        say("ACCEPTED", path)
    except ValueError:
        say("REFUSED", path)
zk.stop()
"#;

fn sem(zk: &kazoo_client::Client, id: &str) -> Semaphore {
    Semaphore::with_options(zk, "/sem", SemaphoreOptions::new(2).identifier(id))
}

async fn guard_lock_waiters(zk: &kazoo_client::Client) -> Vec<String> {
    Lock::new(zk, "/sem-__lock__").contenders().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_semaphore_counts_rust_and_python_leases_together() {
    let root = fresh_root("interop-sem").await;
    let zk = client_at(&root).await;
    let (ra, rb) = (sem(&zk, "ra"), sem(&zk, "rb"));
    // A semaphore created by Rust, for Python's max-leases check.
    Semaphore::new(&zk, "/sem-rust", 4)
        .acquire()
        .await
        .unwrap()
        .release()
        .await
        .unwrap();

    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("s1").await, "S1_ACQUIRED");
    let ga = ra.acquire().await.expect("the second of two leases");
    assert!(
        rb.try_acquire().await.unwrap().is_none(),
        "python + rust = 2"
    );
    py.send("try");
    assert_eq!(py.line_async("s2 try").await, "S2_TRY False");
    assert_eq!(py.line_async("holders").await, "HOLDERS py1,ra");
    let mut holders = rb.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["py1", "ra"]);

    // A Rust waiter is served when Python releases.
    let waiter = rb.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("rb waits", || async {
        guard_lock_waiters(&zk).await == ["b'rb'"]
    })
    .await;
    py.send("release");
    assert_eq!(py.line_async("s1 release").await, "S1_RELEASED");
    let gb = within("rb's lease", pending).await.unwrap().unwrap();

    // A Python waiter is served when Rust releases. Guard lock contenders carry the data
    // kazoo 2.11 writes there: Python's repr of the identifier's bytes.
    py.send("wait");
    assert_eq!(py.line_async("s2 wait").await, "S2_WAITING");
    eventually("py2 waits", || async {
        guard_lock_waiters(&zk).await == ["b'py2'"]
    })
    .await;
    ga.release().await.unwrap();
    assert_eq!(py.line_async("s2").await, "S2_ACQUIRED");
    let mut holders = ra.lease_holders().await.unwrap();
    holders.sort();
    assert_eq!(holders, ["py2", "rb"]);
    py.send("release2");
    assert_eq!(py.line_async("s2 release").await, "S2_RELEASED");
    gb.release().await.unwrap();

    // Both sides refuse a maximum that differs from the stored one.
    assert_eq!(py.line_async("check").await, "REFUSED /sem");
    assert_eq!(py.line_async("check").await, "REFUSED /sem-rust");
    let err = Semaphore::new(&zk, "/sem", 3).acquire().await.unwrap_err();
    assert!(
        matches!(err, LockError::InconsistentMaxLeases { stored: 2, .. }),
        "{err}"
    );
    tokio::task::block_in_place(|| py.finish());
    assert!(children(&zk, "/sem").await.is_empty());
    assert!(children(&zk, "/sem-__lock__").await.is_empty());
    assert_no_watches_under(&root);
}
