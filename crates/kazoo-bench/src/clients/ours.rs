//! Adapter for kazoo for Rust (the `kazoo` facade): async client on both runtimes, the blocking
//! client, and (as they land) the Lock recipe, data watches and TreeCache.

use crate::spec::{Outcome, RunSpec};
use anyhow::{bail, Result};

/// What our adapter has wired in so far.
pub mod caps {
    /// Lock recipe (W4).
    pub const LOCK: bool = false;
    /// Data watches (W6).
    pub const WATCH: bool = false;
    /// TreeCache (W7).
    pub const TREE_CACHE: bool = false;
}

/// Runs `spec` with the async client on the current runtime.
pub async fn run(spec: &RunSpec) -> Result<Outcome> {
    bail!("kazoo-rs adapter not wired yet ({})", spec.workload.name())
}

/// Runs `spec` with `kazoo::blocking::Client`.
pub fn run_blocking(spec: &RunSpec) -> Result<Outcome> {
    bail!("kazoo-rs blocking adapter not wired yet ({})", spec.workload.name())
}
