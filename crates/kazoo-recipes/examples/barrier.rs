//! Barrier and DoubleBarrier, as in kazoo's recipe docs: workers wait at a barrier until a
//! coordinator removes it, then three members enter and leave a double barrier together.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example barrier`

use kazoo_client::Client;
use kazoo_recipes::barrier::Barrier;
use kazoo_recipes::double_barrier::DoubleBarrier;
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    // The coordinator puts the barrier up; workers block on it.
    let barrier = Barrier::new(&zk, "/examples/barrier/start");
    barrier.create().await?;
    let mut workers = Vec::new();
    for i in 0..3 {
        let b = Barrier::new(&zk, "/examples/barrier/start");
        workers.push(tokio::spawn(async move {
            let passed = b.wait(Some(Duration::from_secs(10))).await?;
            println!("worker {i}: barrier down = {passed}");
            Ok::<(), kazoo_client::Error>(())
        }));
    }
    println!("coordinator: removing the barrier");
    barrier.remove().await?;
    for w in workers {
        w.await.expect("worker task")?;
    }

    // A double barrier: nobody starts before all three are in, nobody leaves before all
    // three are done.
    let mut members = Vec::new();
    for i in 0..3 {
        let b = DoubleBarrier::new(&zk, "/examples/barrier/sync", 3)
            .with_identifier(&format!("worker-{i}"));
        members.push(tokio::spawn(async move {
            b.enter(Some(Duration::from_secs(10))).await?;
            println!("worker {i}: everyone is in, working");
            b.leave(Some(Duration::from_secs(10))).await?;
            println!("worker {i}: everyone is done");
            Ok::<(), kazoo_client::Error>(())
        }));
    }
    for m in members {
        m.await.expect("member task")?;
    }
    zk.delete_recursive("/examples/barrier").await?;
    zk.close().await;
    Ok(())
}
