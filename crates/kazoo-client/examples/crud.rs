//! Creating, reading, updating and deleting nodes (kazoo's "Basic Usage": Zookeeper CRUD).
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example crud
//! ```

use kazoo_client::{Client, CreateOptions, Error};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    // Creating nodes: ensure_path makes every missing level (data empty, ACL settable with
    // ensure_path_with_acl); create needs the parent unless `makepath` is set.
    zk.ensure_path("/my/favorite").await?;
    zk.create("/my/favorite/node", b"a value", &CreateOptions::new())
        .await?;
    zk.create(
        "/my/other/node",
        "text works too",
        &CreateOptions::new().makepath(),
    )
    .await?;

    // Reading data.
    if zk.exists("/my/favorite").await?.is_some() {
        println!("/my/favorite exists");
    }
    let (data, stat) = zk.get("/my/favorite/node").await?;
    println!(
        "Version: {}, data: {}",
        stat.version,
        String::from_utf8_lossy(&data)
    );
    let children = zk.get_children("/my/favorite").await?;
    println!(
        "There are {} children with names {:?}",
        children.len(),
        children
    );

    // Updating data, optionally only at a given version.
    let stat = zk.set("/my/favorite", b"some data", None).await?;
    match zk
        .set("/my/favorite", b"stale", Some(stat.version - 1))
        .await
    {
        Err(Error::BadVersion { path }) => println!("{path} moved on: not updated"),
        other => println!("unexpected: {other:?}"),
    }

    // Deleting nodes: one node (optionally at a version), or a whole tree.
    zk.delete("/my/other/node", None).await?;
    zk.delete_recursive("/my").await?;
    assert!(zk.exists("/my").await?.is_none());
    zk.close().await;
    Ok(())
}
