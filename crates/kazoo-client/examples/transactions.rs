//! Transactions (kazoo's "Basic Usage": Transactions): several writes committed atomically.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example transactions
//! ```

use kazoo_client::{Client, CreateOptions, Error};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    zk.create("/node/a", b"", &CreateOptions::new().makepath())
        .await?;

    // Check that /node/a is at version 0, and only then create /node/b.
    let mut transaction = zk.transaction();
    transaction
        .check("/node/a", 0)
        .create("/node/b", b"a value", &CreateOptions::new());
    let results = transaction.commit().await?;
    println!("committed: {results:?}");

    // /node/a is not at version 3: nothing is applied, and the error names the op.
    let mut transaction = zk.transaction();
    transaction
        .check("/node/a", 3)
        .create("/node/c", b"a value", &CreateOptions::new());
    match transaction.commit().await {
        Err(Error::Transaction { index, error }) => {
            println!("op {index} failed: {error}; /node/c was not created")
        }
        other => println!("unexpected: {other:?}"),
    }
    assert!(zk.exists("/node/c").await?.is_none());

    // Every op's own outcome, instead of the first failure.
    let mut transaction = zk.transaction();
    transaction.delete("/node/b", None).check("/node/a", 3);
    for (i, r) in transaction.commit_results().await?.iter().enumerate() {
        println!("op {i}: {:?}", r.error());
    }

    zk.delete_recursive("/node").await?;
    zk.close().await;
    Ok(())
}
