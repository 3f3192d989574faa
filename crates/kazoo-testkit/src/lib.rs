//! Real ZooKeeper servers for tests: standalone servers, ensembles, and a fault-injecting proxy.
//!
//! Modelled on kazoo's `kazoo.testing` and Curator's `curator-test`. Everything here is
//! synchronous (std threads, no async runtime), so it works from plain `#[test]`s and from
//! async tests alike.
//!
//! # Example
//!
//! ```no_run
//! use kazoo_testkit::ZkServer;
//!
//! #[test]
//! fn talks_to_a_real_server() {
//!     let zk = ZkServer::start().expect("ZooKeeper installed (apt-get install zookeeper)");
//!     assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
//!     // connect your client to zk.connect_string() ...
//! } // the server is killed and its directory removed here
//! ```
#![forbid(unsafe_code)]

mod classpath;
mod ensemble;
mod error;
mod four_letter;
mod instance;
mod jvm;
mod knobs;
mod ports;
mod proxy;
mod server;
mod settings;
mod shared_server;

pub use classpath::find_classpath;
pub use ensemble::{Ensemble, EnsembleBuilder};
pub use error::{Result, TestkitError};
pub use four_letter::four_letter_word;
pub use proxy::{FaultProxy, ProxyMode};
pub use server::{ServerBuilder, ZkServer};
pub use shared_server::unique_path;
