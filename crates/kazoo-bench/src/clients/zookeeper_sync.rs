//! Adapter for the `zookeeper` crate (0.8): a blocking API over its own I/O and event threads.

use crate::drive::{self, EventCounter, SyncZk};
use crate::spec::{Outcome, RunSpec};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use zookeeper::{Acl, CreateMode, WatchedEvent, ZooKeeper};

/// A connected `zookeeper::ZooKeeper`.
pub struct ZkSync {
    zk: ZooKeeper,
}

impl ZkSync {
    /// Connects with a 10 s session timeout and waits until the session is established.
    pub fn connect(addr: &str) -> Result<Self> {
        let zk = ZooKeeper::connect(addr, Duration::from_secs(10), |_e: WatchedEvent| {})
            .map_err(|e| anyhow::anyhow!("zookeeper connect: {e:?}"))?;
        // connect returns before the handshake; the first call waits for it.
        zk.exists("/", false)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("first call")?;
        Ok(ZkSync { zk })
    }
}

fn err(e: zookeeper::ZkError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

impl SyncZk for ZkSync {
    fn get(&self, path: &str) -> Result<()> {
        self.zk.get_data(path, false).map(drop).map_err(err)
    }
    fn create(&self, path: &str, data: &[u8], ephemeral: bool) -> Result<()> {
        let mode = if ephemeral {
            CreateMode::Ephemeral
        } else {
            CreateMode::Persistent
        };
        self.zk
            .create(path, data.to_vec(), Acl::open_unsafe().clone(), mode)
            .map(drop)
            .map_err(err)
    }
    fn set(&self, path: &str, data: &[u8]) -> Result<()> {
        self.zk
            .set_data(path, data.to_vec(), None)
            .map(drop)
            .map_err(err)
    }
    fn delete(&self, path: &str) -> Result<()> {
        self.zk.delete(path, None).map_err(err)
    }
}

/// W6: `get_data_w` with one watcher (a closure) per node, like kazoo's `get(path, watch=fn)`.
pub fn w6(c: &ZkSync, spec: &RunSpec) -> Result<Outcome> {
    let paths = drive::w6_paths(spec);
    let counter = Arc::new(EventCounter::default());
    let before = drive::Mem::now();
    for p in &paths {
        let counter = counter.clone();
        c.zk.get_data_w(p, move |_e: WatchedEvent| counter.hit())
            .map_err(err)?;
    }
    let after = drive::w6_ready();
    drive::wait_count(&counter, paths.len() as u64, Duration::from_secs(120))?;
    Ok(drive::w6_outcome(
        before,
        after,
        counter.count(),
        counter.last_ns(),
    ))
}
