//! SetPartitioner, as in kazoo's docs: two workers divide a set of queues between them and
//! follow kazoo's state loop (release when asked, work while acquired).
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example partitioner`

use kazoo_client::Client;
use kazoo_recipes::partitioner::{PartitionState, PartitionerError, SetPartitioner};
use std::time::Duration;

async fn worker(zk: Client, name: &'static str) -> Result<(), PartitionerError> {
    let qp = SetPartitioner::builder(
        &zk,
        "/examples/work_queues",
        ["queue-1", "queue-2", "queue-3"],
    )
    .identifier(name)
    .time_boundary(Duration::from_secs(1))
    .start()
    .await?;
    loop {
        let status = qp.status();
        match status.state {
            PartitionState::Failure => break,
            PartitionState::Release => qp.release_set().await,
            PartitionState::Acquired => {
                println!("{name}: working on {:?}", status.partitions);
                // For the demo: a share that stayed the same for 3 s is done.
                let quiet = qp
                    .wait_for_change(status.state_id, Some(Duration::from_secs(3)))
                    .await
                    .is_none();
                if quiet {
                    qp.finish().await;
                }
            }
            PartitionState::Allocating => {
                qp.wait_for_acquire(Some(Duration::from_secs(30))).await;
            }
        }
    }
    println!("{name}: finished");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), PartitionerError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    let a = tokio::spawn(worker(zk.clone(), "worker-a"));
    let b = tokio::spawn(worker(zk.clone(), "worker-b"));
    a.await.expect("worker a")?;
    b.await.expect("worker b")?;
    zk.delete_recursive("/examples/work_queues").await?;
    zk.close().await;
    Ok(())
}
