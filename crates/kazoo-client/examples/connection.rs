//! Connection handling, logging and listening for connection events (kazoo's "Basic Usage":
//! Connection Handling, Logging Setup, Listening for Connection Events, Understanding Kazoo
//! States).
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 RUST_LOG=info cargo run -p kazoo-client --example connection
//! ```

use futures::StreamExt;
use kazoo_client::{Client, KazooState};
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    // Logging: the client reports connection events through `tracing` (info level) and each
    // request at debug level. Any subscriber shows them; this one honours RUST_LOG.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();

    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    // kazoo's `KazooClient(hosts)` + `start()`: build, then start with a timeout...
    let zk = Client::builder(&hosts).build()?;
    // A new client is LOST until its first session.
    assert_eq!(zk.state(), KazooState::Lost);

    // Listening for connection events (kazoo's `add_listener`): transitions arrive on a
    // channel, so a slow listener never holds the client up. Subscribe before starting to
    // see the first LOST -> CONNECTED.
    // Each transition carries the simplified and the detailed state; kazoo's listeners
    // hear of the simplified one changing only.
    let mut states = zk.state_stream().boxed();
    let listener = tokio::spawn(async move {
        let mut last = KazooState::Lost;
        while let Some(change) = states.next().await {
            if std::mem::replace(&mut last, change.kazoo) == change.kazoo {
                continue;
            }
            match change.kazoo {
                // Ephemeral nodes are gone; locks must be taken again once connected.
                KazooState::Lost => println!("the session was lost ({:?})", change.session),
                // The session may still be alive: pause work that needs agreement.
                KazooState::Suspended => println!("disconnected from ZooKeeper"),
                KazooState::Connected => println!("connected ({:?})", change.session),
            }
        }
    });

    zk.start(Duration::from_secs(15)).await?;
    println!(
        "state {:?}, session {:#x}, negotiated timeout {:?}, server {:?}",
        zk.state(),
        zk.session_id().unwrap_or_default(),
        zk.negotiated_timeout(),
        zk.current_server()
    );

    // The client now stays connected on its own across connection losses (it reconnects to
    // the next host and resumes the session) and session expiry (it starts a new session).
    // kazoo's `stop()`: end the session and the connection; `start` may be called again.
    zk.stop().await;
    assert_eq!(zk.state(), KazooState::Lost);
    // A one-liner for the common case: build, start, wait.
    let again = Client::connect(&hosts).await?;
    again.close().await;
    drop(zk);
    drop(again);
    listener.await.ok();
    Ok(())
}
