//! One-shot and persistent watches, retries and transactions.
//!
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example watchers`

use futures::StreamExt;
use kazoo_client::{AddWatchMode, Client, CreateOptions, RetryPolicy};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    zk.ensure_path("/demo").await?;

    // One-shot: fires once.
    let (_children, watch) = zk.get_children_w("/demo").await?;
    // Persistent and recursive: every event below /demo until dropped.
    let mut all = zk
        .add_watch("/demo", AddWatchMode::PersistentRecursive)
        .await?;

    // Retrying several operations as one unit.
    let policy = RetryPolicy::new().with_max_tries(3);
    zk.retry(&policy, || {
        zk.create("/demo/a", b"1".to_vec(), &CreateOptions::new())
    })
    .await?;
    println!("one-shot: {:?}", watch.await);
    println!("persistent: {:?}", all.next().await);

    // A transaction: all or nothing.
    let mut t = zk.transaction();
    t.check("/demo/a", 0)
        .set_data("/demo/a", b"2".to_vec(), Some(0));
    println!("transaction: {:?}", t.commit().await?);

    zk.delete_recursive("/demo").await?;
    zk.close().await;
    Ok(())
}
