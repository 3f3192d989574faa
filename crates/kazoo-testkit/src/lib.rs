//! Real ZooKeeper servers for tests: standalone servers, ensembles, and a fault-injecting proxy.
//!
//! Modelled on kazoo's `kazoo.testing` and Curator's `curator-test`: a test starts a real
//! server (a JVM running `QuorumPeerMain`) on a free loopback port with a fresh data
//! directory, talks to it, and the server is gone when the handle drops. Everything here is
//! synchronous (std threads, no async runtime), so it works from plain `#[test]`s and from
//! async tests alike.
//!
//! # What it needs
//!
//! Java and the ZooKeeper jars. On Debian/Ubuntu `apt-get install zookeeper` provides both;
//! elsewhere set `ZOOKEEPER_CLASSPATH` (a full classpath) or `ZOOKEEPER_PATH` (a folder with
//! the jars, e.g. an unpacked release). See [`find_classpath`]. `JAVA_HOME` picks the JVM.
//!
//! # A test with its own server
//!
//! ```no_run
//! use kazoo_testkit::ZkServer;
//!
//! #[test]
//! fn survives_a_server_restart() {
//!     let mut zk = ZkServer::start().expect("ZooKeeper installed (apt-get install zookeeper)");
//!     // connect your client to zk.connect_string() and write something ...
//!     zk.restart().unwrap(); // same port, same data
//!     assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
//! } // the JVM is killed and its directory removed here, also if the test panics
//! ```
//!
//! # Tests that can share one server
//!
//! Starting a JVM costs about a second, so tests that neither stop nor partition the server
//! share one per process, each under its own root path:
//!
//! ```no_run
//! use kazoo_testkit::{unique_path, ZkServer};
//!
//! #[test]
//! fn counter_counts() {
//!     let zk = ZkServer::shared();
//!     let root = unique_path("counter"); // e.g. "/counter-4242-0-123456789"
//!     // connect to zk.connect_string(), create `root`, work below it ...
//! }
//! ```
//!
//! # Async tests
//!
//! Starting a server blocks for about a second. In an async test, call it directly (fine in
//! a test) or move it off the runtime with your runtime's `spawn_blocking`, e.g.
//! `tokio::task::spawn_blocking(kazoo_testkit::ZkServer::start).await??`. Dropping a handle
//! also blocks briefly while the JVM exits.
//!
//! # Ensembles and failover
//!
//! ```no_run
//! use std::time::Duration;
//! use kazoo_testkit::Ensemble;
//!
//! let mut ensemble = Ensemble::builder(3).tick_time(200).start()?;
//! // connect to ensemble.connect_string() ("127.0.0.1:a,127.0.0.1:b,127.0.0.1:c") ...
//! let leader = ensemble.wait_for_leader(Duration::from_secs(30))?;
//! ensemble.kill(leader)?;                         // SIGKILL: a crash
//! let next = ensemble.wait_for_leader(Duration::from_secs(30))?;
//! assert_ne!(next, leader);
//! ensemble.restart(leader)?;                      // rejoins as a follower
//! assert_eq!(ensemble.mode(leader).as_deref(), Some("follower"));
//! # Ok::<(), kazoo_testkit::TestkitError>(())
//! ```
//!
//! # Network faults
//!
//! A [`FaultProxy`] sits between the client and one server; the test switches its
//! [`ProxyMode`] to partition the client without touching the server:
//!
//! ```no_run
//! use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
//!
//! let zk = ZkServer::start()?;
//! let proxy = FaultProxy::start(zk.addr())?;
//! // connect the client to proxy.connect_string() ...
//! proxy.set_mode(ProxyMode::Blackhole);             // client and server hear nothing
//! proxy.set_mode(ProxyMode::Pass);                  // held bytes flow again
//! proxy.set_mode(ProxyMode::CloseAfterNextRequest); // next request commits, reply is lost
//! proxy.cut();                                      // drop every connection now
//! # Ok::<(), kazoo_testkit::TestkitError>(())
//! ```
//!
//! # Cleanup guarantees
//!
//! - Dropping a [`ZkServer`] or [`Ensemble`] kills its JVMs (by their own pids), waits for
//!   them, and removes their directories; a panicking test drops them too.
//! - If the test process itself dies (SIGKILL, abort, a runner's timeout), a small `sh`
//!   watchdog per JVM notices that its pipe from the test process closed, kills the JVM and
//!   removes the directory. The shared server relies on this: it lives in a `static`.
//! - Set `KAZOO_TESTKIT_KEEP_DIRS=1` to keep directories (and their `zookeeper.log`) after
//!   the handles drop, to read what a server said.
//!
//! # Server defaults
//!
//! `zoo.cfg`: `tickTime=500`, `initLimit=20`, `syncLimit=10`, `clientPortAddress=127.0.0.1`,
//! `admin.enableServer=false`, `4lw.commands.whitelist=*`, `maxClientCnxns=0`,
//! `forceSync=no`; every one can be replaced with `.config(key, value)`. JVM: `-Xmx256m`,
//! `-XX:+UseSerialGC`, `-XX:TieredStopAtLevel=1`, `-XX:-UsePerfData` and friends, for a
//! small, quick JVM; `.jvm_arg(..)` adds more and wins over them. Readiness means `ruok`
//! answers `imok`, `srvr` shows a `Mode:`, and `conf` names this server's data directory.
//!
//! On a 2-core machine a standalone server serves about 0.6–0.9 s after `start()`, and a
//! 3-member ensemble about 1.7–2.4 s (`examples/startup_time.rs` measures it).
//!
//! # From a shell
//!
//! The `kazoo-ensemble` binary of this crate runs an ensemble until Ctrl-C:
//! `kazoo-ensemble --size 3 [--config key=value] [--ready-file PATH]` prints
//! `CONNECT=127.0.0.1:a,127.0.0.1:b,127.0.0.1:c` as its first line.
#![forbid(unsafe_code)]

mod auth;
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
mod tls;

pub use auth::{digest_id, SaslUsers, SASL_PROVIDER};
pub use classpath::find_classpath;
pub use ensemble::{Ensemble, EnsembleBuilder};
pub use error::{Result, TestkitError};
pub use four_letter::four_letter_word;
pub use proxy::{FaultProxy, ProxyMode};
pub use server::{ServerBuilder, ZkServer};
pub use shared_server::{unique_path, SHARED_SERVER_ENV};
pub use tls::{four_letter_word_tls, ClientAuth, TestCa, NETTY_FACTORY, X509_PROVIDER};
