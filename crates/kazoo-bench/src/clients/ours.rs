//! Adapter for kazoo for Rust (the `kazoo` facade): the async client on both runtimes, the
//! blocking client, data watches, and (as `kazoo-recipes` lands them) Lock and TreeCache.
//!
//! Our methods queue the request when called and return `'static` futures, so the adapter calls
//! them eagerly and pipelining is exactly what the client does.

use crate::drive::{self, AsyncZk, EventCounter, SyncZk};
use crate::spec::{Outcome, RunSpec, Workload};
use anyhow::{bail, Context, Result};
use bytes::Bytes;
use futures::FutureExt;
use kazoo::{Client, CreateOptions};
use std::future::Future;
use std::time::Duration;

/// What our adapter has wired in so far.
pub mod caps {
    /// The async client (W1-W3).
    pub const ASYNC: bool = true;
    /// `kazoo::blocking::Client` (W1-W3).
    pub const BLOCKING: bool = true;
    /// Lock recipe (W4), from `kazoo-recipes` through the facade.
    pub const LOCK: bool = cfg!(feature = "ours-recipes");
    /// Data watches (W6).
    pub const WATCH: bool = true;
    /// TreeCache (W7), from `kazoo-recipes` through the facade.
    pub const TREE_CACHE: bool = cfg!(feature = "ours-recipes");
}

const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// A connected async client (and, for W4, the one Lock object reused across cycles, as
/// kazoo's `zk.Lock(path)` is).
pub struct Ours(
    Client,
    #[cfg(feature = "ours-recipes")] std::sync::OnceLock<kazoo::recipe::lock::Lock>,
);

impl Ours {
    /// Connects with a 10 s session timeout.
    pub async fn connect(addr: &str) -> Result<Self> {
        let c = Client::builder(addr)
            .session_timeout(SESSION_TIMEOUT)
            .connect()
            .await
            .context("kazoo-rs connect")?;
        Ok(Ours(
            c,
            #[cfg(feature = "ours-recipes")]
            std::sync::OnceLock::new(),
        ))
    }
}

#[cfg(feature = "ours-recipes")]
impl crate::drive::AsyncLock for Ours {
    async fn cycle<'a>(&'a self, dir: &'a str) -> Result<()> {
        let lock = self
            .1
            .get_or_init(|| kazoo::recipe::lock::Lock::new(&self.0, dir));
        let guard = lock.acquire().await?;
        guard.release().await?;
        Ok(())
    }
}

fn opts(ephemeral: bool) -> CreateOptions {
    if ephemeral {
        CreateOptions::new().ephemeral()
    } else {
        CreateOptions::new()
    }
}

impl AsyncZk for Ours {
    fn get<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.0.get(path).map(|r| r.map(drop).map_err(Into::into))
    }

    fn create<'a>(
        &'a self,
        path: &str,
        data: &'static [u8],
        ephemeral: bool,
    ) -> impl Future<Output = Result<()>> + use<'a> {
        // The request is encoded now; the future does not borrow the path.
        self.0
            .create(path, Bytes::from_static(data), &opts(ephemeral))
            .map(|r| r.map(drop).map_err(Into::into))
    }

    fn set<'a>(
        &'a self,
        path: &'a str,
        data: &'static [u8],
    ) -> impl Future<Output = Result<()>> + 'a {
        self.0
            .set(path, Bytes::from_static(data), None)
            .map(|r| r.map(drop).map_err(Into::into))
    }

    fn delete<'a>(&'a self, path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        self.0.delete(path, None).map(|r| r.map_err(Into::into))
    }
}

/// W6: `get_w`, one [`kazoo::Watch`] future per node.
async fn w6(c: &Ours, spec: &RunSpec) -> Result<Outcome> {
    let paths = drive::w6_paths(spec);
    let counter = EventCounter::default();
    let before = drive::Mem::now();
    let mut watches = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(1000) {
        let futs: Vec<_> = chunk.iter().map(|p| c.0.get_w(p)).collect();
        for r in futures::future::join_all(futs).await {
            let (_, _, w) = r?;
            watches.push(w);
        }
    }
    let after = drive::w6_ready();
    futures::future::join_all(watches.into_iter().map(|w| {
        let counter = &counter;
        async move {
            w.await;
            counter.hit();
        }
    }))
    .await;
    Ok(drive::w6_outcome(
        before,
        after,
        counter.count(),
        counter.last_ns(),
    ))
}

/// W7: `TreeCache` initial load (its default watch mode: one persistent-recursive watch).
#[cfg(feature = "ours-recipes")]
async fn w7(c: &Ours, spec: &RunSpec) -> Result<Outcome> {
    let root = format!("{}/w7", spec.prefix);
    let before = drive::Mem::now();
    let phase_t0 = std::time::Instant::now();
    let cpu0 = crate::usage::process_cpu();
    let cache = kazoo::recipe::cache::TreeCache::new(&c.0, &root);
    cache.start().await?;
    cache.initialized().await;
    let secs = phase_t0.elapsed().as_secs_f64();
    let cpu_secs = (crate::usage::process_cpu() - cpu0).as_secs_f64();
    let after = drive::Mem::now();
    let nodes = cache.len() as u64;
    cache.close().await;
    Ok(Outcome {
        ops: nodes,
        secs,
        cpu_secs,
        peak_rss: crate::usage::peak_rss_bytes(),
        rss_before: Some(before.rss),
        rss_after: Some(after.rss),
        heap_before: Some(before.heap),
        heap_after: Some(after.heap),
        heap_peak: Some(after.heap_peak),
        items: Some(nodes),
        ..Outcome::default()
    })
}

/// Runs `spec` with the async client on the current runtime.
pub async fn run(spec: &RunSpec) -> Result<Outcome> {
    let c = Ours::connect(&spec.addr).await?;
    let out = match spec.workload {
        Workload::W1 | Workload::W2 | Workload::W3 => drive::run_async(&c, spec).await?,
        Workload::W6 => w6(&c, spec).await?,
        #[cfg(feature = "ours-recipes")]
        Workload::W4 | Workload::W4c => drive::run_lock(&c, spec).await?,
        #[cfg(feature = "ours-recipes")]
        Workload::W7 => w7(&c, spec).await?,
        // Reachable in a build without `ours-recipes`.
        #[allow(unreachable_patterns)]
        w => bail!("kazoo-rs has no {} wired in yet", w.name()),
    };
    c.0.close().await;
    Ok(out)
}

/// A connected `kazoo::blocking::Client`.
pub struct OursBlocking(kazoo::blocking::Client);

impl SyncZk for OursBlocking {
    fn get(&self, path: &str) -> Result<()> {
        self.0.get(path).map(drop).map_err(Into::into)
    }
    fn create(&self, path: &str, data: &[u8], ephemeral: bool) -> Result<()> {
        self.0
            .create(path, Bytes::copy_from_slice(data), &opts(ephemeral))
            .map(drop)
            .map_err(Into::into)
    }
    fn set(&self, path: &str, data: &[u8]) -> Result<()> {
        self.0
            .set(path, Bytes::copy_from_slice(data), None)
            .map(drop)
            .map_err(Into::into)
    }
    fn delete(&self, path: &str) -> Result<()> {
        self.0.delete(path, None).map_err(Into::into)
    }
}

/// Runs `spec` with `kazoo::blocking::Client`.
pub fn run_blocking(spec: &RunSpec) -> Result<Outcome> {
    let c = kazoo::blocking::Client::builder(&spec.addr)
        .session_timeout(SESSION_TIMEOUT)
        .connect()
        .context("kazoo-rs blocking connect")?;
    let c = OursBlocking(c);
    let out = drive::run_sync(&c, spec)?;
    c.0.close();
    Ok(out)
}
