//! NonBlockingLease and MultiNonBlockingLease, as in kazoo's docs: a job that must run on one
//! host per hour, and a task that at most two hosts may run.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example lease`

use kazoo_client::Client;
use kazoo_recipes::lease::{LeaseError, MultiNonBlockingLease, NonBlockingLease};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), LeaseError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    // Hold the lease for 70 minutes so that the hourly job stays on this host.
    let lease = NonBlockingLease::new(
        &zk,
        "/examples/leases/hourly_cleanup",
        Duration::from_secs(70 * 60),
    )
    .with_identifier("DB hourly cleanup on host-7");
    match lease.try_obtain().await? {
        Some(held) => {
            println!(
                "cleaning up until {:?} (token {})",
                held.end(),
                held.token()
            );
            // A second host does not get it.
            let other = NonBlockingLease::new(
                &zk,
                "/examples/leases/hourly_cleanup",
                Duration::from_secs(60),
            )
            .with_identifier("host-8");
            println!(
                "host-8 obtains it too: {}",
                other.try_obtain().await?.is_some()
            );
            held.release().await?;
        }
        None => println!("another host runs the cleanup"),
    }

    let crawlers =
        MultiNonBlockingLease::new(&zk, 2, "/examples/leases/crawler", Duration::from_secs(60));
    for host in ["host-1", "host-2", "host-3"] {
        let slot = crawlers.clone().with_identifier(host).try_obtain().await?;
        println!("{host}: crawler slot {:?}", slot.map(|(i, _)| i));
    }

    zk.delete_recursive("/examples/leases").await?;
    zk.close().await;
    Ok(())
}
