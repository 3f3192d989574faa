//! CRUD and connection listeners, mirroring kazoo's "Basic Usage".
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example crud`

use kazoo_client::{Client, CreateOptions, KazooState};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    // Listening for connection events: a listener that can never stall the client.
    let mut states = zk.subscribe_state();
    tokio::spawn(async move {
        while let Some(change) = states.recv().await {
            match change.kazoo {
                KazooState::Lost => println!("session lost"),
                KazooState::Suspended => println!("disconnected; pausing"),
                KazooState::Connected => println!("(re)connected: {:?}", change.session),
            }
        }
    });

    zk.ensure_path("/my/favorite").await?;
    zk.create(
        "/my/favorite/node",
        b"a value".to_vec(),
        &CreateOptions::new(),
    )
    .await?;
    if zk.exists("/my/favorite").await?.is_some() {
        let (data, stat) = zk.get("/my/favorite/node").await?;
        println!(
            "version {}: {}",
            stat.version,
            String::from_utf8_lossy(&data)
        );
    }
    let children = zk.get_children("/my/favorite").await?;
    println!("{} children: {:?}", children.len(), children);
    zk.set("/my/favorite/node", b"some data".to_vec(), None)
        .await?;
    zk.delete_recursive("/my").await?;
    zk.close().await;
    Ok(())
}
