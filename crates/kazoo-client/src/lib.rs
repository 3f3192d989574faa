//! Async (tokio) and blocking ZooKeeper client (being written).
#![forbid(unsafe_code)]

pub mod error;
pub mod hosts;
pub mod retry;
pub use error::{Error, Result};
pub use hosts::{HostList, HostSpec};
pub use retry::{AttemptError, Jitter, RetryPolicy};
