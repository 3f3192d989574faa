//! Read-only connections (kazoo's "Basic Usage": Read-Only Connections).
//!
//! Needs ZooKeeper servers started with `-Dreadonlymode.enabled=true` (and, from 3.7,
//! `localSessionsEnabled=true`, without which a read-only server serves no session);
//! `ZK_HOSTS` names them (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181 cargo run -p kazoo-client --example read_only
//! ```
//!
//! Stop a majority of the servers while it runs to see the client go read-only, and start
//! them again to see it return to read-write. A client in read-only mode should not use the
//! recipes.

use kazoo_client::{Client, Error, KazooState, SessionState};
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::builder(&hosts).read_only(true).connect().await?;

    // The simplified state says CONNECTED in both modes; the detailed one tells them apart
    // (kazoo's `client_state == KeeperState.CONNECTED_RO`).
    let report = |zk: &Client| match (zk.state(), zk.keeper_state()) {
        (KazooState::Connected, SessionState::ConnectedReadOnly) => println!("Read only mode!"),
        (KazooState::Connected, _) => println!("Read/Write mode!"),
        (other, detail) => println!("{other:?} ({detail:?})"),
    };
    report(&zk);

    let mut states = zk.subscribe_state();
    let watch_for = tokio::time::sleep(Duration::from_secs(60));
    tokio::pin!(watch_for);
    loop {
        tokio::select! {
            change = states.recv() => {
                if change.is_none() { break; }
                report(&zk);
                if zk.keeper_state() == SessionState::ConnectedReadOnly {
                    // Reads work; writes fail with a typed error.
                    match zk.set("/", b"", None).await {
                        Err(Error::NotReadOnly) => println!("writes wait for a read-write server"),
                        other => println!("{other:?}"),
                    }
                }
            }
            _ = &mut watch_for => break,
        }
    }
    zk.close().await;
    Ok(())
}
