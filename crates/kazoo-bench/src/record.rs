//! One JSON line per run: who ran what, the raw outcome, and the figures derived from it.

use crate::canned::ServerUsage;
use crate::cli::RunArgs;
use crate::spec::{Mode, Outcome, Workload};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A line of `results.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// `machine`, `run`, `callgrind` or `error`.
    pub kind: String,
    /// Repetition (0-based).
    pub rep: usize,
    /// Server mode name.
    pub mode: String,
    /// Workload name (`W5` for callgrind records).
    pub workload: String,
    /// Client id.
    pub client: String,
    /// Derived figures, by metric name (see [`METRICS`]).
    pub metrics: BTreeMap<String, f64>,
    /// The child's raw report.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<Outcome>,
    /// The canned server's own usage during the run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub server: Option<ServerUsageRecord>,
    /// Free-form details (machine description, callgrind counts, run id).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub info: BTreeMap<String, serde_json::Value>,
    /// Why the run failed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// Serializable copy of [`ServerUsage`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ServerUsageRecord {
    /// Server CPU seconds.
    pub cpu_secs: f64,
    /// Seconds the client's connections were open.
    pub wall_secs: f64,
    /// Requests answered.
    pub requests: u64,
}

/// Metric names, their unit label for the table, and whether higher is better.
pub const METRICS: &[(&str, &str, bool)] = &[
    ("ops_per_sec", "ops/s", true),
    ("p50_us", "p50 µs", false),
    ("p99_us", "p99 µs", false),
    ("get_p50_us", "get p50 µs", false),
    ("cpu_s_per_10k", "CPU s/10k ops", false),
    ("peak_rss_mib", "peak RSS MiB", false),
    ("server_us_per_req", "server CPU µs/req", false),
    ("server_busy_pct", "server busy %", false),
    ("instr_per_op", "instr/op", false),
    (UNSTEADY, "instr/op, unsteady (not compared)", false),
    ("notify_ms", "all notified ms", false),
    ("bytes_per_watch", "RSS B/watch", false),
    ("heap_per_watch", "heap B/watch", false),
    ("load_ms", "load ms", false),
    ("bytes_per_node", "RSS B/node", false),
    ("heap_per_node", "heap B/node", false),
    ("heap_peak_mib", "peak heap MiB", false),
];

fn blank(kind: &str, rep: usize, mode: &str, workload: &str, client: &str) -> Record {
    Record {
        kind: kind.into(),
        rep,
        mode: mode.into(),
        workload: workload.into(),
        client: client.into(),
        metrics: BTreeMap::new(),
        outcome: None,
        server: None,
        info: BTreeMap::new(),
        error: None,
    }
}

/// The first line: the machine and the settings.
pub fn machine(args: &RunArgs) -> Record {
    let mut r = blank("machine", 0, "", "", "");
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    r.info.insert("cpu".into(), cpu.into());
    // Other work on the machine skews every figure; the load average says how much there was.
    r.info.insert("loadavg_at_start".into(), loadavg().into());
    r.info.insert("nproc".into(), nproc.into());
    r.info.insert("reps".into(), args.reps.into());
    r.info.insert("duration_s".into(), args.duration.into());
    r.info
        .insert("real_duration_s".into(), args.real_duration.into());
    r.info.insert("warmup_s".into(), args.warmup.into());
    r.info.insert("inflight".into(), args.inflight.into());
    r.info.insert("watches".into(), args.watches.into());
    r.info
        .insert("zk_jvm_args".into(), args.zk_jvm_args.clone().into());
    r.info
        .insert("zk_config".into(), args.zk_config.clone().into());
    r
}

/// `/proc/loadavg`'s first three fields.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A failed run.
pub fn failure(rep: usize, mode: Mode, w: Workload, client: &str, e: &anyhow::Error) -> Record {
    let mut r = blank("error", rep, mode.name(), w.name(), client);
    r.error = Some(format!("{e:#}"));
    r
}

/// A successful run with its derived figures.
#[allow(clippy::too_many_arguments)]
pub fn run(
    rep: usize,
    mode: Mode,
    w: Workload,
    client: &str,
    run_id: &str,
    o: Outcome,
    server: Option<ServerUsage>,
    watches: usize,
) -> Record {
    let mut r = blank("run", rep, mode.name(), w.name(), client);
    r.info.insert("run_id".into(), run_id.into());
    let m = &mut r.metrics;
    let mib = o.peak_rss as f64 / (1024.0 * 1024.0);
    match w {
        Workload::W1 | Workload::W2 | Workload::W3 | Workload::W4 | Workload::W4c => {
            if o.secs > 0.0 {
                m.insert("ops_per_sec".into(), o.ops as f64 / o.secs);
            }
            if let Some(l) = o.latency {
                m.insert("p50_us".into(), l.p50_us);
                m.insert("p99_us".into(), l.p99_us);
            }
            if let Some(l) = o.per_op.get("get") {
                m.insert("get_p50_us".into(), l.p50_us);
            }
            if matches!(w, Workload::W2 | Workload::W3) && o.ops > 0 {
                m.insert("cpu_s_per_10k".into(), o.cpu_secs / o.ops as f64 * 1e4);
                m.insert("peak_rss_mib".into(), mib);
            }
        }
        Workload::W6 => {
            m.insert("notify_ms".into(), o.secs * 1e3);
            if let (Some(a), Some(b)) = (o.rss_after, o.rss_before) {
                m.insert(
                    "bytes_per_watch".into(),
                    (a as f64 - b as f64) / watches.max(1) as f64,
                );
            }
            if let (Some(a), Some(b)) = (o.heap_after, o.heap_before) {
                let per = (a as f64 - b as f64) / watches.max(1) as f64;
                m.insert("heap_per_watch".into(), per);
            }
            m.insert("peak_rss_mib".into(), mib);
        }
        Workload::W7 => {
            m.insert("load_ms".into(), o.secs * 1e3);
            if let (Some(a), Some(b), Some(n)) = (o.rss_after, o.rss_before, o.items) {
                m.insert(
                    "bytes_per_node".into(),
                    (a as f64 - b as f64) / n.max(1) as f64,
                );
            }
            if let (Some(a), Some(b), Some(n)) = (o.heap_after, o.heap_before, o.items) {
                m.insert(
                    "heap_per_node".into(),
                    (a as f64 - b as f64) / n.max(1) as f64,
                );
            }
            m.insert("peak_rss_mib".into(), mib);
        }
    }
    if let Some(p) = o.heap_peak {
        m.insert("heap_peak_mib".into(), p as f64 / (1024.0 * 1024.0));
    }
    if let Some(s) = server {
        if s.requests > 0 {
            m.insert(
                "server_us_per_req".into(),
                s.cpu_secs / s.requests as f64 * 1e6,
            );
        }
        if s.wall_secs > 0.0 {
            m.insert("server_busy_pct".into(), s.cpu_secs / s.wall_secs * 100.0);
        }
        r.server = Some(ServerUsageRecord {
            cpu_secs: s.cpu_secs,
            wall_secs: s.wall_secs,
            requests: s.requests,
        });
    }
    r.outcome = Some(o);
    r
}

/// The metric of a callgrind slope that is not steady (see [`callgrind`]): shown, never
/// compared.
pub const UNSTEADY: &str = "instr_per_op_unsteady";

/// How far (relative) a step's slope may be from the whole slope for the count to be steady.
pub const STEADY: f64 = 0.05;

/// A callgrind slope: instructions per op of `w` from the first op count to the last. With
/// three counts or more, each step's slope (between neighbouring counts) is kept too; when one
/// is more than [`STEADY`] away from the whole slope, the client did not cost the same per op
/// in every run (a client whose batching switches between modes from run to run can even mix
/// them across the runs, and a slope across modes is no per-op cost at all). Such a slope is
/// recorded as [`UNSTEADY`]: shown, but not a cell any ratio or best peer uses.
pub fn callgrind(w: Workload, client: &str, ops: &[u64], instructions: &[u64]) -> Record {
    let mut r = blank(
        "callgrind",
        0,
        "canned",
        &format!("W5-{}", w.name()),
        client,
    );
    let slope = |a: usize, b: usize| {
        (instructions[b] as f64 - instructions[a] as f64) / (ops[b] as f64 - ops[a] as f64)
    };
    let last = ops.len().min(instructions.len()).saturating_sub(1);
    let per_op = slope(0, last);
    let steps: Vec<f64> = (1..=last).map(|i| slope(i - 1, i)).collect();
    let steady = steps
        .iter()
        .all(|s| ((s - per_op) / per_op).abs() <= STEADY);
    let name = if steady { "instr_per_op" } else { UNSTEADY };
    r.metrics.insert(name.into(), per_op);
    r.info.insert("ops".into(), serde_json::json!(ops));
    r.info
        .insert("instructions".into(), serde_json::json!(instructions));
    r.info
        .insert("step_slopes".into(), serde_json::json!(steps));
    r
}
