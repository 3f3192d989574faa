//! kazoo's `TreeCache` example: a local mirror of a subtree with listeners, local reads and
//! close; then the blocking form.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example tree_cache
//! ```

use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::cache::{TreeCache, TreeEvent};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    let root = format!("/example-tree-cache-{}", std::process::id());
    zk.create(
        &format!("{root}/services/web"),
        b"10.0.0.1:80".to_vec(),
        &CreateOptions::new().makepath(),
    )
    .await?;

    // cache = TreeCache(client, root); cache.listen(f); cache.start()
    let cache = TreeCache::new(&zk, &root);
    cache.listen(|event| match event {
        TreeEvent::NodeAdded(n) => println!("added {} = {:?}", n.path, n.data),
        TreeEvent::NodeUpdated(n) => println!("updated {} = {:?}", n.path, n.data),
        TreeEvent::NodeRemoved(n) => println!("removed {}", n.path),
        other => println!("{other:?}"),
    });
    cache.start().await?;
    cache.initialized().await;
    println!("via {:?}", cache.watch_mode());

    zk.create(
        &format!("{root}/services/db"),
        b"10.0.0.2:5432".to_vec(),
        &CreateOptions::new(),
    )
    .await?;
    zk.set(
        &format!("{root}/services/web"),
        b"10.0.0.3:80".to_vec(),
        None,
    )
    .await?;
    // Wait until the cache reflects both writes, then read locally.
    cache.sync().await?;
    println!(
        "services: {:?}",
        cache.get_children(&format!("{root}/services"))
    );
    if let Some(web) = cache.get_data(&format!("{root}/services/web")) {
        println!(
            "web at {} (version {})",
            String::from_utf8_lossy(&web.data),
            web.stat.version
        );
    }
    println!("{} nodes cached, {:?}", cache.len(), cache.stats());
    cache.close().await;

    zk.delete_recursive(&root).await?;
    zk.close().await;
    Ok(())
}
