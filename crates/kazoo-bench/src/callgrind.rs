//! W5's instructions per op: each client's W2 and W3 child runs under callgrind against the canned
//! server at several op counts (three by default); the slope between the first and the last
//! cancels start-up and connection costs, and the slopes between neighbouring counts show
//! whether the client cost the same per op in every run (see [`record::callgrind`]).

use crate::child_proc::Launcher;
use crate::cli::RunArgs;
use crate::clients::{ClientInfo, Kind};
use crate::record::{self, Record};
use crate::spec::{Mode, RunSpec, Workload};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Total instructions (`Ir`) from a callgrind output file (its `summary:` or `totals:` line).
pub fn total_ir(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn one(launcher: &Launcher, spec: &RunSpec, file: &Path) -> Result<u64> {
    let mut l = launcher.clone();
    l.callgrind_out = Some(file.to_path_buf());
    l.spawn(spec)?.wait(Duration::from_secs(900))?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let _ = std::fs::remove_file(file);
    total_ir(&text).context("no totals in callgrind output")
}

/// Runs every (W2, W3) x client pair at both op counts; failures become error records.
pub fn run_all(
    args: &RunArgs,
    launcher: &Launcher,
    clients: &[&ClientInfo],
    addr: SocketAddr,
) -> Result<Vec<Record>> {
    for (flag, counts) in [
        ("--callgrind-ops", &args.callgrind_ops),
        ("--callgrind-ops-py", &args.callgrind_ops_py),
    ] {
        anyhow::ensure!(
            counts.len() >= 2 && counts.windows(2).all(|w| w[0] < w[1]),
            "{flag} needs at least two ascending op counts, got {counts:?}"
        );
    }
    let dir = std::env::temp_dir().join(format!("kazoo-bench-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut out = Vec::new();
    for w in [Workload::W2, Workload::W3] {
        for c in clients.iter().filter(|c| c.supports(w, Mode::Canned)) {
            let counts = if c.kind == Kind::KazooPy {
                &args.callgrind_ops_py
            } else {
                &args.callgrind_ops
            };
            let mut irs = Vec::with_capacity(counts.len());
            let mut failed = None;
            for (i, &n) in counts.iter().enumerate() {
                let spec = RunSpec {
                    client: c.id.to_string(),
                    workload: w,
                    mode: Mode::Canned,
                    addr: addr.to_string(),
                    warmup_ms: 0,
                    duration_ms: 0,
                    ops: n,
                    inflight: args.inflight,
                    run_id: format!("cg{i}-{}", c.tag()),
                    prefix: "/kazoo-bench".into(),
                    start_at_ns: 0,
                    watches: args.watches,
                };
                match one(
                    launcher,
                    &spec,
                    &dir.join(format!("{}-{}-{n}.out", w.name(), c.id.replace('/', "_"))),
                ) {
                    Ok(ir) => irs.push(ir),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            out.push(match failed {
                None => record::callgrind(w, c.id, counts, &irs),
                Some(e) => record::failure(0, Mode::Canned, w, c.id, &e.context("callgrind")),
            });
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::total_ir;
    use crate::record;
    use crate::spec::Workload;

    #[test]
    fn a_steady_slope_is_compared_and_one_across_modes_is_not() {
        // 2.3 M to start, then 2,051 per op (kazoo-rs/ct W2 in the tenth session's run).
        let steady = [20_000u64, 40_000, 60_000].map(|n| 2_300_000 + 2_051 * n);
        let r = record::callgrind(Workload::W2, "x", &[20_000, 40_000, 60_000], &steady);
        assert_eq!(r.metrics.get("instr_per_op").copied(), Some(2_051.0));
        assert!(!r.metrics.contains_key("instr_per_op_unsteady"));
        // zookeeper-client/mt W2 in the same run: 7,040 per op at 20k, 4,970 at 60k (its
        // batching switched modes). Two counts alone gave 3,935, below either mode; the
        // middle count shows the steps disagree.
        let mixed = [140_803_481u64, 281_000_000, 298_202_762];
        let r = record::callgrind(Workload::W2, "x", &[20_000, 40_000, 60_000], &mixed);
        assert!(!r.metrics.contains_key("instr_per_op"));
        let v = r.metrics["instr_per_op_unsteady"];
        assert!((v - 3_934.98).abs() < 0.1, "{v}");
        // A step within 5 % of the whole slope is noise, not another mode.
        let noisy = [
            2_300_000 + 2_051 * 20_000,
            2_300_000 + 2_090 * 40_000,
            2_300_000 + 2_051 * 60_000,
        ];
        let r = record::callgrind(Workload::W2, "x", &[20_000, 40_000, 60_000], &noisy);
        assert!(r.metrics.contains_key("instr_per_op"));
    }

    #[test]
    fn reads_summary_or_totals() {
        assert_eq!(total_ir("events: Ir\nsummary: 123456\n"), Some(123456));
        assert_eq!(total_ir("events: Ir\ntotals: 99 1\n"), Some(99));
        assert_eq!(total_ir("events: Ir\n"), None);
    }
}
