//! Node value tracking (zktools' `ZkNode`): [`NodeTracker`] keeps one node's value up to date,
//! typed as a [`Value`], settable, with subscribers to value and children changes.
//! [`blocking`] has it for the blocking client. JSON values need the `json` feature.

pub mod blocking;
mod tracker;
mod value;

pub use tracker::{ChildrenStream, NodeTracker, NodeTrackerBuilder, ValueStream};
pub use value::{Decimal, NotADecimal, Value};
