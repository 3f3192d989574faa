//! Adapter for the `tokio-zookeeper` crate (0.4): async functions, so a request is sent when its
//! future is first polled; watches go to a global event stream.

use crate::drive::{self, AsyncZk, EventCounter};
use crate::spec::{Outcome, RunSpec};
use anyhow::{anyhow, Context, Result};
use futures::{FutureExt, Stream, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio_zookeeper::{Acl, CreateMode, WatchedEvent, ZooKeeper, ZooKeeperBuilder};

/// A connected `tokio_zookeeper::ZooKeeper` and its default watcher stream.
pub struct TokioZk {
    zk: ZooKeeper,
    /// In a mutex only so that the client is `Sync` (the workload runs in a spawned task).
    events: std::sync::Mutex<Option<Pin<Box<dyn Stream<Item = WatchedEvent> + Send>>>>,
}

impl TokioZk {
    /// Connects with a 10 s session timeout.
    pub async fn connect(addr: &str) -> Result<Self> {
        let addr = addr.parse().context("address")?;
        let mut b = ZooKeeperBuilder::default();
        b.set_timeout(Duration::from_secs(10));
        let (zk, events) = b
            .connect(&addr)
            .await
            .map_err(|e| anyhow!("tokio-zookeeper connect: {e}"))?;
        Ok(TokioZk {
            zk,
            events: std::sync::Mutex::new(Some(Box::pin(events))),
        })
    }
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{e}")
}

impl AsyncZk for TokioZk {
    fn get<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.zk.get_data(path).map(move |r| match r.map_err(err)? {
            Some(_) => Ok(()),
            None => Err(anyhow!("no node {path}")),
        })
    }

    fn create<'a>(
        &'a self,
        path: &str,
        data: &'static [u8],
        ephemeral: bool,
    ) -> impl Future<Output = Result<()>> + use<'a> {
        // This API's future borrows the path, which the harness lends for the call only.
        let path = path.to_owned();
        async move {
            let mode = if ephemeral {
                CreateMode::Ephemeral
            } else {
                CreateMode::Persistent
            };
            self.zk
                .create(&path, data, Acl::open_unsafe(), mode)
                .await
                .map_err(err)?
                .map_err(err)?;
            Ok(())
        }
    }

    fn set<'a>(
        &'a self,
        path: &'a str,
        data: &'static [u8],
    ) -> impl Future<Output = Result<()>> + 'a {
        self.zk
            .set_data(path, None, data)
            .map(|r| r.map_err(err)?.map(drop).map_err(err))
    }

    fn delete<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.zk
            .delete(path, None)
            .map(|r| r.map_err(err)?.map_err(err))
    }
}

/// W6: `with_watcher().get_data`, one oneshot receiver per node (every event is also copied to
/// the default stream, which a task drains).
pub async fn w6(c: &mut TokioZk, spec: &RunSpec) -> Result<Outcome> {
    let paths = drive::w6_paths(spec);
    let mut events = c
        .events
        .lock()
        .map_err(|_| anyhow!("event stream lock poisoned"))?
        .take()
        .ok_or_else(|| anyhow!("event stream already taken"))?;
    let drain = async move { while events.next().await.is_some() {} };
    let counter = EventCounter::default();
    let before = drive::Mem::now();
    let mut receivers = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(1000) {
        let zk = &c.zk;
        let futs: Vec<_> = chunk
            .iter()
            .map(|p| async move { zk.with_watcher().get_data(p).await })
            .collect();
        for r in futures::future::join_all(futs).await {
            let (rx, _, _) = r.map_err(err)?.ok_or_else(|| anyhow!("W6 node missing"))?;
            receivers.push(rx);
        }
    }
    let after = drive::w6_ready();
    let waits = futures::future::join_all(receivers.into_iter().map(|rx| {
        let counter = &counter;
        async move {
            if rx.await.is_ok() {
                counter.hit();
            }
        }
    }));
    tokio::select! {
        _ = waits => {}
        _ = drain => return Err(anyhow!("event stream ended")),
    }
    Ok(drive::w6_outcome(
        before,
        after,
        counter.count(),
        counter.last_ns(),
    ))
}
