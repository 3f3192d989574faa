//! The raw floor: one thread, blocking socket, pre-encoded frames with only the xid patched, and
//! replies checked by xid alone. No client can do less work per request.
//!
//! And its async twin for W1 ([`run_async`]): the same frames and checks, written and read by
//! one task on a current-thread tokio runtime. It shows what waiting through the runtime's
//! `epoll` costs by itself, the least any tokio client pays per round trip.

use crate::drive::{data_path, DATA};
use crate::measure::{Gate, Samples, Stop};
use crate::spec::{Outcome, RunSpec, Workload};
use crate::usage::{peak_rss_bytes, process_cpu, sleep_until_ns};
use crate::wire::{self, RawConn, ReplyHeader};
use anyhow::{bail, Result};
use std::time::{Duration, Instant};

fn patch_xid(frame: &mut [u8], xid: i32) {
    frame[4..8].copy_from_slice(&xid.to_be_bytes());
}

/// Runs the floor's W1, W2 or W3 against `spec.addr`.
pub fn run(spec: &RunSpec) -> Result<Outcome> {
    let mut conn = RawConn::connect(spec.addr.parse()?, 10_000)?;
    let (warm, stop) = if spec.ops > 0 {
        (None, Stop::Ops(spec.ops))
    } else {
        (
            Some(Stop::For(Duration::from_millis(spec.warmup_ms))),
            Stop::For(Duration::from_millis(spec.duration_ms)),
        )
    };
    sleep_until_ns(spec.start_at_ns);
    let mut xid = 1i32;
    let out = match spec.workload {
        Workload::W1 => {
            let path = format!("{}/w1-{}", spec.prefix, spec.run_id);
            let mut frames = [
                wire::create(0, &path, DATA, 0),
                wire::get_data(0, &path, false),
                wire::set_data(0, &path, DATA),
                wire::delete(0, &path),
            ];
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

/// Runs the async floor's W1 against `spec.addr` (the handshake is done blocking, before the
/// runtime starts).
pub fn run_async(spec: &RunSpec) -> Result<Outcome> {
    if spec.workload != Workload::W1 {
        bail!("the async floor has no {}", spec.workload.name());
    }
    let conn = RawConn::connect(spec.addr.parse()?, 10_000)?;
    let std_stream = conn.into_stream()?;
    std_stream.set_nonblocking(true)?;
    let (warm, stop) = if spec.ops > 0 {
        (None, Stop::Ops(spec.ops))
    } else {
        (
            Some(Stop::For(Duration::from_millis(spec.warmup_ms))),
            Stop::For(Duration::from_millis(spec.duration_ms)),
        )
    };
    let path = format!("{}/w1-{}", spec.prefix, spec.run_id);
    let frames = [
        wire::create(0, &path, DATA, 0),
        wire::get_data(0, &path, false),
        wire::set_data(0, &path, DATA),
        wire::delete(0, &path),
    ];
    let start_at = spec.start_at_ns;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        // In a spawned task, as the clients' workloads run (see `clients::in_task`).
        tokio::spawn(async move {
            let mut conn = AsyncConn {
                stream: tokio::net::TcpStream::from_std(std_stream)?,
                buf: vec![0; 1 << 16],
                start: 0,
                end: 0,
            };
            let mut frames = frames;
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
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl AsyncConn {
    /// The header of the next reply that is not a notification or ping.
    async fn read_reply(&mut self) -> Result<ReplyHeader> {
        use tokio::io::AsyncReadExt;
        loop {
            let avail = self.end - self.start;
            if avail >= 4 {
                let mut len4 = [0u8; 4];
                len4.copy_from_slice(&self.buf[self.start..self.start + 4]);
                let len = usize::try_from(i32::from_be_bytes(len4))?;
                if avail >= 4 + len {
                    let body = &self.buf[self.start + 4..self.start + 4 + len];
                    self.start += 4 + len;
                    let Some(h) = ReplyHeader::decode(body) else {
                        bail!("short reply");
                    };
                    if h.xid >= 0 {
                        return Ok(h);
                    }
                    continue;
                }
                if 4 + len > self.buf.len() {
                    self.buf.resize(4 + len, 0);
                }
            }
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            } else if self.buf.len() - self.end < 4096 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let n = self.stream.read(&mut self.buf[self.end..]).await?;
            if n == 0 {
                bail!("server closed");
            }
            self.end += n;
        }
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
    let mut lat = [(); 4].map(|_| Samples::with_capacity(if record { 1 << 20 } else { 0 }));
    let mut gate = Gate::new(match stop {
        Stop::Ops(n) => Stop::Ops(n.div_ceil(4)),
        s => s,
    });
    let (t0, cpu0) = (Instant::now(), process_cpu());
    let mut ops = 0;
    while gate.admit() {
        for (frame, samples) in frames.iter_mut().zip(lat.iter_mut()) {
            let t = Instant::now();
            patch_xid(frame, *xid);
            conn.stream.write_all(frame).await?;
            loop {
                let h = conn.read_reply().await?;
                if h.xid == *xid {
                    break;
                }
                expect(Some(h), *xid)?;
            }
            if record {
                samples.push(t.elapsed());
            }
            *xid += 1;
            ops += 1;
        }
    }
    Ok(summarise(ops, t0, cpu0, lat))
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
    let mut lat = [(); 4].map(|_| Samples::with_capacity(if record { 1 << 20 } else { 0 }));
    let mut gate = Gate::new(match stop {
        Stop::Ops(n) => Stop::Ops(n.div_ceil(4)),
        s => s,
    });
    let (t0, cpu0) = (Instant::now(), process_cpu());
    let mut ops = 0;
    while gate.admit() {
        for (frame, samples) in frames.iter_mut().zip(lat.iter_mut()) {
            let t = Instant::now();
            patch_xid(frame, *xid);
            conn.send(frame)?;
            loop {
                let h = conn.read_reply()?;
                if h.xid == *xid {
                    break;
                }
                expect(Some(h), *xid)?;
            }
            if record {
                samples.push(t.elapsed());
            }
            *xid += 1;
            ops += 1;
        }
    }
    Ok(summarise(ops, t0, cpu0, lat))
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
