//! Timing helpers shared by every driver: when to stop, and latency percentiles.

use crate::spec::Latency;
use std::time::{Duration, Instant};

/// When a phase ends: after a number of operations or after a duration.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// Issue exactly this many operations.
    Ops(u64),
    /// Keep issuing until this long has passed since the phase started.
    For(Duration),
}

/// Tracks whether a phase may issue more operations; reads the clock only every 64 issues so the
/// check costs next to nothing on the fast paths.
#[derive(Debug)]
pub struct Gate {
    stop: Stop,
    start: Instant,
    issued: u64,
    closed: bool,
}

impl Gate {
    /// Opens a gate now.
    pub fn new(stop: Stop) -> Self {
        Gate {
            stop,
            start: Instant::now(),
            issued: 0,
            closed: false,
        }
    }

    /// Returns whether one more operation may be issued, counting it if so.
    pub fn admit(&mut self) -> bool {
        if self.closed {
            return false;
        }
        let ok = match self.stop {
            Stop::Ops(n) => self.issued < n,
            Stop::For(d) => !self.issued.is_multiple_of(64) || self.start.elapsed() < d,
        };
        if ok {
            self.issued += 1;
        } else {
            self.closed = true;
        }
        ok
    }

    /// Operations admitted so far.
    pub fn issued(&self) -> u64 {
        self.issued
    }
}

/// Latency samples in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples(Vec<u64>);

impl Samples {
    /// Room for `n` samples up front, so recording does not allocate mid-phase.
    pub fn with_capacity(n: usize) -> Self {
        Samples(Vec::with_capacity(n))
    }

    /// Records one sample.
    pub fn push(&mut self, d: Duration) {
        self.0.push(d.as_nanos() as u64);
    }

    /// Appends another set.
    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    /// Median and 99th percentile, or `None` with no samples.
    pub fn summary(&mut self) -> Option<Latency> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_unstable();
        let at = |q: f64| {
            let i = ((self.0.len() as f64 - 1.0) * q).round() as usize;
            self.0[i.min(self.0.len() - 1)] as f64 / 1e3
        };
        Some(Latency {
            p50_us: at(0.5),
            p99_us: at(0.99),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_counts_ops() {
        let mut g = Gate::new(Stop::Ops(3));
        assert!(g.admit() && g.admit() && g.admit());
        assert!(!g.admit());
        assert_eq!(g.issued(), 3);
    }

    #[test]
    fn percentiles() {
        let mut s = Samples::default();
        for us in 1..=100 {
            s.push(Duration::from_micros(us));
        }
        let l = s.summary().unwrap();
        assert_eq!(l.p50_us.round(), 51.0);
        assert_eq!(l.p99_us, 99.0);
        assert!(Samples::default().summary().is_none());
    }
}
