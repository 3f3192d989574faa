//! Watchers (kazoo's "Basic Usage": Watchers): one-shot watches, and watches that stay.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example watchers
//! ```
//!
//! kazoo's `ChildrenWatch` / `DataWatch` helpers (called at once and on every change) are
//! recipes: see `kazoo-recipes` (`kazoo::recipes`). Here is what they are built from.

use futures::StreamExt;
use kazoo_client::{AddWatchMode, Client, CreateOptions, EventType};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    zk.ensure_path("/my/favorite/node").await?;

    // One-shot (ZooKeeper's own style): `_w` reads return the result and a future that
    // resolves once, with the next change (or a terminal event when the session ends).
    let (children, watch) = zk.get_children_w("/my/favorite/node").await?;
    println!("children now: {children:?}");
    zk.create("/my/favorite/node/a", b"", &CreateOptions::new())
        .await?;
    let event = watch.await;
    println!("{:?} on {}", event.event_type, event.path);

    // A data watch that is set again after every change, like kazoo's DataWatch: read
    // (which sets the watch), act, wait for the change, read again. Each read sets the next
    // watch, so no change goes unnoticed between two reads.
    let (data, stat, changed) = zk.get_w("/my/favorite").await?;
    println!(
        "Version: {}, data: {}",
        stat.version,
        String::from_utf8_lossy(&data)
    );
    zk.set("/my/favorite", b"first", None).await?;
    changed.await;
    let (data, stat, _next) = zk.get_w("/my/favorite").await?;
    println!(
        "Version: {}, data: {}",
        stat.version,
        String::from_utf8_lossy(&data)
    );

    // Persistent watches (3.6+): every event on the node (or, recursively, below it) until
    // the stream is dropped; they survive reconnects.
    let mut below = zk
        .add_watch("/my/favorite", AddWatchMode::PersistentRecursive)
        .await?;
    zk.create("/my/favorite/node/b", b"", &CreateOptions::new())
        .await?;
    while let Some(e) = below.next().await {
        println!("persistent: {:?} {}", e.event_type, e.path);
        if e.event_type == EventType::NodeCreated {
            break;
        }
    }
    drop(below);

    zk.delete_recursive("/my").await?;
    zk.close().await;
    Ok(())
}
