//! The table: per (mode, workload), one row per client and one column per figure, each cell the
//! median over repetitions with min-max and the ratio to the best peer's median.

use crate::clients;
use crate::record::{Record, METRICS, UNSTEADY};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Median, min and max of a non-empty set.
pub fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (med, s[0], s[n - 1])
}

/// Formats a figure with a precision that suits its size.
pub fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 100_000.0 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a == 0.0 {
        "0".to_string()
    } else {
        // Three significant digits for small figures (CPU seconds per 10k ops can be 0.0004).
        let decimals = (2.0 - a.log10().floor()).clamp(3.0, 9.0) as usize;
        format!("{v:.decimals$}")
    }
}

type Cells = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

/// Renders the markdown table of every run record (failed runs are listed after it).
pub fn table(records: &[Record]) -> String {
    let mut groups: BTreeMap<(String, String), Cells> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.kind == "run" || r.kind == "callgrind")
    {
        let cells = groups
            .entry((r.mode.clone(), r.workload.clone()))
            .or_default();
        for (k, v) in &r.metrics {
            if v.is_finite() {
                cells
                    .entry(r.client.clone())
                    .or_default()
                    .entry(k.clone())
                    .or_default()
                    .push(*v);
            }
        }
    }
    let mut out = String::new();
    let order = |id: &str| {
        clients::ALL
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    for ((mode, workload), cells) in &groups {
        let cols: Vec<&(&str, &str, bool)> = METRICS
            .iter()
            .filter(|(m, _, _)| cells.values().any(|c| c.contains_key(*m)))
            .collect();
        let _ = writeln!(out, "\n### {workload} · {mode} server\n");
        let _ = write!(out, "| client |");
        for (_, label, hi) in &cols {
            let _ = write!(out, " {label} {} |", if *hi { "↑" } else { "↓" });
        }
        let _ = write!(out, "\n|---|");
        for _ in &cols {
            let _ = write!(out, "---|");
        }
        out.push('\n');
        // Best peer's median per metric.
        let mut best: BTreeMap<&str, f64> = BTreeMap::new();
        for (client, m) in cells {
            if !clients::find(client).is_some_and(|c| c.is_peer()) {
                continue;
            }
            // An unsteady slope is shown but compared with nothing (see `record::callgrind`).
            for (name, _, hi) in cols.iter().filter(|(n, _, _)| *n != UNSTEADY) {
                if let Some(v) = m.get(*name) {
                    let med = stats(v).0;
                    let e = best.entry(name).or_insert(med);
                    if (*hi && med > *e) || (!*hi && med < *e) {
                        *e = med;
                    }
                }
            }
        }
        let mut rows: Vec<&String> = cells.keys().collect();
        rows.sort_by_key(|c| order(c));
        for client in rows {
            let m = &cells[client];
            let _ = write!(out, "| {client} |");
            for (name, _, _) in &cols {
                match m.get(*name) {
                    Some(v) => {
                        let (med, lo, hi) = stats(v);
                        let ratio = best
                            .get(name)
                            .filter(|b| **b != 0.0)
                            .map(|b| format!(" ×{:.2}", med / b))
                            .unwrap_or_default();
                        if v.len() > 1 {
                            let _ = write!(out, " {} ({}–{}){ratio} |", fmt(med), fmt(lo), fmt(hi));
                        } else {
                            let _ = write!(out, " {}{ratio} |", fmt(med));
                        }
                    }
                    None => {
                        let _ = write!(out, " – |");
                    }
                }
            }
            out.push('\n');
        }
    }
    let failed: Vec<&Record> = records.iter().filter(|r| r.kind == "error").collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nFailed runs:\n");
        for r in failed {
            let _ = writeln!(
                out,
                "- rep {} {} {} {}: {}",
                r.rep,
                r.mode,
                r.workload,
                r.client,
                r.error
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            );
        }
    }
    out.push_str("\nCells: median (min–max) over repetitions; ×r = median ÷ best peer's median (↑ higher is better, ↓ lower is better).\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsteady_slope_is_shown_without_ratio_and_is_no_best_peer() {
        use crate::record::callgrind;
        use crate::spec::Workload;
        let ops = [20_000u64, 40_000, 60_000];
        let line = |per_op: u64| ops.map(|n| 2_000_000 + per_op * n);
        let records = [
            callgrind(Workload::W2, "kazoo-rs/ct", &ops, &line(2_000)),
            callgrind(Workload::W2, "tokio-zookeeper/ct", &ops, &line(4_000)),
            // Lower than both, but its steps disagree: 1,000 then 5,000 per op.
            callgrind(
                Workload::W2,
                "zookeeper-client/mt",
                &ops,
                &[60_000_000, 80_000_000, 180_000_000],
            ),
        ];
        let t = table(&records);
        assert!(t.contains("| kazoo-rs/ct | 2000 ×0.50 | – |"), "{t}");
        assert!(t.contains("| zookeeper-client/mt | – | 3000 |"), "{t}");
    }

    #[test]
    fn median_min_max() {
        assert_eq!(stats(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(stats(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt(512_345.0), "512k");
        assert_eq!(fmt(1234.4), "1234");
        assert_eq!(fmt(12.345), "12.35");
        assert_eq!(fmt(0.000412), "0.000412");
        assert_eq!(fmt(0.5), "0.500");
    }
}
