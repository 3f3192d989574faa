//! Retrying commands (kazoo's "Basic Usage": Retrying Commands, Custom Retries).
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example retrying
//! ```

use kazoo_client::{Client, CreateOptions, Error, RetryPolicy};
use std::sync::Mutex;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    zk.ensure_path("/path/to/node").await?;

    // kazoo's `zk.retry(zk.get, "/path/to/node")`: connection losses are retried with
    // backoff (the default policy: KazooRetry's defaults).
    let (data, _) = zk
        .retry(&RetryPolicy::new(), || zk.get("/path/to/node"))
        .await?;
    println!("data: {data:?}");

    // Several operations retried as one unit. A create may have succeeded on the server
    // even though its reply was lost: remember that it was tried and look for the node
    // before creating again (the lock recipe's `create_tried`).
    let create_tried = Mutex::new(false);
    let node = zk
        .retry(&RetryPolicy::new(), || async {
            zk.ensure_path("/election").await?;
            let tried = std::mem::replace(&mut *create_tried.lock().unwrap(), true);
            if tried {
                if let Some(mine) = find_my_node(&zk).await? {
                    return Ok(mine);
                }
            }
            zk.create(
                "/election/guid-1234-n_",
                b"",
                &CreateOptions::new().ephemeral().sequential(),
            )
            .await
        })
        .await?;
    println!("my node: {node}");

    // Custom retries (kazoo's `KazooRetry(max_tries=3, ignore_expire=False)`): at most three
    // tries, and a session expiry is not retried but reported.
    let kr = RetryPolicy::new()
        .with_max_tries(3)
        .with_ignore_expire(false);
    match kr.run(|| zk.get("/some/path")).await {
        Err(Error::NoNode { path }) => println!("{path} does not exist (not retried)"),
        other => println!("{other:?}"),
    }

    zk.delete_recursive("/election").await?;
    zk.delete_recursive("/path").await?;
    zk.close().await;
    Ok(())
}

/// Our node among the election's children, recognised by the unique prefix.
async fn find_my_node(zk: &Client) -> kazoo_client::Result<Option<String>> {
    let children = zk.get_children("/election").await?;
    Ok(children
        .into_iter()
        .find(|c| c.starts_with("guid-1234-"))
        .map(|c| format!("/election/{c}")))
}
