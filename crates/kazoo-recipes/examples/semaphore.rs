//! Semaphore, as in kazoo's docs: five workers share three leases; the lease holders are
//! listed while they work.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example semaphore`

use kazoo_client::Client;
use kazoo_recipes::lock::LockError;
use kazoo_recipes::semaphore::{Semaphore, SemaphoreOptions};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), LockError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    let mut workers = Vec::new();
    for i in 0..5 {
        let sem = Semaphore::with_options(
            &zk,
            "/examples/semaphore",
            SemaphoreOptions::new(3).identifier(format!("worker-{i}")),
        );
        workers.push(tokio::spawn(async move {
            let lease = sem.acquire().await?;
            println!(
                "worker-{i}: lease {} (token {}), holders now {:?}",
                lease.node_path(),
                lease.token(),
                sem.lease_holders().await?
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
            lease.release().await?;
            Ok::<_, LockError>(())
        }));
    }
    for w in workers {
        w.await.expect("worker")?;
    }

    // Another maximum than the stored one is refused.
    match Semaphore::new(&zk, "/examples/semaphore", 4)
        .acquire()
        .await
    {
        Err(e @ LockError::InconsistentMaxLeases { .. }) => println!("refused: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    zk.close().await;
    Ok(())
}
