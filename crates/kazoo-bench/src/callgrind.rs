//! W5's instructions per op: each client's W2 and W3 child runs under callgrind against the canned
//! server at two op counts; the slope between them cancels start-up and connection costs.

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
            let (n1, n2) = (
                counts.first().copied().unwrap_or(20_000),
                counts.get(1).copied().unwrap_or(60_000),
            );
            let mut irs = [0u64; 2];
            let mut failed = None;
            for (i, n) in [n1, n2].into_iter().enumerate() {
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
                    Ok(ir) => irs[i] = ir,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            out.push(match failed {
                None => record::callgrind(w, c.id, [n1, n2], irs),
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

    #[test]
    fn reads_summary_or_totals() {
        assert_eq!(total_ir("events: Ir\nsummary: 123456\n"), Some(123456));
        assert_eq!(total_ir("events: Ir\ntotals: 99 1\n"), Some(99));
        assert_eq!(total_ir("events: Ir\n"), None);
    }
}
