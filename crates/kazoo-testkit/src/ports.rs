//! Picking free loopback ports.
//!
//! The OS hands out a free port for a bind to port 0; the socket is closed before the server
//! binds it, so another process may take it meanwhile. Callers detect that clash (the server
//! fails with "Address already in use") and retry with fresh ports.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use crate::error::{Result, TestkitError};

/// Returns `n` distinct free ports on 127.0.0.1.
pub(crate) fn free_ports(n: usize) -> Result<Vec<u16>> {
    // Holding every listener until all are picked keeps the ports distinct.
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| TestkitError::io("binding a free loopback port", e))?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| TestkitError::io("reading a bound port", e))
        })
        .collect()
}

/// The loopback address with `port`.
pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct() {
        let ports = free_ports(8).unwrap();
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 8);
    }
}
