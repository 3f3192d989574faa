//! Counter, as in kazoo's docs: an integer counter, a float counter and a Curator
//! `SharedCount` compatible one, with the values before and after each change.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example counter`

use kazoo_client::Client;
use kazoo_recipes::counter::{Counter, CounterError};

#[tokio::main]
async fn main() -> Result<(), CounterError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    let counter = Counter::new(&zk, "/examples/counter/int");
    counter.add(2).await?;
    counter.subtract(1).await?;
    println!(
        "int: value {} (pre {:?}, post {:?})",
        counter.value().await?,
        counter.pre_value(),
        counter.post_value()
    );

    let float = Counter::with_default(&zk, "/examples/counter/float", 1.0);
    float.add(2.0).await?;
    println!(
        "float: value {:?} (stored as kazoo's repr text)",
        float.value().await?
    );

    let curator = Counter::new(&zk, "/examples/counter/curator").curator();
    curator.add(2).await?;
    curator.subtract(1).await?;
    println!(
        "curator: value {} (4 big-endian bytes)",
        curator.value().await?
    );

    zk.delete_recursive("/examples/counter").await?;
    zk.close().await;
    Ok(())
}
