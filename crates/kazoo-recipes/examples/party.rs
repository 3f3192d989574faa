//! Party and ShallowParty, as in kazoo's docs: members join, list each other and leave.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example party`

use kazoo_client::Client;
use kazoo_recipes::party::{Party, ShallowParty};

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    let web1 = Party::new(&zk, "/examples/party/web").with_identifier("web-1:8080");
    let web2 = Party::new(&zk, "/examples/party/web").with_identifier("web-2:8080");
    web1.join().await?;
    web2.join().await?;
    println!(
        "{} members: {:?}",
        web1.count().await?,
        web1.members().await?
    );
    web2.leave().await?;
    println!("after a leave: {:?}", web1.members().await?);
    web1.leave().await?;

    // One request lists a shallow party: the identifiers are in the node names.
    let workers = ShallowParty::new(&zk, "/examples/party/workers").with_identifier("host-7");
    workers.join().await?;
    println!("shallow members: {:?}", workers.members().await?);
    workers.leave().await?;

    zk.delete_recursive("/examples/party").await?;
    zk.close().await;
    Ok(())
}
