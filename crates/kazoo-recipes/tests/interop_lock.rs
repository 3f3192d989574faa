//! Locks shared with Python kazoo 2.11 processes: mutual exclusion of a Rust and a Python
//! holder in both directions, and read/write lock interplay across the two. Python prints one
//! line per event; the test reads them (no sleeps).

mod common;
mod lock_common;

use common::*;
use kazoo_recipes::lock::{Lock, LockOptions, ReadLock, WriteLock};
use lock_common::*;

const PRELUDE: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"], timeout=10.0)
zk.start()
def say(*words):
    print(*words, flush=True)
def expect(command):
    line = sys.stdin.readline().strip()
    assert line == command, "expected %r, got %r" % (command, line)
"#;

const EXCLUSIVE: &str = r#"
lock = zk.Lock("/lock", "py")
say("TRY", lock.acquire(blocking=False))
say("CONTENDERS", ",".join(lock.contenders()))
say("WAITING")
lock.acquire()
say("ACQUIRED", ",".join(lock.contenders()))
expect("release")
lock.release()
say("RELEASED")
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_lock_excludes_rust_and_python_holders_both_ways() {
    let root = fresh_root("interop-lock").await;
    let zk = client_at(&root).await;
    let lock = Lock::with_options(&zk, "/lock", LockOptions::new().identifier("rust"));
    let guard = lock.acquire().await.unwrap();

    // Rust holds: Python cannot take it and queues behind Rust.
    let mut py = Py::start(&root, &format!("{PRELUDE}{EXCLUSIVE}"));
    assert_eq!(py.line_async("try").await, "TRY False");
    assert_eq!(py.line_async("contenders").await, "CONTENDERS rust");
    assert_eq!(py.line_async("waiting").await, "WAITING");
    eventually("python queues", || async {
        lock.contenders().await.unwrap().len() == 2
    })
    .await;
    assert_eq!(lock.contenders().await.unwrap(), ["rust", "py"]);
    guard.release().await.unwrap();
    assert_eq!(py.line_async("acquired").await, "ACQUIRED py");

    // Python holds: Rust cannot take it and queues behind Python.
    assert!(lock.try_acquire().await.unwrap().is_none());
    let waiter = lock.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("rust queues", || async {
        lock.contenders().await.unwrap() == ["py", "rust"]
    })
    .await;
    assert!(!pending.is_finished(), "python still holds the lock");
    py.send("release");
    assert_eq!(py.line_async("released").await, "RELEASED");
    let guard = within("rust's grant", pending).await.unwrap().unwrap();
    guard.release().await.unwrap();
    tokio::task::block_in_place(|| py.finish());
    assert!(children(&zk, "/lock").await.is_empty());
    assert_no_watches_under(&root);
}

const READ_WRITE: &str = r#"
w = zk.WriteLock("/rw", "pyw")
r = zk.ReadLock("/rw", "pyr")
w.acquire()
say("W_ACQUIRED")
expect("release-w")
w.release()
say("W_RELEASED")
expect("read")
say("R_TRY", r.acquire(blocking=False))
expect("release-r")
r.release()
say("R_RELEASED")
expect("write")
say("W_WAITING")
w.acquire()
say("W_ACQUIRED", ",".join(w.contenders()))
expect("release-w")
w.release()
say("W_RELEASED")
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_read_write_locks_work_across_rust_and_python() {
    let root = fresh_root("interop-rw").await;
    let zk = client_at(&root).await;
    let reader = ReadLock::with_options(&zk, "/rw", LockOptions::new().identifier("rr"));
    let writer = WriteLock::with_options(&zk, "/rw", LockOptions::new().identifier("rw"));

    // A Python writer excludes a Rust reader.
    let mut py = Py::start(&root, &format!("{PRELUDE}{READ_WRITE}"));
    assert_eq!(py.line_async("write lock").await, "W_ACQUIRED");
    assert!(reader.try_acquire().await.unwrap().is_none());
    let waiter = reader.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    eventually("the rust reader queues", || async {
        reader.contenders().await.unwrap() == ["pyw", "rr"]
    })
    .await;
    py.send("release-w");
    assert_eq!(py.line_async("write release").await, "W_RELEASED");
    let read_guard = within("the rust reader", pending).await.unwrap().unwrap();

    // A Rust reader and a Python reader share the lock; a Rust writer waits for both.
    py.send("read");
    assert_eq!(py.line_async("read lock").await, "R_TRY True");
    assert!(writer.try_acquire().await.unwrap().is_none());
    py.send("release-r");
    assert_eq!(py.line_async("read release").await, "R_RELEASED");

    // A Python writer waits for the Rust reader, then excludes a Rust writer.
    py.send("write");
    assert_eq!(py.line_async("write wait").await, "W_WAITING");
    eventually("the python writer queues", || async {
        reader.contenders().await.unwrap() == ["rr", "pyw"]
    })
    .await;
    read_guard.release().await.unwrap();
    assert_eq!(py.line_async("write lock").await, "W_ACQUIRED pyw");
    assert!(writer.try_acquire().await.unwrap().is_none());
    assert!(reader.try_acquire().await.unwrap().is_none());
    py.send("release-w");
    assert_eq!(py.line_async("write release").await, "W_RELEASED");
    writer.acquire().await.unwrap().release().await.unwrap();
    tokio::task::block_in_place(|| py.finish());
    assert!(children(&zk, "/rw").await.is_empty());
    assert_no_watches_under(&root);
}
