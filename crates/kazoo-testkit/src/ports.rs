//! Picking free loopback ports.
//!
//! Ports come from below the kernel's ephemeral range when it can be read: outgoing
//! connections take their source ports from that range, and one of them could otherwise
//! occupy a server's port while it is down for a restart. A picked port is tested by binding
//! it and closed before the server binds it, so another process may take it meanwhile;
//! callers detect that clash (the server fails with "Address already in use") and retry with
//! fresh ports.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::ops::Range;

use crate::error::{Result, TestkitError};

/// Where the kernel's ephemeral range is published (Linux).
const EPHEMERAL_RANGE: &str = "/proc/sys/net/ipv4/ip_local_port_range";
/// The lowest port handed out: above the well-known and most registered service ports.
const LOWEST: u16 = 10_000;
/// Random probes before falling back to ports the OS picks.
const PROBES: usize = 200;

/// Returns `n` distinct free ports on 127.0.0.1.
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>> {
    let range = quiet_range();
    // Holding every listener until all are picked keeps the ports distinct.
    let mut held: Vec<TcpListener> = Vec::with_capacity(n);
    let mut probes = 0;
    while held.len() < n {
        let listener = match &range {
            Some(range) if probes < PROBES => {
                probes += 1;
                let port = range.start + (random() % u64::from(range.end - range.start)) as u16;
                match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
                    Ok(l) => l,
                    Err(_) => continue,
                }
            }
            _ => TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .map_err(|e| TestkitError::io("binding a free loopback port", e))?,
        };
        held.push(listener);
    }
    held.iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| TestkitError::io("reading a bound port", e))
        })
        .collect()
}

/// Ports below the ephemeral range, if the range is known and leaves room.
fn quiet_range() -> Option<Range<u16>> {
    let text = std::fs::read_to_string(EPHEMERAL_RANGE).ok()?;
    let low: u16 = text.split_whitespace().next()?.parse().ok()?;
    (low > LOWEST + 1000).then_some(LOWEST..low)
}

/// A random number; std's hasher keys are random per `RandomState`.
fn random() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

/// The loopback address with `port`.
pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_bindable() {
        let ports = free_ports(8).unwrap();
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 8);
        for port in ports {
            assert!(port >= LOWEST);
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ports_avoid_the_ephemeral_range() {
        let range = quiet_range().expect("Linux publishes its ephemeral range");
        for port in free_ports(16).unwrap() {
            assert!(range.contains(&port), "{port} not in {range:?}");
        }
    }
}
