//! The TreeCache consistency storm: a tree of 10,000 nodes, a cache started on it through a
//! fault proxy, and a random storm of creates, sets and deletes from another client while the
//! server restarts and the cache's connection is cut and blackholed. When the storm ends the
//! cache must equal the server's tree exactly (data and children of every node), and its event
//! stream, replayed onto an empty map, must give the same tree. A smaller storm runs the
//! one-shot fallback through the same faults.

mod common;
mod tree_common;

use futures::future::join_all;
use kazoo_client::{Client, CreateOptions, Error};
use kazoo_recipes::cache::{TreeCache, TreeEvent, WatchMode};
use kazoo_testkit::{FaultProxy, ProxyMode, ZkServer};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tree_common::{assert_same, cache_tree, replay, server_tree, T};

const ROOT: &str = "/storm";

/// A small deterministic generator (xorshift64*): the storm is random but repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What the writer believes the tree holds (it may be wrong after a lost reply; the final
/// comparison reads the server).
struct Model {
    dirs: Vec<String>,
    leaves: Vec<String>,
    counter: u64,
}

async fn build(zk: &Client, dirs: usize, per_dir: usize) -> Model {
    zk.create(ROOT, b"root".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let mut model = Model {
        dirs: Vec::new(),
        leaves: Vec::new(),
        counter: 0,
    };
    // Requests go out in call order, so parents are created before their children; chunks
    // bound what is in flight.
    let mut pending = Vec::new();
    for d in 0..dirs {
        let dir = format!("{ROOT}/d{d}");
        pending.push(zk.create(&dir, Vec::new(), &CreateOptions::new()));
        for i in 0..per_dir {
            let leaf = format!("{dir}/n{i}");
            pending.push(zk.create(
                &leaf,
                format!("v{d}.{i}").into_bytes(),
                &CreateOptions::new(),
            ));
            model.leaves.push(leaf);
        }
        model.dirs.push(dir);
        if pending.len() >= 2000 {
            for r in join_all(std::mem::take(&mut pending)).await {
                r.unwrap();
            }
        }
    }
    for r in join_all(pending).await {
        r.unwrap();
    }
    model
}

/// One batch of random writes, pipelined. Errors are expected (targets vanish, connections
/// drop) and ignored; the model follows the writes that succeeded.
async fn batch(zk: &Client, model: &mut Model, rng: &mut Rng, size: usize) {
    enum Op {
        Set,
        CreateLeaf(String),
        DeleteLeaf(usize),
        CreateDir(String),
        DeleteDir(usize),
    }
    let mut ops = Vec::new();
    let mut futs = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for _ in 0..size {
        model.counter += 1;
        let c = model.counter;
        let roll = rng.below(100);
        if roll < 40 && !model.leaves.is_empty() {
            let leaf = model.leaves[rng.below(model.leaves.len())].clone();
            futs.push(Box::pin(async move {
                let _ = zk.set(&leaf, format!("s{c}").into_bytes(), None).await;
                Ok::<(), Error>(())
            })
                as std::pin::Pin<
                    Box<dyn std::future::Future<Output = kazoo_client::Result<()>> + Send + '_>,
                >);
            ops.push(Op::Set);
        } else if roll < 70 {
            let dir = model.dirs[rng.below(model.dirs.len())].clone();
            let leaf = format!("{dir}/c{c}");
            let f = zk.create(&leaf, format!("c{c}").into_bytes(), &CreateOptions::new());
            futs.push(Box::pin(async move { f.await.map(drop) }));
            ops.push(Op::CreateLeaf(leaf));
        } else if roll < 94 && !model.leaves.is_empty() {
            let i = rng.below(model.leaves.len());
            if !taken.insert(i) {
                continue;
            }
            let f = zk.delete(&model.leaves[i], None);
            futs.push(Box::pin(f));
            ops.push(Op::DeleteLeaf(i));
        } else if roll < 97 {
            let parent = if rng.below(2) == 0 {
                ROOT.to_owned()
            } else {
                model.dirs[rng.below(model.dirs.len())].clone()
            };
            let dir = format!("{parent}/x{c}");
            let f = zk.create(&dir, format!("dir{c}").into_bytes(), &CreateOptions::new());
            futs.push(Box::pin(async move { f.await.map(drop) }));
            ops.push(Op::CreateDir(dir));
        } else if let Some(i) = pick_storm_dir(model, rng) {
            // Delete a directory made during the storm, with what it holds (children first,
            // as the server requires).
            let f = zk.delete_recursive(&model.dirs[i]);
            futs.push(Box::pin(f));
            ops.push(Op::DeleteDir(i));
        }
    }
    let results = join_all(futs).await;
    let mut dead_leaves = Vec::new();
    let mut dead_dirs = Vec::new();
    for (op, r) in ops.into_iter().zip(results) {
        if r.is_err() {
            continue;
        }
        match op {
            Op::Set => {}
            Op::CreateLeaf(p) => model.leaves.push(p),
            Op::DeleteLeaf(i) => dead_leaves.push(model.leaves[i].clone()),
            Op::CreateDir(p) => model.dirs.push(p),
            Op::DeleteDir(i) => dead_dirs.push(model.dirs[i].clone()),
        }
    }
    model.leaves.retain(|l| {
        !dead_leaves.contains(l) && !dead_dirs.iter().any(|d| l.starts_with(&format!("{d}/")))
    });
    model.dirs.retain(|d| {
        !dead_dirs
            .iter()
            .any(|x| d == x || d.starts_with(&format!("{x}/")))
    });
    if model.dirs.is_empty() {
        model.dirs.push(ROOT.to_owned());
    }
}

/// A directory created during the storm (the initial ones stay, so the tree stays large).
fn pick_storm_dir(model: &Model, rng: &mut Rng) -> Option<usize> {
    let i = rng.below(model.dirs.len());
    model.dirs[i].contains("/x").then_some(i)
}

/// The faults, in order, spread over the storm.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Cut,
    Blackhole(Duration),
    RestartServer,
}

async fn storm(mode: WatchMode, dirs: usize, per_dir: usize, faults: &[Fault]) {
    let server = tokio::task::spawn_blocking(ZkServer::start)
        .await
        .unwrap()
        .expect("start a server of our own");
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let writer = Client::builder(&server.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let started = Instant::now();
    let mut model = build(&writer, dirs, per_dir).await;
    let nodes = 1 + dirs + dirs * per_dir;
    eprintln!("built {nodes} nodes in {:?}", started.elapsed());

    let zk = Client::builder(&proxy.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let cache = TreeCache::builder(&zk, ROOT).watch_mode(mode).build();
    let mut events = cache.events();
    let collector = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(e) = events.recv().await {
            all.push(e);
        }
        all
    });
    let loading = Instant::now();
    cache.start().await.unwrap();
    tokio::time::timeout(T, cache.initialized())
        .await
        .expect("loaded in time");
    eprintln!(
        "cache loaded {} nodes in {:?}",
        cache.len(),
        loading.elapsed()
    );
    assert_eq!(cache.len(), nodes);

    // The storm: the writer runs until told to stop; the faults come one after another.
    let stop = Arc::new(AtomicBool::new(false));
    let writer_task = {
        let stop = stop.clone();
        let writer = writer.clone();
        tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut batches = 0u64;
            while !stop.load(Ordering::Relaxed) {
                batch(&writer, &mut model, &mut rng, 40).await;
                batches += 1;
            }
            batches
        })
    };
    let server = Arc::new(std::sync::Mutex::new(server));
    for fault in faults {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        eprintln!("{:?}: {fault:?}", started.elapsed());
        match *fault {
            Fault::Cut => proxy.cut(),
            Fault::Blackhole(d) => {
                proxy.set_mode(ProxyMode::Blackhole);
                proxy.cut();
                tokio::time::sleep(d).await;
                proxy.set_mode(ProxyMode::Pass);
            }
            Fault::RestartServer => {
                let server = server.clone();
                tokio::task::spawn_blocking(move || server.lock().unwrap().restart())
                    .await
                    .unwrap()
                    .expect("restart the server");
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop.store(true, Ordering::Relaxed);
    let batches = tokio::time::timeout(T, writer_task)
        .await
        .expect("the writer stops")
        .unwrap();
    eprintln!(
        "{:?}: storm over after {batches} batches",
        started.elapsed()
    );
    assert!(batches >= 20, "too little happened during the storm");

    // The cache catches up with everything committed before this point.
    tokio::time::timeout(T, writer.wait_connected())
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(T, zk.wait_connected())
        .await
        .unwrap()
        .unwrap();
    tokio::time::timeout(T, cache.sync())
        .await
        .expect("the cache catches up in time")
        .unwrap();
    let want = server_tree(&writer, ROOT).await;
    let got = cache_tree(&cache);
    eprintln!(
        "{:?}: server has {} nodes, cache {}; {:?}",
        started.elapsed(),
        want.len(),
        got.len(),
        cache.stats()
    );
    assert_same(&got, &want);
    cache.close().await;
    let history = collector.await.unwrap();
    assert!(history.contains(&TreeEvent::ConnectionReconnected));
    let replayed = replay(&history);
    let want_data: BTreeMap<String, bytes::Bytes> =
        want.into_iter().map(|(p, (d, _))| (p, d)).collect();
    assert!(
        replayed == want_data,
        "the replayed event stream differs from the tree"
    );
    zk.close().await;
    writer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_consistency_storm() {
    storm(
        WatchMode::PersistentRecursive,
        100,
        100,
        &[
            Fault::Cut,
            Fault::Blackhole(Duration::from_millis(800)),
            Fault::RestartServer,
            Fault::Cut,
            Fault::RestartServer,
            Fault::Blackhole(Duration::from_millis(500)),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_cache_consistency_storm_one_shot() {
    storm(
        WatchMode::OneShot,
        20,
        100,
        &[
            Fault::Cut,
            Fault::RestartServer,
            Fault::Blackhole(Duration::from_millis(800)),
        ],
    )
    .await;
}
