//! kazoo's `DataWatch` examples: a function called at once with the node's data and stat,
//! and again after every change (also for a node that does not exist yet), in the callback
//! form, the stream form and the blocking form.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example data_watch
//! ```

use futures::StreamExt;
use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::watchers::{DataUpdate, DataWatch};
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    let path = format!("/example-data-watch-{}", std::process::id());

    // @client.DataWatch('/path/to/watch')
    // def my_func(data, stat): ...
    // The node does not exist yet: the function is called with None for both.
    let watch = DataWatch::new(&zk, &path, |u: DataUpdate| {
        match (&u.data, &u.stat) {
            (Some(data), Some(stat)) => println!(
                "Data is {:?}, version is {} (event: {:?})",
                String::from_utf8_lossy(data),
                stat.version,
                u.event.map(|e| e.event_type)
            ),
            _ => println!("The node does not exist"),
        }
        true // returning false stops the watch
    })
    .await?;

    zk.create(&path, b"first".to_vec(), &CreateOptions::new())
        .await?;
    zk.set(&path, b"second".to_vec(), None).await?;

    // The same as a stream: each distinct state, the current one first.
    let mut states = DataWatch::stream(&zk, &path).await?;
    if let Some(current) = states.next().await {
        println!("stream starts at {:?}", current.data);
    }
    zk.delete(&path, None).await?;
    if let Ok(Some(next)) = tokio::time::timeout(Duration::from_secs(5), states.next()).await {
        println!("stream: exists = {}", next.exists());
    }
    drop(states);

    // Callbacks run off the I/O task; give the last ones a moment before stopping.
    tokio::time::sleep(Duration::from_millis(200)).await;
    watch.close().await;
    zk.close().await;
    Ok(())
}
