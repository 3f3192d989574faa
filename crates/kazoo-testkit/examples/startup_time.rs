//! Measures how long servers take to become ready on this machine.
//!
//! Run: `cargo run --release -p kazoo-testkit --example startup_time [ROUNDS]`
//!
//! Prints, per round, the time from `start()` to a server that serves (standalone), to a
//! 3-member ensemble with a leader, and for a standalone `restart()`.

use std::time::{Duration, Instant};

use kazoo_testkit::{Ensemble, ZkServer};

fn main() -> Result<(), kazoo_testkit::TestkitError> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let mut standalone = Vec::new();
    let mut restart = Vec::new();
    let mut ensemble = Vec::new();
    for round in 1..=rounds {
        let t = Instant::now();
        let mut zk = ZkServer::start()?;
        standalone.push(t.elapsed());
        let t = Instant::now();
        zk.restart()?;
        restart.push(t.elapsed());
        drop(zk);
        let t = Instant::now();
        let ens = Ensemble::start(3)?;
        ens.wait_for_leader(Duration::from_secs(30))?;
        ensemble.push(t.elapsed());
        drop(ens);
        println!(
            "round {round}: standalone {:?}, restart {:?}, 3-member ensemble {:?}",
            standalone[round - 1],
            restart[round - 1],
            ensemble[round - 1]
        );
    }
    for (name, times) in [
        ("standalone start", &standalone),
        ("standalone restart", &restart),
        ("3-member ensemble start", &ensemble),
    ] {
        let mut sorted = times.clone();
        sorted.sort();
        println!(
            "{name}: min {:?} median {:?} max {:?}",
            sorted[0],
            sorted[sorted.len() / 2],
            sorted[sorted.len() - 1]
        );
    }
    Ok(())
}
