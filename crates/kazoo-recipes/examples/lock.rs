//! Locks, as in kazoo's docs: an exclusive lock taken by two workers in turn, a guarded write
//! with the fencing token, a non-blocking try, a timed acquire, a cancelled acquire, and a
//! read/write lock; then the blocking lock from a plain thread.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example lock`

use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::lock::{BlockingLock, Lock, LockError, LockOptions, ReadLock, WriteLock};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), LockError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    zk.ensure_path("/examples/lock").await?;
    let _ = zk
        .create("/examples/lock/report", Vec::new(), &CreateOptions::new())
        .await;

    // Two workers take turns; each writes the report only while it holds the lock, in a
    // transaction that also checks its lock node (a fenced write).
    let mut workers = Vec::new();
    for name in ["alpha", "beta"] {
        let lock = Lock::with_options(&zk, "/examples/lock/l", LockOptions::new().identifier(name));
        workers.push(tokio::spawn(async move {
            let guard = lock.acquire().await?;
            println!("{name}: holding with token {}", guard.token());
            let mut t = guard.grant().transaction();
            t.set_data(
                "/examples/lock/report",
                format!("written by {name}").into_bytes(),
                None,
            );
            t.commit().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            guard.release().await?;
            println!("{name}: released");
            Ok::<_, LockError>(())
        }));
    }
    for w in workers {
        w.await.expect("worker")?;
    }

    // Non-blocking and timed acquires while someone else holds the lock.
    let holder = Lock::with_options(
        &zk,
        "/examples/lock/l",
        LockOptions::new().identifier("holder"),
    );
    let other = Lock::with_options(
        &zk,
        "/examples/lock/l",
        LockOptions::new().identifier("other"),
    );
    let held = holder.acquire().await?;
    println!("contenders: {:?}", holder.contenders().await?);
    println!(
        "try_acquire while held: {:?}",
        other.try_acquire().await?.is_some()
    );
    match other.acquire_timeout(Duration::from_millis(300)).await {
        Err(e) if e.is_timeout() => println!("acquire_timeout: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    // A pending acquire cancelled from another task.
    let waiter = other.clone();
    let pending = tokio::spawn(async move { waiter.acquire().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    other.cancel();
    println!("cancelled: {:?}", pending.await.expect("task").err());
    held.release().await?;

    // Readers share, a writer waits for them.
    let r1 = ReadLock::new(&zk, "/examples/lock/rw").acquire().await?;
    let r2 = ReadLock::new(&zk, "/examples/lock/rw").acquire().await?;
    let writer = WriteLock::new(&zk, "/examples/lock/rw");
    println!(
        "writer while two readers hold: {:?}",
        writer.try_acquire().await?.is_some()
    );
    r1.release().await?;
    r2.release().await?;
    writer.acquire().await?.release().await?;
    println!("writer done");

    // The blocking lock, from a plain thread with a blocking client.
    let hosts2 = hosts.clone();
    std::thread::spawn(move || -> Result<(), LockError> {
        let zk = kazoo_client::blocking::Client::connect(&hosts2)?;
        let lock = BlockingLock::new(&zk, "/examples/lock/l");
        let guard = lock.acquire()?;
        println!("blocking: holding with token {}", guard.token());
        guard.release()?;
        zk.close();
        Ok(())
    })
    .join()
    .expect("thread")?;

    zk.close().await;
    Ok(())
}
