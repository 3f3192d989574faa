//! What one measured run is (client, workload, server mode, limits) and what it reports back:
//! the contract between the orchestrator, the Rust child process and the Python kazoo child.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The workloads of issue 7; W5 is derived from W2/W3 runs plus callgrind runs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
#[clap(rename_all = "lowercase")]
pub enum Workload {
    /// Sequential round trips of create, get, set, delete.
    W1,
    /// Pipelined getData, `inflight` requests outstanding.
    W2,
    /// Pipelined ephemeral creates, `inflight` requests outstanding.
    W3,
    /// Lock acquire/release cycles, one process.
    W4,
    /// Lock acquire/release cycles, two processes contending for the same lock.
    W4c,
    /// 10,000 data watches registered, then triggered by multi-ops.
    W6,
    /// TreeCache initial load of a 10,000-node tree.
    W7,
}

impl Workload {
    /// Name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Workload::W1 => "W1",
            Workload::W2 => "W2",
            Workload::W3 => "W3",
            Workload::W4 => "W4",
            Workload::W4c => "W4c",
            Workload::W6 => "W6",
            Workload::W7 => "W7",
        }
    }

    /// Whether the canned server can serve it (it keeps no state, so no locks, watches or trees).
    pub fn runs_on_canned(self) -> bool {
        matches!(self, Workload::W1 | Workload::W2 | Workload::W3)
    }
}

/// Which server the client talks to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Client-bound: the canned-reply server on loopback.
    Canned,
    /// A real ZooKeeper started by the test kit.
    Real,
}

impl Mode {
    /// Name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Canned => "canned",
            Mode::Real => "real",
        }
    }
}

/// One run, handed to a child process as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    /// Client id (see `clients::ALL`).
    pub client: String,
    /// Workload.
    pub workload: Workload,
    /// Server mode.
    pub mode: Mode,
    /// `host:port` of the server.
    pub addr: String,
    /// Unmeasured warm-up before the measured phase (duration-bound runs only).
    pub warmup_ms: u64,
    /// Length of the measured phase when `ops` is 0.
    pub duration_ms: u64,
    /// A fixed number of operations instead of a duration (callgrind runs); 0 = use the duration.
    pub ops: u64,
    /// Requests in flight for W2/W3.
    pub inflight: usize,
    /// Unique id of this run, used in node names.
    pub run_id: String,
    /// Root of every node the benchmark touches.
    pub prefix: String,
    /// `CLOCK_MONOTONIC` nanoseconds at which to start (lines up contending processes); 0 = now.
    pub start_at_ns: u64,
    /// Number of W6 watches / nodes.
    pub watches: usize,
}

/// Latency summary in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
}

/// What a child reports (one JSON line on stdout). Absent figures are `None`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Operations (or lock cycles) completed in the measured phase.
    pub ops: u64,
    /// Failed operations in the measured phase.
    pub errors: u64,
    /// Wall seconds of the measured phase.
    pub secs: f64,
    /// Latency over all ops of the measured phase (sequential workloads).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency: Option<Latency>,
    /// Latency per op kind (W1).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub per_op: BTreeMap<String, Latency>,
    /// CPU seconds (user+system, all threads of the client process) in the measured phase.
    pub cpu_secs: f64,
    /// Peak RSS of the client process, bytes.
    pub peak_rss: u64,
    /// RSS before registering watches / loading the cache (W6, W7).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rss_before: Option<u64>,
    /// RSS with the watches registered / the cache loaded (W6, W7).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rss_after: Option<u64>,
    /// Live heap bytes before registering watches / loading the cache (Rust: counting
    /// allocator; Python: tracemalloc).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub heap_before: Option<u64>,
    /// Live heap bytes with the watches registered / the cache loaded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub heap_after: Option<u64>,
    /// Peak live heap bytes of the process (Rust clients).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub heap_peak: Option<u64>,
    /// W6: monotonic ns when the last notification arrived.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_event_ns: Option<u64>,
    /// W6: notifications received; W7: nodes cached.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub items: Option<u64>,
}
