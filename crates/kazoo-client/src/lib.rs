//! Async (tokio) and blocking ZooKeeper client: kazoo's `KazooClient`, the Rust way.
//!
//! - [`Client`]: a cheap, cloneable handle to one background task that owns the connection,
//!   keeps the session alive, reconnects across hosts with the same session, replays auth and
//!   watches (SetWatches2, persistent ones included) and reports [`KazooState`] /
//!   [`SessionState`] transitions.
//! - Every ZooKeeper operation (see [`ops`]), async here and blocking in [`blocking`].
//! - One-shot [`Watch`] futures and [`PersistentWatch`] streams that never hang: the session's
//!   end resolves them with a terminal event.
//! - [`RetryPolicy`] with KazooRetry's semantics, [`Error`] with every server code.
//! - [`tls`] to a server's `secureClientPort` (rustls, mutual TLS) and [`sasl`] DIGEST-MD5
//!   logins, set on the [`ClientBuilder`]; credentials and keys never reach logs or `Debug`.
//!
//! - Read-only mode ([`ClientBuilder::read_only`]): `ConnectedReadOnly`, typed
//!   `NotReadOnly` writes, a background search for a read-write server; which sessions
//!   survive a lost quorum is spelled out in [`session::read_only`].
//!
//! Order is fixed at call time: a request is handed to the I/O task when the method is
//! called, not when its future is first polled. At most
//! [`ClientBuilder::max_in_flight`] requests are outstanding; later calls wait, in call
//! order, without blocking the caller.
//!
//! ```no_run
//! # async fn f() -> kazoo_client::Result<()> {
//! use kazoo_client::{Client, CreateOptions};
//! let zk = Client::builder("127.0.0.1:2181").connect().await?;
//! zk.ensure_path("/my/favorite").await?;
//! zk.create("/my/favorite/node", b"a value", &CreateOptions::new()).await?;
//! let (data, stat) = zk.get("/my/favorite/node").await?;
//! zk.close().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod alarm;
pub mod blocking;
mod client;
mod data;
mod driver;
pub mod error;
pub mod hosts;
pub mod ops;
mod reply;
pub mod retry;
pub mod sasl;
pub mod session;
mod state;
pub mod tls;
mod watch;

pub use client::{Client, ClientBuilder, StateListener, DEFAULT_MAX_IN_FLIGHT};
pub use data::IntoData;
pub use error::{Error, Result};
pub use hosts::{HostList, HostSpec};
pub use kazoo_proto::{
    Acl, ClientInfo, CreateMode, EventType, Id, KeeperState, Perms, Stat, WatcherType,
};
pub use ops::create::CreateOptions;
pub use ops::multi_read::{ReadOp, ReadResult};
pub use ops::transaction::{OpResult, Transaction};
pub use retry::RetryPolicy;
pub use state::{KazooState, SessionState, StateChange};
pub use watch::{AddWatchMode, PersistentWatch, Watch, WatchedEvent};
