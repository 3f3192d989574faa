//! Walking a subtree breadth-first, each level's reads pipelined, for `ls -R`, `tree` and
//! `ephemerals`. Nodes deleted while the walk runs are skipped, not reported as errors.

use kazoo::{Client, Stat};
use std::collections::HashMap;

/// Requests in flight at once: enough to hide round trips, bounded so that a huge level does
/// not queue a million requests.
const PIPELINE: usize = 512;

/// One node met on the walk.
#[derive(Debug, Clone)]
pub struct Node {
    /// Full path.
    pub path: String,
    /// Its stat.
    pub stat: Stat,
    /// Its children's names, sorted (listed even at the depth limit).
    pub children: Vec<String>,
}

/// The nodes of the subtree at `root`, at most `max_depth` levels below it, by path.
pub struct Tree {
    /// The walk's root.
    pub root: String,
    /// Every node met, by path.
    pub nodes: HashMap<String, Node>,
}

impl Tree {
    /// Paths in depth-first order, children sorted: the order `ls -R` prints.
    pub fn depth_first(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.as_str()];
        while let Some(path) = stack.pop() {
            let Some(node) = self.nodes.get(path) else {
                continue;
            };
            out.push(node);
            for child in node.children.iter().rev() {
                if let Some(n) = self.nodes.get(&kazoo::proto::path::join(path, child)) {
                    stack.push(n.path.as_str());
                }
            }
        }
        out
    }
}

/// Walks the subtree. Fails only when `root` itself cannot be read.
pub async fn walk(client: &Client, root: &str, max_depth: Option<usize>) -> kazoo::Result<Tree> {
    let mut nodes = HashMap::new();
    let mut level = vec![root.to_owned()];
    let mut depth = 0;
    while !level.is_empty() {
        let mut next = Vec::new();
        for chunk in level.chunks(PIPELINE) {
            let calls: Vec<_> = chunk
                .iter()
                .map(|p| client.get_children_with_stat(p))
                .collect();
            for (path, call) in chunk.iter().zip(calls) {
                let (mut children, stat) = match call.await {
                    Ok(r) => r,
                    Err(kazoo::Error::NoNode { .. }) if depth > 0 => continue,
                    Err(e) => return Err(e),
                };
                children.sort();
                if !matches!(max_depth, Some(m) if depth >= m) {
                    next.extend(children.iter().map(|c| kazoo::proto::path::join(path, c)));
                }
                nodes.insert(
                    path.clone(),
                    Node {
                        path: path.clone(),
                        stat,
                        children,
                    },
                );
            }
        }
        level = next;
        depth += 1;
    }
    Ok(Tree {
        root: root.to_owned(),
        nodes,
    })
}
