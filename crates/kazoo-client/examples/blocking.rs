//! The blocking client and a read-only-capable connection.
//!
//! `ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-client --example blocking`

use kazoo_client::blocking::Client;
use kazoo_client::{CreateOptions, SessionState};

fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::builder(&hosts).read_only(true).connect()?;
    if zk.keeper_state() == SessionState::ConnectedReadOnly {
        println!("read-only mode: writes will fail with NotReadOnly");
    }
    let path = zk.create(
        "/blocking-demo",
        b"hi".to_vec(),
        &CreateOptions::new().ephemeral(),
    )?;
    let (data, _) = zk.get(&path)?;
    println!("{path}: {}", String::from_utf8_lossy(&data));
    zk.close();
    Ok(())
}
