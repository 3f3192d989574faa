//! The nodes the real-server workloads read, created once per benchmark run with a raw pipelined
//! connection (identical for every client), and the W6 trigger.

use crate::drive::DATA;
use crate::usage::monotonic_ns;
use crate::wire::{self, RawConn};
use anyhow::{bail, Context, Result};
use std::net::SocketAddr;

/// Number of W7 subtrees under the cache root; each has [`W7_LEAVES`] children.
pub const W7_DIRS: usize = 100;
/// Leaves per W7 subtree: root + 100 dirs + 100 x 99 leaves = 10,001 nodes.
pub const W7_LEAVES: usize = 99;

/// ZooKeeper's `NodeExists`: fixtures may already be there.
const NODE_EXISTS: i32 = -110;

fn create_all(conn: &mut RawConn, paths: &[String]) -> Result<()> {
    let frames: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| {
            let xid = conn.xid();
            wire::create(xid, p, DATA, 0)
        })
        .collect();
    for (p, err) in paths.iter().zip(conn.pipeline(&frames, 500)?) {
        if err != 0 && err != NODE_EXISTS {
            bail!("creating {p}: error {err}");
        }
    }
    Ok(())
}

/// Creates the prefix, the getData node, `watches` W6 nodes and the W7 tree.
pub fn load(addr: SocketAddr, prefix: &str, watches: usize, with_tree: bool) -> Result<()> {
    let mut conn = RawConn::connect(addr, 30_000).context("fixture connection")?;
    create_all(
        &mut conn,
        &[
            prefix.to_string(),
            format!("{prefix}/data"),
            format!("{prefix}/w6"),
        ],
    )?;
    let w6: Vec<String> = (0..watches)
        .map(|i| format!("{prefix}/w6/n{i:05}"))
        .collect();
    create_all(&mut conn, &w6)?;
    if with_tree {
        let root = format!("{prefix}/w7");
        create_all(&mut conn, std::slice::from_ref(&root))?;
        let dirs: Vec<String> = (0..W7_DIRS).map(|d| format!("{root}/d{d:03}")).collect();
        create_all(&mut conn, &dirs)?;
        let leaves: Vec<String> = dirs
            .iter()
            .flat_map(|d| (0..W7_LEAVES).map(move |l| format!("{d}/l{l:03}")))
            .collect();
        create_all(&mut conn, &leaves)?;
    }
    conn.close()?;
    Ok(())
}

/// Creates one directory node (W4's lock directory of a run).
pub fn mkdir(addr: SocketAddr, path: &str) -> Result<()> {
    let mut conn = RawConn::connect(addr, 30_000)?;
    create_all(&mut conn, &[path.to_string()])?;
    conn.close()?;
    Ok(())
}

/// Fires every W6 watch: setData on all nodes, 100 per multi, 10 multis in flight. Returns the
/// monotonic time at which the first multi was sent.
pub fn trigger_w6(conn: &mut RawConn, prefix: &str, watches: usize) -> Result<u64> {
    let paths: Vec<String> = (0..watches)
        .map(|i| format!("{prefix}/w6/n{i:05}"))
        .collect();
    let frames: Vec<Vec<u8>> = paths
        .chunks(100)
        .map(|chunk| {
            let xid = conn.xid();
            wire::multi_set_data(xid, chunk, b"changed")
        })
        .collect();
    let t0 = monotonic_ns();
    for err in conn.pipeline(&frames, 10)? {
        if err != 0 {
            bail!("W6 trigger multi failed: error {err}");
        }
    }
    Ok(t0)
}

/// Runs reads and writes against the fresh server for `secs`, so the JIT has compiled its hot
/// paths before the first measured run (the first client would otherwise pay for it).
pub fn warm_up(addr: SocketAddr, prefix: &str, secs: f64) -> Result<()> {
    let mut conn = RawConn::connect(addr, 30_000)?;
    let path = format!("{prefix}/data");
    let start = std::time::Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let mut frames: Vec<Vec<u8>> = (0..1000)
            .map(|_| {
                let xid = conn.xid();
                wire::get_data(xid, &path, false)
            })
            .collect();
        frames.extend((0..100).map(|_| {
            let xid = conn.xid();
            wire::set_data(xid, &path, DATA)
        }));
        conn.pipeline(&frames, 1000)?;
    }
    conn.close()?;
    Ok(())
}
