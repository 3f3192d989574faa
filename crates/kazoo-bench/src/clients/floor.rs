//! The raw floor: one thread, blocking socket, pre-encoded frames with only the xid patched, and
//! replies checked by xid alone. No client can do less work per request.
//!
//! And its async twin for W1 ([`run_async`]): the same frames and checks, written and read by
//! one task on a current-thread tokio runtime. It shows what waiting through the runtime's
//! `epoll` costs by itself, the least any tokio client pays per round trip.

use crate::drive::{data_path, phases, DATA};
use crate::measure::{Gate, Samples, Stop};
use crate::spec::{Outcome, RunSpec, Workload};
use crate::usage::{peak_rss_bytes, process_cpu, sleep_until_ns};
use crate::wire::{self, FrameBuf, RawConn, ReplyHeader};
use anyhow::{bail, Result};
use std::time::{Duration, Instant};

fn patch_xid(frame: &mut [u8], xid: i32) {
    frame[4..8].copy_from_slice(&xid.to_be_bytes());
}

/// Runs the floor's W1, W2 or W3 against `spec.addr`.
pub fn run(spec: &RunSpec) -> Result<Outcome> {
    let mut conn = RawConn::connect(spec.addr.parse()?, 10_000)?;
    let (warm, stop) = phases(spec);
    sleep_until_ns(spec.start_at_ns);
    let mut xid = 1i32;
    let out = match spec.workload {
        Workload::W1 => {
            let mut frames = w1_frames(spec);
            if let Some(w) = warm {
                sequential(&mut conn, &mut frames, &mut xid, w, false)?;
            }
            sequential(&mut conn, &mut frames, &mut xid, stop, true)?
        }
        Workload::W2 | Workload::W3 => {
            let frame = if spec.workload == Workload::W2 {
                wire::get_data(0, &data_path(spec), false)
            } else {
                wire::create(
                    0,
                    &format!("{}/floor-{}", spec.prefix, spec.run_id),
                    DATA,
                    1,
                )
            };
            if let Some(w) = warm {
                pipelined(&mut conn, &frame, spec.inflight, &mut xid, w)?;
            }
            pipelined(&mut conn, &frame, spec.inflight, &mut xid, stop)?
        }
        w => bail!("the raw floor has no {}", w.name()),
    };
    let _ = conn.close();
    Ok(out)
}

/// W1's pre-encoded create, get, set and delete of the run's node (xids patched per send).
fn w1_frames(spec: &RunSpec) -> [Vec<u8>; 4] {
    let path = format!("{}/w1-{}", spec.prefix, spec.run_id);
    [
        wire::create(0, &path, DATA, 0),
        wire::get_data(0, &path, false),
        wire::set_data(0, &path, DATA),
        wire::delete(0, &path),
    ]
}

/// Runs the async floor's W1 against `spec.addr` (the handshake is done blocking, before the
/// runtime starts).
pub fn run_async(spec: &RunSpec) -> Result<Outcome> {
    if spec.workload != Workload::W1 {
        bail!("the async floor has no {}", spec.workload.name());
    }
    let conn = RawConn::connect(spec.addr.parse()?, 10_000)?;
    let std_stream = conn.into_stream()?;
    std_stream.set_nonblocking(true)?;
    let (warm, stop) = phases(spec);
    let mut frames = w1_frames(spec);
    let start_at = spec.start_at_ns;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        // In a spawned task, as the clients' workloads run (see `clients::in_task`).
        tokio::spawn(async move {
            let mut conn = AsyncConn {
                stream: tokio::net::TcpStream::from_std(std_stream)?,
                frames: FrameBuf::new(1 << 16),
            };
            let mut xid = 1i32;
            sleep_until_ns(start_at);
            if let Some(w) = warm {
                async_sequential(&mut conn, &mut frames, &mut xid, w, false).await?;
            }
            async_sequential(&mut conn, &mut frames, &mut xid, stop, true).await
        })
        .await
        .map_err(|e| anyhow::anyhow!("async floor task failed: {e}"))?
    })
}

/// The async floor's connection: a tokio socket and a read buffer parsed in place.
struct AsyncConn {
    stream: tokio::net::TcpStream,
    frames: FrameBuf,
}

impl AsyncConn {
    /// The header of the next reply that is not a notification or ping.
    async fn read_reply(&mut self) -> Result<ReplyHeader> {
        use tokio::io::AsyncReadExt;
        loop {
            while let Some(range) = self.frames.next()? {
                let Some(h) = ReplyHeader::decode(self.frames.body(range)) else {
                    bail!("short reply");
                };
                if h.xid >= 0 {
                    return Ok(h);
                }
            }
            let n = self.stream.read(self.frames.spare()).await?;
            self.frames.filled(n)?;
        }
    }
}

/// W1's bookkeeping, shared by the blocking and the async floor: the stop condition, the
/// per-op latency samples and the counts.
struct W1Run {
    lat: [Samples; 4],
    gate: Gate,
    record: bool,
    t0: Instant,
    cpu0: Duration,
    ops: u64,
}

impl W1Run {
    fn new(stop: Stop, record: bool) -> W1Run {
        W1Run {
            lat: [(); 4].map(|_| Samples::with_capacity(if record { 1 << 20 } else { 0 })),
            // One admission per create-get-set-delete round.
            gate: Gate::new(match stop {
                Stop::Ops(n) => Stop::Ops(n.div_ceil(4)),
                s => s,
            }),
            record,
            t0: Instant::now(),
            cpu0: process_cpu(),
            ops: 0,
        }
    }

    /// Whether another round may start.
    fn admit(&mut self) -> bool {
        self.gate.admit()
    }

    /// Op `i` of the round, started at `t`, is answered.
    fn done(&mut self, i: usize, t: Instant) {
        if self.record {
            self.lat[i].push(t.elapsed());
        }
        self.ops += 1;
    }

    fn finish(self) -> Outcome {
        summarise(self.ops, self.t0, self.cpu0, self.lat)
    }
}

async fn async_sequential(
    conn: &mut AsyncConn,
    frames: &mut [Vec<u8>; 4],
    xid: &mut i32,
    stop: Stop,
    record: bool,
) -> Result<Outcome> {
    use tokio::io::AsyncWriteExt;
    let mut run = W1Run::new(stop, record);
    while run.admit() {
        for (i, frame) in frames.iter_mut().enumerate() {
            let t = Instant::now();
            patch_xid(frame, *xid);
            conn.stream.write_all(frame).await?;
            // Notifications and pings are skipped by `read_reply`; anything else must be ours.
            expect(Some(conn.read_reply().await?), *xid)?;
            run.done(i, t);
            *xid += 1;
        }
    }
    Ok(run.finish())
}

fn expect(h: Option<ReplyHeader>, xid: i32) -> Result<()> {
    match h {
        Some(h) if h.xid == xid => Ok(()),
        Some(h) if h.xid < 0 => Ok(()),
        other => bail!("reply {other:?} does not answer xid {xid}"),
    }
}

fn sequential(
    conn: &mut RawConn,
    frames: &mut [Vec<u8>; 4],
    xid: &mut i32,
    stop: Stop,
    record: bool,
) -> Result<Outcome> {
    let mut run = W1Run::new(stop, record);
    while run.admit() {
        for (i, frame) in frames.iter_mut().enumerate() {
            let t = Instant::now();
            patch_xid(frame, *xid);
            conn.send(frame)?;
            // Notifications and pings are skipped by `read_reply`; anything else must be ours.
            expect(Some(conn.read_reply()?), *xid)?;
            run.done(i, t);
            *xid += 1;
        }
    }
    Ok(run.finish())
}

/// A W1 outcome from per-op latency samples (create, get, set, delete).
fn summarise(ops: u64, t0: Instant, cpu0: Duration, lat: [Samples; 4]) -> Outcome {
    let mut out = Outcome {
        ops,
        secs: t0.elapsed().as_secs_f64(),
        cpu_secs: (process_cpu() - cpu0).as_secs_f64(),
        peak_rss: peak_rss_bytes(),
        ..Outcome::default()
    };
    let mut all = Samples::default();
    for (name, mut s) in ["create", "get", "set", "delete"].into_iter().zip(lat) {
        if let Some(l) = s.summary() {
            out.per_op.insert(name.to_string(), l);
        }
        all.extend(s);
    }
    out.latency = all.summary();
    out
}

fn pipelined(
    conn: &mut RawConn,
    frame: &[u8],
    window: usize,
    xid: &mut i32,
    stop: Stop,
) -> Result<Outcome> {
    let mut gate = Gate::new(stop);
    let mut out_buf = Vec::with_capacity(window * frame.len());
    let mut next = *xid;
    let push = |out: &mut Vec<u8>, next: &mut i32| {
        let at = out.len();
        out.extend_from_slice(frame);
        patch_xid(&mut out[at..], *next);
        *next += 1;
    };
    let (t0, cpu0) = (Instant::now(), process_cpu());
    let (mut issued, mut done) = (0u64, 0u64);
    while (issued as usize) < window && gate.admit() {
        push(&mut out_buf, &mut next);
        issued += 1;
    }
    while done < issued {
        if !out_buf.is_empty() {
            conn.send(&out_buf)?;
            out_buf.clear();
        }
        conn.fill()?;
        while let Some(range) = conn.buffered_frame()? {
            let h = ReplyHeader::decode(conn.body(range));
            if h.is_some_and(|h| h.xid < 0) {
                continue;
            }
            expect(h, *xid)?;
            *xid += 1;
            done += 1;
            if gate.admit() {
                push(&mut out_buf, &mut next);
                issued += 1;
            }
        }
    }
    Ok(Outcome {
        ops: done,
        secs: t0.elapsed().as_secs_f64(),
        cpu_secs: (process_cpu() - cpu0).as_secs_f64(),
        peak_rss: peak_rss_bytes(),
        ..Outcome::default()
    })
}
