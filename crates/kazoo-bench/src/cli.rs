//! Command-line interface: the `run` command (default) with every knob, the hidden `child`
//! command the orchestrator re-executes, and the help text that explains each workload.

use crate::spec::{Mode, Workload};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str = "Side-by-side benchmark of ZooKeeper clients: kazoo for Rust against \
zookeeper-client 0.11, tokio-zookeeper 0.4, zookeeper 0.8 and Python kazoo 2.11.";

const LONG_ABOUT: &str = "\
Side-by-side benchmark of ZooKeeper clients: kazoo for Rust (kazoo-rs) against the
`zookeeper-client` crate 0.11, `tokio-zookeeper` 0.4, the `zookeeper` crate 0.8 and Python
kazoo 2.11, plus a raw floor. Every run is a child process (this binary re-executed, or the
Python script bench/kazoo_bench.py), so CPU time and peak RSS belong to one client. Clients are
interleaved and every cell is repeated; the table shows the median, min-max and the ratio to the
best peer. Results go to a JSON-lines file, one line per run.

SERVER MODES
  canned  A loopback server in this process that answers connect, ping, getData, exists, create,
          setData, delete and multi with pre-encoded replies (only the xid is patched) and does no
          other work: the client's own cost is what is measured. Its own CPU time per request is
          recorded, to show it is not the limit.
  real    A real ZooKeeper (standalone, forceSync=no) started by kazoo-testkit. On this machine
          the server caps every client; these figures show whether a client ever becomes the
          limit (on 2 cores the client also competes with the JVM for CPU).

CLIENTS (ids for --clients)
  kazoo-rs/ct, kazoo-rs/mt    ours, async, on a current-thread / multi-thread tokio runtime
  kazoo-rs/blocking           ours, kazoo::blocking::Client
  zookeeper-client/ct, /mt    the zookeeper-client crate on each runtime
  tokio-zookeeper/ct, /mt     the tokio-zookeeper crate on each runtime
  zookeeper-0.8               the zookeeper crate (blocking; pipelines with one thread per request)
  kazoo-py                    Python kazoo in the venv (created by the setup if missing)
  raw-floor                   one thread, blocking socket, pre-encoded getData/create/set/delete
                              frames, replies checked by xid only: the best any client could do
  raw-async-floor             W1 only: the same frames and checks, awaited by one task on a
                              current-thread tokio runtime: the least any tokio client pays
  harness/ct                  canned w1-w3 only, no server: every request answered at once.
                              What the workload loop itself costs (FuturesUnordered, W3's
                              names); a client's instructions/op minus this one's are (at
                              most) the client's own

WORKLOADS (same for every client that has the feature)
  w1   Sequential round trips: create, get, set, delete of one node, each awaited before the
       next. Reports ops/s and p50/p99 latency, overall and per op (get p50 is compared with the
       raw floor).
  w2   Pipelined getData of one 32-byte node with --inflight requests outstanding (sliding
       window: one new request per reply). Reports ops/s, client CPU seconds per 10,000 ops and
       peak RSS (W5).
  w3   Pipelined creates of ephemeral nodes (unique names, removed with the session) with
       --inflight outstanding. Same figures as w2.
  w4   Lock recipe acquire/release cycles in one process (uncontended). Real server only.
  w4c  The same with two processes contending for one lock; cycles/s is the sum of both.
  W5   (derived) CPU s per 10k ops and peak RSS come from the w2/w3 runs; with --callgrind, the
       w2 and w3 children also run under `valgrind --tool=callgrind` against the canned server
       at three op counts, and instructions/op is the slope from the first to the last
       (startup cancels out). When a step between neighbouring counts is more than 5 % off
       that slope, the client did not cost the same per op in every run (its batching
       switched modes): the figure goes to an unsteady column and is not compared.
       The slope includes the harness (run harness/ct for its share). W3's names are written
       into one buffer and lent to the client for the call; a client whose future borrows
       the path copies it (its API's price).
  w6   10,000 one-shot data watches registered (the client's cheapest way), then triggered by
       setData multi-ops (100 per multi) sent by the orchestrator; reports the time from the
       first multi to the last notification and RSS growth per watch. Real server only.
  w7   TreeCache initial load of a 10,001-node tree (100 x 99 leaves); reports load time and
       RSS growth per cached node. Real server only; only clients with a TreeCache.";

/// Top-level arguments.
#[derive(Debug, Parser)]
#[command(name = "kazoo-bench", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// What to do (default: `run`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of `Run`'s arguments does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the benchmark (the default command).
    Run(RunArgs),
    /// Serve canned replies on loopback until interrupted (for manual experiments).
    Canned,
    /// Print the markdown tables of a results file (JSON lines written by `run`).
    Table {
        /// The results file.
        file: PathBuf,
    },
    /// Internal: run one workload of one client and print its outcome as JSON.
    #[command(hide = true)]
    Child {
        /// The RunSpec as JSON.
        #[arg(long)]
        spec: String,
    },
}

/// Arguments of `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Server modes to run.
    #[arg(long, value_delimiter = ',', default_values = ["canned", "real"])]
    pub modes: Vec<Mode>,
    /// Workloads to run.
    #[arg(long, value_delimiter = ',', default_values = ["w1", "w2", "w3", "w4", "w4c", "w6", "w7"])]
    pub workloads: Vec<Workload>,
    /// Client ids to run (default: all this build has).
    #[arg(long, value_delimiter = ',')]
    pub clients: Vec<String>,
    /// Repetitions of every cell (interleaved: each repetition runs every client once).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// Measured seconds per run against the canned server.
    #[arg(long, default_value_t = 1.0)]
    pub duration: f64,
    /// Measured seconds per run against the real server (noisier, so longer).
    #[arg(long, default_value_t = 2.0)]
    pub real_duration: f64,
    /// Unmeasured warm-up seconds per run.
    #[arg(long, default_value_t = 0.3)]
    pub warmup: f64,
    /// Requests in flight for w2/w3.
    #[arg(long, default_value_t = 1000)]
    pub inflight: usize,
    /// Number of watches (and W6 nodes).
    #[arg(long, default_value_t = 10_000)]
    pub watches: usize,
    /// Extra JVM flag for the real server (repeatable), after the benchmark's own.
    #[arg(long = "zk-jvm-arg", allow_hyphen_values = true)]
    pub zk_jvm_args: Vec<String>,
    /// Extra `zoo.cfg` line KEY=VALUE for the real server (repeatable).
    #[arg(long = "zk-config")]
    pub zk_config: Vec<String>,
    /// Also measure instructions/op under callgrind (W5).
    #[arg(long)]
    pub callgrind: bool,
    /// The op counts of the callgrind runs for Rust clients (at least two, ascending): the
    /// slope is taken from the first to the last, the ones between check it is steady.
    #[arg(long, value_delimiter = ',', default_values_t = [20_000u64, 40_000, 60_000])]
    pub callgrind_ops: Vec<u64>,
    /// The op counts of the callgrind runs for Python kazoo (as for Rust clients).
    #[arg(long, value_delimiter = ',', default_values_t = [2_000u64, 4_000, 6_000])]
    pub callgrind_ops_py: Vec<u64>,
    /// JSON-lines output file.
    #[arg(long, default_value = "target/bench/results.jsonl")]
    pub out: PathBuf,
    /// The Python interpreter with kazoo (created as a venv at .venv when missing).
    #[arg(long)]
    pub python: Option<PathBuf>,
}

impl RunArgs {
    /// The defaults, as `kazoo-bench` with no subcommand runs them.
    pub fn parse_default() -> RunArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            a: RunArgs,
        }
        Only::parse_from(["kazoo-bench"]).a
    }
}
