//! Queue and LockingQueue, as in kazoo's docs: a producer puts tasks with priorities, a
//! consumer takes them; the locking queue keeps an entry until it is consumed.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example queue`

use kazoo_client::Client;
use kazoo_recipes::locking_queue::LockingQueue;
use kazoo_recipes::queue::{Queue, QueueError, DEFAULT_PRIORITY};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), QueueError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    let tasks = Queue::new(&zk, "/examples/queue/tasks");
    tasks
        .put(
            &br#"{"task": "process_data", "file": "a.csv"}"#[..],
            DEFAULT_PRIORITY,
        )
        .await?;
    tasks.put(&br#"{"task": "urgent"}"#[..], 1).await?;
    while let Some(task) = tasks.get_wait(Some(Duration::from_millis(500))).await? {
        println!("processing {}", String::from_utf8_lossy(&task));
    }

    let jobs = LockingQueue::new(&zk, "/examples/queue/jobs");
    jobs.put_all([b"job-1".to_vec(), b"job-2".to_vec()], DEFAULT_PRIORITY)
        .await?;
    while let Some(job) = jobs.get(Some(Duration::from_millis(500))).await? {
        println!("working on {}", String::from_utf8_lossy(&job));
        // Only a holder of the entry's lock removes it; a crash here leaves it queued.
        jobs.consume().await?;
    }

    zk.delete_recursive("/examples/queue").await?;
    zk.close().await;
    Ok(())
}
