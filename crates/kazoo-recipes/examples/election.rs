//! Election, as in kazoo's docs: three candidates; each leads in turn (in the order they
//! joined), handing its fencing token to the work it leads and stopping if its leadership is
//! lost; a fourth candidate gives up (cancel) before its turn.
//!
//! Run against a server (default 127.0.0.1:2181):
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example election`

use kazoo_client::Client;
use kazoo_recipes::election::Election;
use kazoo_recipes::lock::LockError;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), LockError> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;

    let mut candidates = Vec::new();
    for name in ["ant", "bee", "cat"] {
        let election = Election::new(&zk, "/examples/election", name);
        candidates.push(tokio::spawn(async move {
            election
                .run(|leadership| async move {
                    println!("{name} leads (token {})", leadership.token());
                    tokio::select! {
                        reason = leadership.lost_signal().lost() => println!("{name} deposed: {reason}"),
                        _ = tokio::time::sleep(Duration::from_millis(300)) => println!("{name} steps down"),
                    }
                    name
                })
                .await
        }));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let quitter = Election::new(&zk, "/examples/election", "dog");
    let q = quitter.clone();
    let waiting = tokio::spawn(async move { q.run(|_| async { "dog" }).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("contenders: {:?}", quitter.contenders().await?);
    quitter.cancel();
    println!("dog gave up: {:?}", waiting.await.expect("task")?);

    for c in candidates {
        println!("{:?} led", c.await.expect("task")?);
    }
    zk.close().await;
    Ok(())
}
