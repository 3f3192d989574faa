//! The clients under test: their ids, which workloads each has, and how a child process runs one.
//!
//! Adding a client is one adapter file (implementing `drive::AsyncZk` / `drive::SyncZk`, and
//! `drive::AsyncLock` or a W6/W7 function where the client has them) plus one line in [`ALL`].

pub mod floor;
pub mod harness;
#[cfg(feature = "ours")]
pub mod ours;
pub mod tokio_zk;
pub mod zk_client;
pub mod zookeeper_sync;

use crate::drive;
use crate::spec::{Mode, Outcome, RunSpec, Workload};
use anyhow::{bail, Result};

/// A tokio runtime flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rt {
    /// `new_current_thread`: everything on the calling thread.
    Current,
    /// `new_multi_thread` with one worker per core.
    Multi,
}

/// The implementation behind a client id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// kazoo for Rust, async.
    Ours(Rt),
    /// kazoo for Rust, `blocking::Client`.
    OursBlocking,
    /// The `zookeeper-client` crate.
    ZkClient(Rt),
    /// The `tokio-zookeeper` crate.
    TokioZk(Rt),
    /// The `zookeeper` crate (blocking).
    ZkSync,
    /// Python kazoo, run by `bench/kazoo_bench.py`.
    KazooPy,
    /// The raw floor.
    Floor,
    /// The raw floor's async twin (W1 only).
    AsyncFloor,
    /// The harness alone: requests answered at once, no I/O (canned W1-W3 only).
    Harness,
}

/// A client as listed on the command line and in the results.
#[derive(Debug, Clone, Copy)]
pub struct ClientInfo {
    /// Stable id.
    pub id: &'static str,
    /// Implementation.
    pub kind: Kind,
}

impl ClientInfo {
    /// Whether this client is ours (its figures are compared with the best peer's).
    pub fn is_ours(&self) -> bool {
        matches!(self.kind, Kind::Ours(_) | Kind::OursBlocking)
    }

    /// The client's tag in node names: its place in [`ALL`] (`c00`, `c01`, ...). Every client's
    /// tag has the same length, so every client's requests carry paths of the same length (the
    /// id, from 11 to 18 characters, made them differ by up to 7 bytes).
    pub fn tag(&self) -> String {
        let at = ALL
            .iter()
            .position(|c| c.id == self.id)
            .unwrap_or(ALL.len());
        format!("c{at:02}")
    }

    /// Whether this client is a peer (the floors and the harness are neither ours nor peers).
    pub fn is_peer(&self) -> bool {
        !self.is_ours() && !matches!(self.kind, Kind::Floor | Kind::AsyncFloor | Kind::Harness)
    }

    /// Whether the client has `w` against a server in `mode`.
    pub fn supports(&self, w: Workload, mode: Mode) -> bool {
        if mode == Mode::Canned && !w.runs_on_canned() {
            return false;
        }
        match (self.kind, w) {
            (Kind::AsyncFloor, w) => w == Workload::W1,
            (Kind::Harness, w) => {
                mode == Mode::Canned && matches!(w, Workload::W1 | Workload::W2 | Workload::W3)
            }
            (_, Workload::W1 | Workload::W2 | Workload::W3) => {
                !(self.kind == Kind::Floor && mode == Mode::Real && w == Workload::W3)
            }
            (Kind::ZkClient(_) | Kind::KazooPy, Workload::W4 | Workload::W4c) => true,
            (Kind::Ours(_), Workload::W4 | Workload::W4c) => OURS_HAS_LOCK,
            (Kind::ZkClient(_) | Kind::TokioZk(_) | Kind::ZkSync | Kind::KazooPy, Workload::W6) => {
                true
            }
            (Kind::Ours(_), Workload::W6) => OURS_HAS_WATCH,
            (Kind::KazooPy, Workload::W7) => true,
            (Kind::Ours(_), Workload::W7) => OURS_HAS_TREE_CACHE,
            _ => false,
        }
    }
}

/// Whether our adapter has the lock recipe wired in (set when `kazoo-recipes` has Lock).
const OURS_HAS_LOCK: bool = cfg!(feature = "ours") && ours_caps::LOCK;
/// Whether our adapter has data watches wired in.
const OURS_HAS_WATCH: bool = cfg!(feature = "ours") && ours_caps::WATCH;
/// Whether our adapter has TreeCache wired in.
const OURS_HAS_TREE_CACHE: bool = cfg!(feature = "ours") && ours_caps::TREE_CACHE;

#[cfg(feature = "ours")]
use ours::caps as ours_caps;
#[cfg(not(feature = "ours"))]
mod ours_caps {
    pub const ASYNC: bool = false;
    pub const BLOCKING: bool = false;
    pub const LOCK: bool = false;
    pub const WATCH: bool = false;
    pub const TREE_CACHE: bool = false;
}

/// Every client, in the order the table lists them.
pub const ALL: &[ClientInfo] = &[
    ClientInfo {
        id: "kazoo-rs/ct",
        kind: Kind::Ours(Rt::Current),
    },
    ClientInfo {
        id: "kazoo-rs/mt",
        kind: Kind::Ours(Rt::Multi),
    },
    ClientInfo {
        id: "kazoo-rs/blocking",
        kind: Kind::OursBlocking,
    },
    ClientInfo {
        id: "zookeeper-client/ct",
        kind: Kind::ZkClient(Rt::Current),
    },
    ClientInfo {
        id: "zookeeper-client/mt",
        kind: Kind::ZkClient(Rt::Multi),
    },
    ClientInfo {
        id: "tokio-zookeeper/ct",
        kind: Kind::TokioZk(Rt::Current),
    },
    ClientInfo {
        id: "tokio-zookeeper/mt",
        kind: Kind::TokioZk(Rt::Multi),
    },
    ClientInfo {
        id: "zookeeper-0.8",
        kind: Kind::ZkSync,
    },
    ClientInfo {
        id: "kazoo-py",
        kind: Kind::KazooPy,
    },
    ClientInfo {
        id: "raw-floor",
        kind: Kind::Floor,
    },
    ClientInfo {
        id: "raw-async-floor",
        kind: Kind::AsyncFloor,
    },
    ClientInfo {
        id: "harness/ct",
        kind: Kind::Harness,
    },
];

/// Looks a client up by id.
pub fn find(id: &str) -> Option<&'static ClientInfo> {
    ALL.iter().find(|c| c.id == id)
}

/// Whether this build can run the client (ours only with the `ours` feature, once wired).
pub fn available(c: &ClientInfo) -> bool {
    match c.kind {
        Kind::Ours(_) => cfg!(feature = "ours") && ours_caps::ASYNC,
        Kind::OursBlocking => cfg!(feature = "ours") && ours_caps::BLOCKING,
        _ => true,
    }
}

fn runtime(rt: Rt) -> Result<tokio::runtime::Runtime> {
    Ok(match rt {
        Rt::Current => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        Rt::Multi => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?,
    })
}

/// Runs a workload in a task spawned on a fresh runtime of kind `rt`, as a service runs its
/// handlers. Run as the `block_on` future instead, every wake-up of the workload would also
/// cost the current-thread runtime a zero-timeout `epoll_wait` (its `park_yield`), the same
/// for every client (see BENCHMARKS.md, W1).
fn in_task<F, Fut>(rt: Rt, spec: &RunSpec, work: F) -> Result<Outcome>
where
    F: FnOnce(RunSpec) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome>> + Send + 'static,
{
    let task = work(spec.clone());
    runtime(rt)?.block_on(async move {
        tokio::spawn(task)
            .await
            .map_err(|e| anyhow::anyhow!("workload task failed: {e}"))?
    })
}

/// Runs `spec` in this (child) process and returns the outcome. Python kazoo is not run here.
pub fn run_in_process(spec: &RunSpec) -> Result<Outcome> {
    let Some(info) = find(&spec.client) else {
        bail!("unknown client {}", spec.client);
    };
    let w = spec.workload;
    match info.kind {
        Kind::Floor => floor::run(spec),
        Kind::AsyncFloor => floor::run_async(spec),
        Kind::Harness => in_task(Rt::Current, spec, |spec| async move {
            drive::run_async(&harness::Harness, &spec).await
        }),
        Kind::ZkSync => {
            let c = zookeeper_sync::ZkSync::connect(&spec.addr)?;
            match w {
                Workload::W6 => zookeeper_sync::w6(&c, spec),
                _ => drive::run_sync(&c, spec),
            }
        }
        Kind::ZkClient(rt) => in_task(rt, spec, |spec| async move {
            let c = zk_client::ZkClient::connect(&spec.addr).await?;
            match w {
                Workload::W4 | Workload::W4c => drive::run_lock(&c, &spec).await,
                Workload::W6 => zk_client::w6(&c, &spec).await,
                _ => drive::run_async(&c, &spec).await,
            }
        }),
        Kind::TokioZk(rt) => in_task(rt, spec, |spec| async move {
            let mut c = tokio_zk::TokioZk::connect(&spec.addr).await?;
            match w {
                Workload::W6 => tokio_zk::w6(&mut c, &spec).await,
                _ => drive::run_async(&c, &spec).await,
            }
        }),
        #[cfg(feature = "ours")]
        Kind::Ours(rt) => in_task(rt, spec, |spec| async move { ours::run(&spec).await }),
        #[cfg(feature = "ours")]
        Kind::OursBlocking => ours::run_blocking(spec),
        #[cfg(not(feature = "ours"))]
        Kind::Ours(_) | Kind::OursBlocking => bail!("built without the `ours` feature"),
        Kind::KazooPy => bail!("kazoo-py runs in Python, not in this process"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floors_are_neither_ours_nor_peers_and_the_async_one_runs_w1_only() {
        for id in ["raw-floor", "raw-async-floor"] {
            let c = find(id).unwrap();
            assert!(!c.is_ours() && !c.is_peer(), "{id}");
        }
        let a = find("raw-async-floor").unwrap();
        for mode in [Mode::Canned, Mode::Real] {
            assert!(a.supports(Workload::W1, mode));
            for w in [Workload::W2, Workload::W3, Workload::W4, Workload::W6] {
                assert!(!a.supports(w, mode), "{w:?}");
            }
        }
        assert!(find("tokio-zookeeper/ct").unwrap().is_peer());
        let h = find("harness/ct").unwrap();
        assert!(!h.is_ours() && !h.is_peer());
        for w in [Workload::W1, Workload::W2, Workload::W3] {
            assert!(
                h.supports(w, Mode::Canned) && !h.supports(w, Mode::Real),
                "{w:?}"
            );
        }
        assert!(!h.supports(Workload::W4, Mode::Canned));
    }

    #[test]
    fn every_client_has_its_own_tag_of_one_length() {
        let tags: Vec<String> = ALL.iter().map(ClientInfo::tag).collect();
        assert!(tags.iter().all(|t| t.len() == 3), "{tags:?}");
        let mut unique = tags.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ALL.len(), "{tags:?}");
        assert_eq!(find("kazoo-rs/ct").unwrap().tag(), "c00");
    }
}
