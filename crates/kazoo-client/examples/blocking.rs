//! The blocking client: the same operations without async (kazoo's own calling style).
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example blocking
//! ```
//!
//! It runs its own small runtime in the background, so the session stays alive between
//! calls; do not call it from inside async code (use the async client there).

use kazoo_client::blocking::Client;
use kazoo_client::{CreateOptions, KazooState, RetryPolicy};
use std::time::Duration;

fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::builder(&hosts)
        .session_timeout(Duration::from_secs(10))
        .connect()?;

    // A listener on a thread of its own.
    let mut states = zk.subscribe_state();
    let listener = std::thread::spawn(move || {
        while let Some(change) = states.recv() {
            println!("state: {:?}", change.kazoo);
            if change.kazoo == KazooState::Lost {
                break;
            }
        }
    });

    zk.ensure_path("/my/favorite")?;
    let path = zk.create(
        "/my/favorite/node",
        b"a value",
        &CreateOptions::new().ephemeral(),
    )?;
    let (data, stat) = zk.get(&path)?;
    println!(
        "{path}: {} (version {})",
        String::from_utf8_lossy(&data),
        stat.version
    );

    // A one-shot watch, waited for with a timeout.
    let (_, _, watch) = zk.get_w(&path)?;
    zk.set(&path, b"new value", None)?;
    if let Ok(event) = watch.wait_timeout(Duration::from_secs(5)) {
        println!("{:?} on {}", event.event_type, event.path);
    }

    // Retries and transactions work the same way.
    let children = zk.retry(&RetryPolicy::new(), || zk.get_children("/my/favorite"))?;
    println!("children: {children:?}");
    let mut t = zk.transaction();
    t.check(&path, 1).set_data(&path, b"committed", Some(1));
    println!("transaction: {:?}", t.commit()?);

    zk.delete_recursive("/my")?;
    zk.close();
    listener.join().expect("listener thread");
    Ok(())
}
