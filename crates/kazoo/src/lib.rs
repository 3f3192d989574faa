//! # kazoo for Rust
//!
//! A high-level Apache ZooKeeper client: what Python's kazoo and Java's Curator give their
//! users, in Rust. This crate is the facade: it re-exports the client ([`Client`],
//! [`blocking::Client`], every operation, watches, retry policies, the one [`Error`] enum), the
//! wire types ([`proto`]) and, with the default `recipes` feature, the recipes ([`recipe`]).
//!
//! ```no_run
//! # async fn demo() -> kazoo::Result<()> {
//! use kazoo::{Client, CreateOptions, KazooState};
//!
//! let zk = Client::builder("127.0.0.1:2181,127.0.0.1:2182/app").connect().await?;
//! assert_eq!(zk.state(), KazooState::Connected);
//! zk.ensure_path("/config").await?;
//! zk.create("/config/mode", b"fast", &CreateOptions::new()).await?;
//! let (value, stat) = zk.get("/config/mode").await?;
//! println!("mode = {:?} (version {})", value, stat.version);
//! zk.close().await;
//! # Ok(()) }
//! ```
//!
//! The layers, each its own crate: `kazoo-proto` (sans-io wire protocol) → `kazoo-client`
//! (the tokio driver, the async and blocking clients) → `kazoo-recipes` → `kazoo` (this facade).
//! The test kit (`kazoo-testkit`) starts real ZooKeeper servers for your own tests.
#![forbid(unsafe_code)]

pub use kazoo_client::*;

/// The sans-io wire protocol: records, op codes, error codes, paths.
pub use kazoo_proto as proto;

/// The recipes: locks, election, semaphore, barriers, counter, party, queues, partitioner,
/// leases, watch helpers and caches (feature `recipes`, on by default).
#[cfg(feature = "recipes")]
pub use kazoo_recipes as recipe;
