//! kazoo's watch helpers: [`DataWatch`] and [`ChildrenWatch`] (a callback or a stream told of
//! every change, across reconnects and session expiry) and [`PatientChildrenWatch`] (children
//! once they stopped changing). [`blocking`] has the same for the blocking client.

pub mod blocking;
pub(crate) mod children;
pub(crate) mod control;
pub(crate) mod data;
mod patient;
pub(crate) mod rearm;
mod stream;
pub(crate) mod task;

pub use children::{ChildrenUpdate, ChildrenWatch, ChildrenWatchBuilder, ChildrenWatchStream};
pub use control::{KeepWatching, StopReason};
pub use data::{DataUpdate, DataWatch, DataWatchBuilder, DataWatchStream};
pub use patient::PatientChildrenWatch;
