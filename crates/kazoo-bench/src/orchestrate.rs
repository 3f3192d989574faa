//! The `run` command: sets up the servers and fixtures, runs every (mode, workload, client) cell
//! in child processes, interleaved and repeated, and records one JSON line per run.

use crate::canned::CannedServer;
use crate::child_proc::Launcher;
use crate::cli::RunArgs;
use crate::clients::{self, ClientInfo};
use crate::record::{self, Record};
use crate::spec::{Mode, Outcome, RunSpec, Workload};
use crate::usage::monotonic_ns;
use crate::wire::RawConn;
use crate::{callgrind, fixtures, report, setup};
use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

/// Root of every node the benchmark creates on the real server.
const PREFIX: &str = "/kazoo-bench";

/// The servers of this benchmark run.
pub struct Servers {
    /// The canned server, when the canned mode runs.
    pub canned: Option<CannedServer>,
    /// The real server, when the real mode runs (kept alive by holding it).
    pub real: Option<(kazoo_testkit::ZkServer, SocketAddr)>,
}

impl Servers {
    fn addr(&self, mode: Mode) -> Option<SocketAddr> {
        match mode {
            Mode::Canned => self.canned.as_ref().map(CannedServer::addr),
            Mode::Real => self.real.as_ref().map(|r| r.1),
        }
    }
}

/// Runs the benchmark as `args` describe.
pub fn run(args: RunArgs) -> Result<()> {
    let root = setup::workspace_root();
    let clients = select_clients(&args)?;
    let python = if clients.iter().any(|c| c.id == "kazoo-py") {
        setup::kazoo_python(&root, args.python.clone())?
    } else {
        args.python.clone().unwrap_or_else(|| "python3".into())
    };
    let launcher = Launcher {
        exe: std::env::current_exe()?,
        python,
        script: root.join("bench/kazoo_bench.py"),
        callgrind_out: None,
    };
    let out_path = if args.out.is_relative() {
        root.join(&args.out)
    } else {
        args.out.clone()
    };
    if let Some(dir) = out_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = std::fs::File::create(&out_path)
        .with_context(|| format!("creating {}", out_path.display()))?;
    let mut records = Vec::new();
    let mut emit = |r: Record, out: &mut std::fs::File| -> Result<()> {
        writeln!(out, "{}", serde_json::to_string(&r)?)?;
        out.flush()?;
        records.push(r);
        Ok(())
    };
    emit(record::machine(&args), &mut out)?;

    let servers = start_servers(&args)?;
    let modes: Vec<Mode> = args
        .modes
        .iter()
        .copied()
        .filter(|m| servers.addr(*m).is_some())
        .collect();
    for rep in 0..args.reps {
        for &mode in &modes {
            for &w in &args.workloads {
                let mut cell: Vec<&ClientInfo> = clients
                    .iter()
                    .copied()
                    .filter(|c| c.supports(w, mode))
                    .collect();
                if cell.is_empty() {
                    continue;
                }
                // Interleave: each repetition starts the round with a different client.
                let shift = rep % cell.len();
                cell.rotate_left(shift);
                for c in cell {
                    let r = run_cell(&args, &launcher, &servers, mode, w, c, rep);
                    let rec = match r {
                        Ok(rec) => rec,
                        Err(e) => {
                            eprintln!("  {} {} {}: FAILED: {e:#}", mode.name(), w.name(), c.id);
                            record::failure(rep, mode, w, c.id, &e)
                        }
                    };
                    print_progress(&rec);
                    emit(rec, &mut out)?;
                }
            }
        }
    }
    if args.callgrind {
        if let Some(addr) = servers.addr(Mode::Canned) {
            for rec in callgrind::run_all(&args, &launcher, &clients, addr)? {
                print_progress(&rec);
                emit(rec, &mut out)?;
            }
        } else {
            eprintln!("callgrind runs need the canned mode; skipped");
        }
    }
    eprintln!("load average at the end: {}", record::loadavg());
    let table = report::table(&records);
    println!("\n{table}");
    let table_path = out_path.with_extension("md");
    std::fs::write(&table_path, &table)?;
    eprintln!(
        "results: {}\ntable:   {}",
        out_path.display(),
        table_path.display()
    );
    Ok(())
}

fn select_clients(args: &RunArgs) -> Result<Vec<&'static ClientInfo>> {
    if args.clients.is_empty() {
        return Ok(clients::ALL
            .iter()
            .filter(|c| clients::available(c))
            .collect());
    }
    args.clients
        .iter()
        .map(|id| {
            let c = clients::find(id).with_context(|| format!("unknown client {id}"))?;
            anyhow::ensure!(
                clients::available(c),
                "{id} is not in this build (feature `ours`)"
            );
            Ok(c)
        })
        .collect()
}

fn start_servers(args: &RunArgs) -> Result<Servers> {
    let canned = if args.modes.contains(&Mode::Canned) {
        Some(CannedServer::start()?)
    } else {
        None
    };
    let real = if args.modes.contains(&Mode::Real) {
        eprintln!("starting ZooKeeper (kazoo-testkit)...");
        let mut zk = kazoo_testkit::ZkServer::builder()
            // A benchmark wants the server at full speed: C2 JIT and room for 10^5 nodes.
            .jvm_arg("-XX:TieredStopAtLevel=4")
            .jvm_arg("-Xms512m")
            .jvm_arg("-Xmx1g");
        for a in &args.zk_jvm_args {
            zk = zk.jvm_arg(a.clone());
        }
        for kv in &args.zk_config {
            let (k, v) = kv
                .split_once('=')
                .with_context(|| format!("--zk-config {kv:?}: expected KEY=VALUE"))?;
            zk = zk.config(k, v);
        }
        let zk = zk.start().context("starting ZooKeeper")?;
        let addr = zk.addr();
        let tree = args.workloads.contains(&Workload::W7);
        fixtures::load(addr, PREFIX, args.watches, tree).context("loading fixtures")?;
        fixtures::warm_up(addr, PREFIX, 5.0).context("warming the server up")?;
        Some((zk, addr))
    } else {
        None
    };
    Ok(Servers { canned, real })
}

fn spec_for(
    args: &RunArgs,
    addr: SocketAddr,
    mode: Mode,
    w: Workload,
    c: &ClientInfo,
    rep: usize,
) -> RunSpec {
    RunSpec {
        client: c.id.to_string(),
        workload: w,
        mode,
        addr: addr.to_string(),
        warmup_ms: (args.warmup * 1e3) as u64,
        duration_ms: (if mode == Mode::Real {
            args.real_duration
        } else {
            args.duration
        } * 1e3) as u64,
        ops: 0,
        inflight: args.inflight,
        run_id: format!("{}{}-{}", rep, w.name(), c.tag()),
        prefix: PREFIX.to_string(),
        start_at_ns: 0,
        watches: args.watches,
    }
}

fn child_limit(args: &RunArgs) -> Duration {
    Duration::from_secs_f64(args.warmup + args.duration.max(args.real_duration) + 60.0)
}

fn run_cell(
    args: &RunArgs,
    launcher: &Launcher,
    servers: &Servers,
    mode: Mode,
    w: Workload,
    c: &ClientInfo,
    rep: usize,
) -> Result<Record> {
    let addr = servers.addr(mode).context("server not running")?;
    let spec = spec_for(args, addr, mode, w, c, rep);
    let before = servers.canned.as_ref().map(CannedServer::usage);
    let outcome = match w {
        Workload::W4 | Workload::W4c => {
            fixtures::mkdir(addr, &crate::drive::w4_dir(&spec))?;
            if w == Workload::W4 {
                launcher.spawn(&spec)?.wait(child_limit(args))?
            } else {
                contended(args, launcher, spec.clone())?
            }
        }
        Workload::W6 => {
            let mut child = launcher.spawn(&spec)?;
            child.wait_ready(Duration::from_secs(180))?;
            let mut conn = RawConn::connect(addr, 30_000)?;
            let t0 = fixtures::trigger_w6(&mut conn, PREFIX, args.watches)?;
            let _ = conn.close();
            let mut o = child.wait(Duration::from_secs(180))?;
            o.secs = o.last_event_ns.unwrap_or(t0).saturating_sub(t0) as f64 / 1e9;
            o
        }
        _ => launcher.spawn(&spec)?.wait(child_limit(args))?,
    };
    if mode == Mode::Real {
        settle(addr);
    }
    let server = match (&servers.canned, before) {
        (Some(s), Some(b)) if mode == Mode::Canned => {
            s.wait_idle(Duration::from_secs(5));
            Some(s.usage().since(&b))
        }
        _ => None,
    };
    Ok(record::run(
        rep,
        mode,
        w,
        c.id,
        &spec.run_id,
        outcome,
        server,
        args.watches,
    ))
}

/// Waits (up to 60 s) until the real server has finished with the last child: its session
/// closed and its ephemeral nodes (W3 leaves tens of thousands) deleted, and nothing is
/// outstanding. Otherwise the next client in the rotation would share the server's CPU with
/// that clean-up and measure lower through no fault of its own.
fn settle(addr: SocketAddr) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let Ok(m) = kazoo_testkit::four_letter_word(addr, "mntr", Duration::from_secs(5)) else {
            return;
        };
        let value = |key: &str| {
            m.lines()
                .find_map(|l| l.strip_prefix(key)?.trim().parse::<i64>().ok())
                .unwrap_or(0)
        };
        if value("zk_ephemerals_count") == 0 && value("zk_outstanding_requests") == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("warning: the server still had ephemeral nodes after 60 s");
}

/// W4c: two children of the same client contending for one lock, started at the same instant.
fn contended(args: &RunArgs, launcher: &Launcher, mut spec: RunSpec) -> Result<Outcome> {
    spec.start_at_ns = monotonic_ns() + 2_000_000_000;
    let a = launcher.spawn(&spec)?;
    let b = launcher.spawn(&spec)?;
    let limit = child_limit(args) + Duration::from_secs(2);
    let (oa, ob) = (a.wait(limit)?, b.wait(limit)?);
    let secs = oa.secs.max(ob.secs);
    Ok(Outcome {
        ops: oa.ops + ob.ops,
        errors: oa.errors + ob.errors,
        secs,
        latency: oa.latency,
        cpu_secs: oa.cpu_secs + ob.cpu_secs,
        peak_rss: oa.peak_rss.max(ob.peak_rss),
        ..Outcome::default()
    })
}

fn print_progress(r: &Record) {
    let figures: Vec<String> = r
        .metrics
        .iter()
        .map(|(k, v)| format!("{k}={v:.2}"))
        .collect();
    eprintln!(
        "  rep {} {:6} {:4} {:20} {}",
        r.rep,
        r.mode,
        r.workload,
        r.client,
        if r.error.is_some() {
            "FAILED".to_string()
        } else {
            figures.join(" ")
        }
    );
}
