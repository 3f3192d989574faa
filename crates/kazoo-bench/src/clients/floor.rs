//! The raw floor: one thread, blocking socket, pre-encoded frames with only the xid patched, and
//! replies checked by xid alone. No client can do less work per request.

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
    Ok(out)
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
