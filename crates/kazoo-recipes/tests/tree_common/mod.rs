//! Helpers of the tree cache tests: the server's tree read in full, the cache's tree, and
//! the replay of an event stream.
#![allow(dead_code)]

use bytes::Bytes;
use kazoo_client::Client;
use kazoo_recipes::cache::{TreeCache, TreeEvent};
use std::collections::BTreeMap;
use std::time::Duration;

/// Limit for anything a test waits for.
pub const T: Duration = Duration::from_secs(30);

/// Path to (data, sorted children).
pub type Tree = BTreeMap<String, (Bytes, Vec<String>)>;

fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

/// The server's tree under `root`, read level by level with pipelined requests. The tree
/// must not change meanwhile.
pub async fn server_tree(zk: &Client, root: &str) -> Tree {
    let mut out = Tree::new();
    if zk.exists(root).await.expect("exists").is_none() {
        return out;
    }
    let mut level = vec![root.to_owned()];
    while !level.is_empty() {
        let datas: Vec<_> = level.iter().map(|p| zk.get(p)).collect();
        let kids: Vec<_> = level.iter().map(|p| zk.get_children(p)).collect();
        let datas = futures::future::join_all(datas).await;
        let kids = futures::future::join_all(kids).await;
        let mut next = Vec::new();
        for ((p, d), k) in level.iter().zip(datas).zip(kids) {
            let (data, _) = d.expect("read the server's tree");
            let mut k = k.expect("list the server's tree");
            k.sort();
            next.extend(k.iter().map(|c| join(p, c)));
            out.insert(p.clone(), (data, k));
        }
        level = next;
    }
    out
}

/// The cache's tree in the same shape.
pub fn cache_tree(cache: &TreeCache) -> Tree {
    cache
        .snapshot()
        .into_iter()
        .map(|n| {
            let kids = cache.get_children(&n.path).expect("a cached node lists");
            (n.path, (n.data, kids))
        })
        .collect()
}

/// Replays node events onto an empty map: path to data.
pub fn replay(events: &[TreeEvent]) -> BTreeMap<String, Bytes> {
    let mut m = BTreeMap::new();
    for e in events {
        match e {
            TreeEvent::NodeAdded(n) | TreeEvent::NodeUpdated(n) => {
                m.insert(n.path.clone(), n.data.clone());
            }
            TreeEvent::NodeRemoved(n) => {
                m.remove(&n.path);
            }
            _ => {}
        }
    }
    m
}

/// Asserts two trees are equal, naming the first differences.
pub fn assert_same(got: &Tree, want: &Tree) {
    if got == want {
        return;
    }
    let mut diffs = Vec::new();
    for (p, w) in want {
        match got.get(p) {
            None => diffs.push(format!("missing {p}")),
            Some(g) if g != w => diffs.push(format!("differs {p}: cache {g:?} server {w:?}")),
            _ => {}
        }
    }
    for p in got.keys() {
        if !want.contains_key(p) {
            diffs.push(format!("extra {p}"));
        }
    }
    let n = diffs.len();
    diffs.truncate(20);
    panic!(
        "the cache differs from the server in {n} nodes ({} vs {} nodes): {diffs:#?}",
        got.len(),
        want.len()
    );
}
