//! The ZooKeeper operations, one family per file, as `impl Client` blocks. Each method queues
//! its request before returning its future (order fixed at call time) and names its minimum
//! server version in its documentation.

pub mod acl;
pub mod admin;
pub mod create;
pub mod multi_read;
pub mod read;
mod replies;
pub mod transaction;
pub mod watches;
pub mod write;
