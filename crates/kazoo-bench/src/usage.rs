//! Resource readings: CPU time from getrusage (process or calling thread), resident memory from
//! `/proc/self/status`, and a monotonic clock that is comparable across processes.

use nix::sys::resource::{getrusage, UsageWho};
use nix::time::{clock_gettime, ClockId};
use std::time::Duration;

/// CPU seconds (user + system) consumed so far by `who`.
fn cpu(who: UsageWho) -> Duration {
    match getrusage(who) {
        Ok(u) => {
            let tv = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64)
                    + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            tv(u.user_time()) + tv(u.system_time())
        }
        Err(_) => Duration::ZERO,
    }
}

/// CPU time of the whole process (all threads).
pub fn process_cpu() -> Duration {
    cpu(UsageWho::RUSAGE_SELF)
}

/// CPU time of the calling thread only.
pub fn thread_cpu() -> Duration {
    cpu(UsageWho::RUSAGE_THREAD)
}

/// A `kB` field of `/proc/self/status` (e.g. `VmRSS`, `VmHWM`), in bytes; 0 when unreadable.
fn status_kib(field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Current resident set size in bytes.
pub fn rss_bytes() -> u64 {
    status_kib("VmRSS")
}

/// Peak resident set size in bytes.
pub fn peak_rss_bytes() -> u64 {
    status_kib("VmHWM")
}

/// `CLOCK_MONOTONIC` in nanoseconds: the same clock Python's `time.monotonic_ns()` reads, so
/// parent and child processes can compare instants.
pub fn monotonic_ns() -> u64 {
    clock_gettime(ClockId::CLOCK_MONOTONIC)
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
        .unwrap_or(0)
}

/// Sleeps until the monotonic clock reaches `at_ns` (returns at once if already past).
pub fn sleep_until_ns(at_ns: u64) {
    let now = monotonic_ns();
    if at_ns > now {
        std::thread::sleep(Duration::from_nanos(at_ns - now));
    }
}
