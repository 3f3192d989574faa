//! The workload loops, written once and shared by every Rust client through two small adapter
//! traits: [`AsyncZk`] for tokio clients and [`SyncZk`] for blocking ones. A client that can do
//! more (locks, watches, caches) implements the optional traits next to its adapter.

use crate::measure::{Gate, Samples, Stop};
use crate::spec::{Outcome, RunSpec, Workload};
use crate::usage::{monotonic_ns, peak_rss_bytes, process_cpu, rss_bytes, sleep_until_ns};
use anyhow::{bail, Result};
use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The payload of every create and set (32 bytes, the size of the fixture node's data).
pub const DATA: &[u8] = b"kazoo-bench-data-0123456789abcde";

/// The operations W1-W3 need from an async client.
///
/// Adapters of clients that queue a request when the method is called must call it before
/// returning the future, so that pipelining is what the client really does.
pub trait AsyncZk {
    /// getData on `path`, result discarded.
    fn get<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a;
    /// create `path` with `data` and the open ACL; ephemeral or persistent. `path` is lent for
    /// the call only (the harness rewrites its buffer for the next name): a client whose
    /// future borrows the path must copy it.
    fn create<'a>(
        &'a self,
        path: &str,
        data: &'static [u8],
        ephemeral: bool,
    ) -> impl Future<Output = Result<()>> + use<'a, Self>;
    /// setData on `path`, any version.
    fn set<'a>(
        &'a self,
        path: &'a str,
        data: &'static [u8],
    ) -> impl Future<Output = Result<()>> + 'a;
    /// delete `path`, any version.
    fn delete<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a;
}

/// One lock acquire/release cycle of an async client's lock recipe.
pub trait AsyncLock {
    /// Acquires the lock whose nodes live under `dir`, then releases it.
    fn cycle<'a>(&'a self, dir: &'a str) -> impl Future<Output = Result<()>> + 'a;
}

/// The operations W1-W3 need from a blocking client (shared across threads for pipelining).
pub trait SyncZk: Sync {
    /// getData on `path`.
    fn get(&self, path: &str) -> Result<()>;
    /// create `path` with the open ACL.
    fn create(&self, path: &str, data: &[u8], ephemeral: bool) -> Result<()>;
    /// setData on `path`, any version.
    fn set(&self, path: &str, data: &[u8]) -> Result<()>;
    /// delete `path`, any version.
    fn delete(&self, path: &str) -> Result<()>;
}

/// The fixture node every getData reads (created by the orchestrator on the real server).
pub fn data_path(spec: &RunSpec) -> String {
    format!("{}/data", spec.prefix)
}

/// The node every W1 round creates, reads, writes and deletes.
pub fn w1_path(spec: &RunSpec) -> String {
    format!("{}/w1-{}", spec.prefix, spec.run_id)
}

/// W3's node names, `<prefix>/w3-<run id>-<i>`, written into one reused buffer and lent to the
/// client for the duration of the call. A `format!` per name cost about 1,450 instructions
/// per create and an exactly sized `String` per name about 300 (allocation, copy, free), the
/// same for every client, which W5's instruction counts (harness included) then carried. A
/// client whose request future borrows the path copies it in its adapter: that copy is the
/// price of its API and is billed to it.
struct W3Names {
    base: String,
}

impl W3Names {
    fn new(spec: &RunSpec) -> W3Names {
        W3Names {
            base: format!("{}/w3-{}-", spec.prefix, spec.run_id),
        }
    }

    /// A buffer for [`W3Names::write`], large enough for every name.
    fn buffer(&self) -> NameBuf {
        NameBuf {
            name: String::with_capacity(self.base.len() + 20),
            last: None,
        }
    }

    /// Writes name `i` into `buf` and returns it. The workloads ask for consecutive names, so
    /// the common case adds one to the decimal tail of the previous name in place (a digit or
    /// two), rather than formatting `i` again.
    fn write<'b>(&self, buf: &'b mut NameBuf, i: u64) -> &'b str {
        let name = &mut buf.name;
        if buf.last.is_some_and(|last| last.checked_add(1) == Some(i)) {
            // The trailing nines become zeros and the digit before them goes up by one (a
            // new leading `1` when every digit was a nine).
            let tail = &name.as_bytes()[self.base.len()..];
            let nines = tail.iter().rev().take_while(|&&d| d == b'9').count();
            let bumped = tail[..tail.len() - nines].last().copied();
            name.truncate(name.len() - nines - usize::from(bumped.is_some()));
            name.push(char::from(bumped.map_or(b'1', |d| d + 1)));
            for _ in 0..nines {
                name.push('0');
            }
        } else {
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut n = i;
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            name.clear();
            name.push_str(&self.base);
            name.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
        }
        buf.last = Some(i);
        name
    }
}

/// The buffer a run's W3 names are written into, and the number of the name it holds.
struct NameBuf {
    name: String,
    last: Option<u64>,
}

/// The W6 node names (created by the orchestrator).
pub fn w6_paths(spec: &RunSpec) -> Vec<String> {
    (0..spec.watches)
        .map(|i| format!("{}/w6/n{i:05}", spec.prefix))
        .collect()
}

/// The directory W4 lock nodes live in (created by the orchestrator).
pub fn w4_dir(spec: &RunSpec) -> String {
    format!("{}/w4-{}", spec.prefix, spec.run_id)
}

/// The warm-up limit (none for fixed-count runs) and the measured-phase limit.
pub fn phases(spec: &RunSpec) -> (Option<Stop>, Stop) {
    if spec.ops > 0 {
        (None, Stop::Ops(spec.ops))
    } else {
        (
            Some(Stop::For(Duration::from_millis(spec.warmup_ms))),
            Stop::For(Duration::from_millis(spec.duration_ms)),
        )
    }
}

/// Accumulates one measured phase: wall time, CPU time, op count, latencies.
struct Phase {
    t0: Instant,
    cpu0: Duration,
}

impl Phase {
    fn begin() -> Self {
        Phase {
            t0: Instant::now(),
            cpu0: process_cpu(),
        }
    }
    fn end(self, ops: u64, errors: u64) -> Outcome {
        Outcome {
            ops,
            errors,
            secs: self.t0.elapsed().as_secs_f64(),
            cpu_secs: (process_cpu() - self.cpu0).as_secs_f64(),
            peak_rss: peak_rss_bytes(),
            ..Outcome::default()
        }
    }
}

/// Fails the run when errors dominate (a broken client must not post a fast figure).
fn check_errors(ops: u64, errors: u64) -> Result<()> {
    if errors > 0 && errors * 100 > ops.max(1) {
        bail!("{errors} of {ops} operations failed");
    }
    Ok(())
}

/// Runs an async client's W1, W2 or W3.
pub async fn run_async<C: AsyncZk>(c: &C, spec: &RunSpec) -> Result<Outcome> {
    let (warm, stop) = phases(spec);
    sleep_until_ns(spec.start_at_ns);
    match spec.workload {
        Workload::W1 => {
            let path = w1_path(spec);
            if let Some(w) = warm {
                w1_async(c, &path, w, false).await?;
            }
            w1_async(c, &path, stop, true).await
        }
        // One closure type per workload: an `Either` of both futures would make every getData
        // future as large as a create future and bill the copying to the client.
        Workload::W2 => {
            let get_path = data_path(spec);
            let issue = |_i: u64| c.get(&get_path);
            if let Some(w) = warm {
                pipelined_async(spec, w, issue).await?;
            }
            pipelined_async(spec, stop, issue).await
        }
        Workload::W3 => {
            let names = W3Names::new(spec);
            let mut buf = names.buffer();
            if let Some(w) = warm {
                pipelined_async(spec, w, |i| {
                    c.create(names.write(&mut buf, u64::MAX / 2 + i), DATA, true)
                })
                .await?;
            }
            pipelined_async(spec, stop, |i| {
                c.create(names.write(&mut buf, i), DATA, true)
            })
            .await
        }
        w => bail!("{} is not a plain-operation workload", w.name()),
    }
}

async fn w1_async<C: AsyncZk>(c: &C, path: &str, stop: Stop, record: bool) -> Result<Outcome> {
    let mut lat = [(); 4].map(|_| Samples::with_capacity(if record { 1 << 20 } else { 0 }));
    let mut gate = Gate::new(match stop {
        Stop::Ops(n) => Stop::Ops(n.div_ceil(4)),
        s => s,
    });
    let phase = Phase::begin();
    let (mut ops, mut errors) = (0u64, 0u64);
    while gate.admit() {
        let t = Instant::now();
        let r1 = c.create(path, DATA, false).await;
        let t1 = Instant::now();
        let r2 = c.get(path).await;
        let t2 = Instant::now();
        let r3 = c.set(path, DATA).await;
        let t3 = Instant::now();
        let r4 = c.delete(path).await;
        let t4 = Instant::now();
        if record {
            lat[0].push(t1 - t);
            lat[1].push(t2 - t1);
            lat[2].push(t3 - t2);
            lat[3].push(t4 - t3);
        }
        for r in [r1, r2, r3, r4] {
            if let Err(e) = r {
                errors += 1;
                if errors == 1 {
                    eprintln!("first error: {e:#}");
                }
            }
        }
        ops += 4;
    }
    let mut out = phase.end(ops, errors);
    check_errors(ops, errors)?;
    finish_w1(&mut out, lat);
    Ok(out)
}

fn finish_w1(out: &mut Outcome, lat: [Samples; 4]) {
    let mut all = Samples::default();
    for (name, mut s) in ["create", "get", "set", "delete"].into_iter().zip(lat) {
        if let Some(l) = s.summary() {
            out.per_op.insert(name.to_string(), l);
        }
        all.extend(s);
    }
    out.latency = all.summary();
}

async fn pipelined_async<F, Fut>(spec: &RunSpec, stop: Stop, mut issue: F) -> Result<Outcome>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut gate = Gate::new(stop);
    let mut inflight = FuturesUnordered::new();
    let phase = Phase::begin();
    let (mut ops, mut errors) = (0u64, 0u64);
    while inflight.len() < spec.inflight && gate.admit() {
        inflight.push(issue(gate.issued()));
    }
    while let Some(r) = inflight.next().await {
        ops += 1;
        if let Err(e) = r {
            errors += 1;
            if errors == 1 {
                eprintln!("first error: {e:#}");
            }
        }
        if gate.admit() {
            inflight.push(issue(gate.issued()));
        }
    }
    let out = phase.end(ops, errors);
    check_errors(ops, errors)?;
    Ok(out)
}

/// Runs an async client's W4/W4c: lock cycles until the limit, with per-cycle latency.
pub async fn run_lock<C: AsyncLock>(c: &C, spec: &RunSpec) -> Result<Outcome> {
    let (warm, stop) = phases(spec);
    let dir = w4_dir(spec);
    sleep_until_ns(spec.start_at_ns);
    if let Some(w) = warm {
        let mut g = Gate::new(w);
        while g.admit() {
            c.cycle(&dir).await?;
        }
    }
    let mut gate = Gate::new(stop);
    let mut lat = Samples::with_capacity(1 << 16);
    let phase = Phase::begin();
    while gate.admit() {
        let t = Instant::now();
        c.cycle(&dir).await?;
        lat.push(t.elapsed());
    }
    let mut out = phase.end(gate.issued(), 0);
    out.latency = lat.summary();
    Ok(out)
}

/// Counts watch notifications and remembers when the last expected one arrived.
#[derive(Debug, Default)]
pub struct EventCounter {
    count: AtomicU64,
    last_ns: AtomicU64,
}

impl EventCounter {
    /// Records one notification.
    pub fn hit(&self) {
        self.count.fetch_add(1, Relaxed);
        self.last_ns.store(monotonic_ns(), Relaxed);
    }
    /// Notifications so far.
    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }
    /// Monotonic ns of the latest notification.
    pub fn last_ns(&self) -> u64 {
        self.last_ns.load(Relaxed)
    }
}

/// The W6 handshake with the orchestrator: report the RSS figures and wait for the trigger.
///
/// The child prints one `ready` line; the orchestrator then sends the multi-ops.
pub fn w6_ready() -> Mem {
    let after = Mem::now();
    println!("ready");
    let _ = std::io::stdout().flush();
    after
}

/// RSS and live heap at one instant, and the heap's peak since the previous reading.
#[derive(Debug, Clone, Copy)]
pub struct Mem {
    /// Resident set size, bytes.
    pub rss: u64,
    /// Live heap, bytes.
    pub heap: u64,
    /// Highest live heap the sampler saw since the previous reading.
    pub heap_peak: u64,
}

static HEAP_PEAK: AtomicU64 = AtomicU64::new(0);

impl Mem {
    /// Reads both now, and starts (once) the background sampler of the heap's peak.
    pub fn now() -> Mem {
        static SAMPLER: std::sync::Once = std::sync::Once::new();
        SAMPLER.call_once(|| {
            // A millisecond sampler: the allocator wrapper keeps no high-water mark itself.
            let _ = std::thread::Builder::new()
                .name("heap-peak".into())
                .spawn(|| loop {
                    HEAP_PEAK.fetch_max(crate::heap_bytes(), Relaxed);
                    std::thread::sleep(Duration::from_millis(1));
                });
        });
        let heap = crate::heap_bytes();
        let heap_peak = HEAP_PEAK.swap(heap, Relaxed).max(heap);
        Mem {
            rss: rss_bytes(),
            heap,
            heap_peak,
        }
    }
}

/// Assembles the W6 outcome once every notification has arrived.
pub fn w6_outcome(before: Mem, after: Mem, events: u64, last_ns: u64) -> Outcome {
    Outcome {
        ops: events,
        peak_rss: peak_rss_bytes(),
        rss_before: Some(before.rss),
        rss_after: Some(after.rss),
        heap_before: Some(before.heap),
        heap_after: Some(after.heap),
        heap_peak: Some(after.heap_peak),
        last_event_ns: Some(last_ns),
        items: Some(events),
        ..Outcome::default()
    }
}

/// Waits (polling, the events arrive on the client's own threads) until `counter` reaches `n`.
pub fn wait_count(counter: &EventCounter, n: u64, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while counter.count() < n {
        if Instant::now() > deadline {
            bail!("only {} of {n} notifications arrived", counter.count());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok(())
}

/// Runs a blocking client's W1, W2 or W3; W2/W3 keep `inflight` requests outstanding with one
/// thread per outstanding request (the only way a blocking API pipelines).
pub fn run_sync<C: SyncZk>(c: &C, spec: &RunSpec) -> Result<Outcome> {
    let (warm, stop) = phases(spec);
    sleep_until_ns(spec.start_at_ns);
    match spec.workload {
        Workload::W1 => {
            let path = w1_path(spec);
            if let Some(w) = warm {
                w1_sync(c, &path, w, false)?;
            }
            w1_sync(c, &path, stop, true)
        }
        Workload::W2 | Workload::W3 => {
            let create = spec.workload == Workload::W3;
            if let Some(w) = warm {
                threaded_sync(c, spec, create, w, u64::MAX / 2)?;
            }
            threaded_sync(c, spec, create, stop, 0)
        }
        w => bail!("{} is not a plain-operation workload", w.name()),
    }
}

fn w1_sync<C: SyncZk>(c: &C, path: &str, stop: Stop, record: bool) -> Result<Outcome> {
    let mut lat = [(); 4].map(|_| Samples::with_capacity(if record { 1 << 20 } else { 0 }));
    let mut gate = Gate::new(match stop {
        Stop::Ops(n) => Stop::Ops(n.div_ceil(4)),
        s => s,
    });
    let phase = Phase::begin();
    let (mut ops, mut errors) = (0u64, 0u64);
    while gate.admit() {
        let t = Instant::now();
        let r1 = c.create(path, DATA, false);
        let t1 = Instant::now();
        let r2 = c.get(path);
        let t2 = Instant::now();
        let r3 = c.set(path, DATA);
        let t3 = Instant::now();
        let r4 = c.delete(path);
        let t4 = Instant::now();
        if record {
            lat[0].push(t1 - t);
            lat[1].push(t2 - t1);
            lat[2].push(t3 - t2);
            lat[3].push(t4 - t3);
        }
        errors += [r1, r2, r3, r4].iter().filter(|r| r.is_err()).count() as u64;
        ops += 4;
    }
    let mut out = phase.end(ops, errors);
    check_errors(ops, errors)?;
    finish_w1(&mut out, lat);
    Ok(out)
}

fn threaded_sync<C: SyncZk>(
    c: &C,
    spec: &RunSpec,
    create: bool,
    stop: Stop,
    first: u64,
) -> Result<Outcome> {
    let gate = Mutex::new(Gate::new(stop));
    let done = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let get_path = data_path(spec);
    let names = W3Names::new(spec);
    let phase = Phase::begin();
    std::thread::scope(|s| {
        for _ in 0..spec.inflight.max(1) {
            s.spawn(|| {
                let mut buf = names.buffer();
                loop {
                    let i = {
                        let mut g = gate.lock().unwrap_or_else(|p| p.into_inner());
                        if !g.admit() {
                            break;
                        }
                        g.issued()
                    };
                    let r = if create {
                        c.create(names.write(&mut buf, first + i), DATA, true)
                    } else {
                        c.get(&get_path)
                    };
                    done.fetch_add(1, Relaxed);
                    if r.is_err() {
                        errors.fetch_add(1, Relaxed);
                    }
                }
            });
        }
    });
    let (ops, errors) = (done.into_inner(), errors.into_inner());
    let out = phase.end(ops, errors);
    check_errors(ops, errors)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::W3Names;

    #[test]
    fn w3_names_match_the_formatted_ones() {
        let names = W3Names {
            base: "/kazoo-bench/w3-r1-".to_owned(),
        };
        let mut buf = names.buffer();
        // Longest first: a shorter name must not keep the tail of a longer one.
        for i in [u64::MAX, u64::MAX / 2 + 3, 12_345, 99, 10, 7, 0] {
            assert_eq!(names.write(&mut buf, i), format!("/kazoo-bench/w3-r1-{i}"));
        }
        // Consecutive names (written in place) across every carry, then a jump and on again.
        let mut buf = names.buffer();
        let runs = [
            0..1_200,
            9_990..10_010,
            99_998..100_002,
            u64::MAX - 3..u64::MAX,
        ];
        for i in runs.into_iter().flatten().chain([5, 6, 7]) {
            assert_eq!(names.write(&mut buf, i), format!("/kazoo-bench/w3-r1-{i}"));
        }
    }
}
