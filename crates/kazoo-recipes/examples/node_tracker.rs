//! zktools' `ZkNode` example: a node's value kept up to date and typed, set, and subscribers
//! to its value and children.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example node_tracker
//! ```

use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::node_tracker::{NodeTracker, Value};
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    let path = format!("/example-node-tracker-{}/config", std::process::id());

    // node = ZkNode(conn, '/some/config/node')
    let node = NodeTracker::new(&zk, &path).await?;
    // print node.value  -> None for a new node
    println!("value: {}", node.value());

    // @node.children
    // def my_function(children): ...
    node.on_children(|children| println!("children: {children:?}"));
    node.on_value(|value| println!("value is now {value} ({value:?})"));

    // node.value = 483.24
    node.set(483.24).await?;
    assert_eq!(
        node.value(),
        Value::Decimal("483.24".parse().expect("a decimal"))
    );
    node.set(true).await?;
    node.set(chrono::Utc::now()).await?;
    zk.create(&format!("{path}/child"), Vec::new(), &CreateOptions::new())
        .await?;
    println!("last modified: {:?}", node.last_modified());

    // Subscribers run on threads of their own; give them a moment before closing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    node.close().await;
    let parent = path
        .rsplit_once('/')
        .map(|(p, _)| p.to_owned())
        .unwrap_or_default();
    zk.delete_recursive(&parent).await?;
    zk.close().await;
    Ok(())
}
