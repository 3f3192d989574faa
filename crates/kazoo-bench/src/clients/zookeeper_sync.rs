//! Adapter for the `zookeeper` crate (0.8): a blocking API over its own I/O and event threads.

use crate::drive::{self, EventCounter, SyncZk};
use crate::spec::{Outcome, RunSpec};
use crate::usage::rss_bytes;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use zookeeper::{Acl, CreateMode, WatchedEvent, Watcher, ZooKeeper};

/// Counts data-change notifications delivered to the session's default watcher.
struct Counting(Arc<EventCounter>);

impl Watcher for Counting {
    fn handle(&self, e: WatchedEvent) {
        if e.path.is_some() {
            self.0.hit();
        }
    }
}

/// A connected `zookeeper::ZooKeeper` and the counter behind its default watcher.
pub struct ZkSync {
    zk: ZooKeeper,
    counter: Arc<EventCounter>,
}

impl ZkSync {
    /// Connects with a 10 s session timeout and waits until the session is established.
    pub fn connect(addr: &str) -> Result<Self> {
        let counter = Arc::new(EventCounter::default());
        let zk = ZooKeeper::connect(addr, Duration::from_secs(10), Counting(counter.clone()))
            .map_err(|e| anyhow::anyhow!("zookeeper connect: {e:?}"))?;
        // connect returns before the handshake; the first call waits for it.
        zk.exists("/", false).map_err(|e| anyhow::anyhow!("{e:?}")).context("first call")?;
        Ok(ZkSync { zk, counter })
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
        let mode = if ephemeral { CreateMode::Ephemeral } else { CreateMode::Persistent };
        self.zk.create(path, data.to_vec(), Acl::open_unsafe().clone(), mode).map(drop).map_err(err)
    }
    fn set(&self, path: &str, data: &[u8]) -> Result<()> {
        self.zk.set_data(path, data.to_vec(), None).map(drop).map_err(err)
    }
    fn delete(&self, path: &str) -> Result<()> {
        self.zk.delete(path, None).map_err(err)
    }
}

/// W6: `get_data(path, true)`, the notifications arrive at the default watcher.
pub fn w6(c: &ZkSync, spec: &RunSpec) -> Result<Outcome> {
    let paths = drive::w6_paths(spec);
    let rss_before = rss_bytes();
    for p in &paths {
        c.zk.get_data(p, true).map_err(err)?;
    }
    let rss_after = drive::w6_ready();
    drive::wait_count(&c.counter, paths.len() as u64, Duration::from_secs(120))?;
    Ok(drive::w6_outcome(rss_before, rss_after, c.counter.count(), c.counter.last_ns()))
}
