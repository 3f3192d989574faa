//! Adapter for the `zookeeper-client` crate (0.11): async, requests encoded and queued when the
//! method is called; lock recipe; one-shot watchers.

use crate::drive::{self, AsyncLock, AsyncZk, EventCounter};
use crate::spec::{Outcome, RunSpec};
use anyhow::{Context, Result};
use futures::FutureExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use zookeeper_client::{Acls, Client, CreateMode, LockOptions, LockPrefix};

/// A connected `zookeeper_client::Client`.
pub struct ZkClient(Client);

impl ZkClient {
    /// Connects with a 10 s session timeout.
    pub async fn connect(addr: &str) -> Result<Self> {
        let c = Client::connector()
            .with_session_timeout(Duration::from_secs(10))
            .connect(addr)
            .await
            .context("zookeeper-client connect")?;
        Ok(ZkClient(c))
    }
}

impl AsyncZk for ZkClient {
    fn get<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.0
            .get_data(path)
            .map(|r| r.map(drop).map_err(Into::into))
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
            let opts = mode.with_acls(Acls::anyone_all());
            self.0
                .create(&path, data, &opts)
                .await
                .map(drop)
                .map_err(Into::into)
        }
    }

    fn set<'a>(
        &'a self,
        path: &'a str,
        data: &'static [u8],
    ) -> impl Future<Output = Result<()>> + 'a {
        self.0
            .set_data(path, data, None)
            .map(|r| r.map(drop).map_err(Into::into))
    }

    fn delete<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.0.delete(path, None).map(|r| r.map_err(Into::into))
    }
}

impl AsyncLock for ZkClient {
    async fn cycle<'a>(&'a self, dir: &'a str) -> Result<()> {
        let prefix = format!("{dir}/lock-");
        let lock = self
            .0
            .lock(
                LockPrefix::new_shared(&prefix)?,
                b"",
                LockOptions::new(Acls::anyone_all()),
            )
            .await?;
        // Release explicitly and wait for it, as the other clients' release calls do; dropping
        // the guard would delete in the background and leave the next cycle racing it.
        let path = lock.lock_path().to_string();
        std::mem::forget(lock);
        self.0.delete(&path, None).await?;
        Ok(())
    }
}

/// W6: one-shot data watchers (`get_and_watch_data`), each awaited on its own task.
pub async fn w6(c: &ZkClient, spec: &RunSpec) -> Result<Outcome> {
    let paths = drive::w6_paths(spec);
    let counter = Arc::new(EventCounter::default());
    let before = drive::Mem::now();
    let mut watchers = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(1000) {
        let futs: Vec<_> = chunk.iter().map(|p| c.0.get_and_watch_data(p)).collect();
        for r in futures::future::join_all(futs).await {
            let (_, _, w) = r?;
            watchers.push(w);
        }
    }
    let waits = futures::future::join_all(watchers.into_iter().map(|w| {
        let counter = counter.clone();
        async move {
            w.changed().await;
            counter.hit();
        }
    }));
    let after = drive::w6_ready();
    waits.await;
    Ok(drive::w6_outcome(
        before,
        after,
        counter.count(),
        counter.last_ns(),
    ))
}
