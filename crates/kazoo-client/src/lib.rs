//! Async (tokio) and blocking ZooKeeper client (being written).
#![forbid(unsafe_code)]

pub mod error;
pub use error::{Error, Result};
