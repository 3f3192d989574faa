//! The raw floor: one thread, blocking socket, pre-encoded frames with only the xid patched, and
//! replies checked by xid alone. No client can do less work per request.
//!
//! And its async twin for W1 ([`run_async`]): the same frames and checks, written and read by
//! one task on a current-thread tokio runtime. It shows what waiting through the runtime's
//! `epoll` costs by itself, the least any tokio client pays per round trip.

use crate::drive::{data_path, phases, w1_path, DATA};
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
    let out = match spec.workload {
        Workload::W1 => {
            let mut frames = W1Frames::new(spec);
            if let Some(w) = warm {
                sequential(&mut conn, &mut frames, w, false)?;
            }
            sequential(&mut conn, &mut frames, stop, true)?
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
            let mut xid = 1i32;
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

/// W1's pre-encoded create, get, set and delete of the run's node, and the xid the next one
/// is sent with (patched in per send); kept across the warm-up and the measured phase.
struct W1Frames {
    frames: [Vec<u8>; 4],
    xid: i32,
}

impl W1Frames {
    fn new(spec: &RunSpec) -> W1Frames {
        let path = w1_path(spec);
        W1Frames {
            frames: [
                wire::create(0, &path, DATA, 0),
                wire::get_data(0, &path, false),
                wire::set_data(0, &path, DATA),
                wire::delete(0, &path),
            ],
            xid: 1,
        }
    }
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
    let mut frames = W1Frames::new(spec);
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
            sleep_until_ns(start_at);
            if let Some(w) = warm {
                async_sequential(&mut conn, &mut frames, w, false).await?;
            }
            async_sequential(&mut conn, &mut frames, stop, true).await
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
            if let Some(h) = self.frames.next_reply()? {
                return Ok(h);
            }
            let n = self.stream.read(self.frames.spare()).await?;
            self.frames.filled(n)?;
        }
    }
}

/// One W1 phase, shared by the blocking and the async floor: which request goes next (with
/// its xid), the stop condition, the per-op latency samples and the counts. A floor's loop is
/// then: send what [`W1Run::next`] gives, pass the reply to [`W1Run::answered`].
struct W1Run<'a> {
    frames: &'a mut W1Frames,
    /// The op of the round in flight (0–3); 4 between rounds.
    op: usize,
    sent_at: Instant,
    lat: [Samples; 4],
    gate: Gate,
    record: bool,
    t0: Instant,
    cpu0: Duration,
    ops: u64,
}

impl<'a> W1Run<'a> {
    fn new(frames: &'a mut W1Frames, stop: Stop, record: bool) -> W1Run<'a> {
        W1Run {
            frames,
            op: 4,
            sent_at: Instant::now(),
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

    /// The next request to send, its xid patched and its clock started; `None` when the
    /// phase is over.
    fn next(&mut self) -> Option<&[u8]> {
        if self.op == 4 {
            if !self.gate.admit() {
                return None;
            }
            self.op = 0;
        }
        let frame = &mut self.frames.frames[self.op];
        patch_xid(frame, self.frames.xid);
        self.sent_at = Instant::now();
        Some(frame)
    }

    /// The reply to the request [`W1Run::next`] gave last (the connections skip
    /// notifications and pings; anything else must be its answer).
    fn answered(&mut self, h: ReplyHeader) -> Result<()> {
        expect(h, self.frames.xid)?;
        if self.record {
            self.lat[self.op].push(self.sent_at.elapsed());
        }
        self.frames.xid += 1;
        self.op += 1;
        self.ops += 1;
        Ok(())
    }

    fn finish(self) -> Outcome {
        summarise(self.ops, self.t0, self.cpu0, self.lat)
    }
}

async fn async_sequential(
    conn: &mut AsyncConn,
    frames: &mut W1Frames,
    stop: Stop,
    record: bool,
) -> Result<Outcome> {
    use tokio::io::AsyncWriteExt;
    let mut run = W1Run::new(frames, stop, record);
    while let Some(frame) = run.next() {
        conn.stream.write_all(frame).await?;
        run.answered(conn.read_reply().await?)?;
    }
    Ok(run.finish())
}

fn sequential(
    conn: &mut RawConn,
    frames: &mut W1Frames,
    stop: Stop,
    record: bool,
) -> Result<Outcome> {
    let mut run = W1Run::new(frames, stop, record);
    while let Some(frame) = run.next() {
        conn.send(frame)?;
        run.answered(conn.read_reply()?)?;
    }
    Ok(run.finish())
}

/// `h` answers `xid`.
fn expect(h: ReplyHeader, xid: i32) -> Result<()> {
    if h.xid != xid {
        bail!("reply {h:?} does not answer xid {xid}");
    }
    Ok(())
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
        while let Some(h) = conn.buffered_reply()? {
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
