//! The tree cache's memory: an arena of nodes, each with its own name (not its full path), its
//! parent's index, its children's indices sorted by name, its data and its stat. A node costs
//! its name, its data and about 150 bytes; paths are rebuilt only when asked for.

use bytes::Bytes;
use kazoo_client::Stat;

/// A node's index in the arena.
pub(crate) type Idx = u32;

/// One-shot mode: a data watch is armed on the node.
pub(crate) const DATA_ARMED: u8 = 1;
/// One-shot mode: a child watch is armed on the node.
pub(crate) const CHILD_ARMED: u8 = 2;

/// One cached node.
#[derive(Debug)]
pub(crate) struct Node {
    name: Box<str>,
    parent: Option<Idx>,
    children: Vec<Idx>,
    pub(crate) data: Bytes,
    pub(crate) stat: Stat,
    pub(crate) flags: u8,
}

/// A removed node, as reported in a `NodeRemoved` event.
pub(crate) struct Removed {
    pub(crate) path: String,
    pub(crate) data: Bytes,
    pub(crate) stat: Stat,
}

/// The arena.
#[derive(Debug)]
pub(crate) struct Store {
    root_path: String,
    nodes: Vec<Option<Node>>,
    free: Vec<Idx>,
    root: Option<Idx>,
    len: usize,
}

impl Store {
    pub(crate) fn new(root_path: &str) -> Store {
        Store {
            root_path: root_path.to_owned(),
            nodes: Vec::new(),
            free: Vec::new(),
            root: None,
            len: 0,
        }
    }

    pub(crate) fn root_path(&self) -> &str {
        &self.root_path
    }

    /// Number of cached nodes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn root(&self) -> Option<Idx> {
        self.root
    }

    pub(crate) fn node(&self, idx: Idx) -> &Node {
        self.nodes[idx as usize]
            .as_ref()
            .expect("a live index refers to a node")
    }

    pub(crate) fn node_mut(&mut self, idx: Idx) -> &mut Node {
        self.nodes[idx as usize]
            .as_mut()
            .expect("a live index refers to a node")
    }

    /// The names below the root that lead to `path`; `None` when `path` is outside the tree.
    pub(crate) fn segments<'a>(&self, path: &'a str) -> Option<std::str::Split<'a, char>> {
        let rest = if self.root_path == "/" {
            path.strip_prefix('/')?
        } else {
            let r = path.strip_prefix(self.root_path.as_str())?;
            if r.is_empty() {
                r
            } else {
                r.strip_prefix('/')?
            }
        };
        // "" splits into one empty name; callers treat the empty path as the root.
        Some(rest.split('/'))
    }

    /// Depth of `path` below the root (the root is 0), `None` outside the tree.
    pub(crate) fn depth(&self, path: &str) -> Option<usize> {
        if path == self.root_path {
            return Some(0);
        }
        Some(self.segments(path)?.count())
    }

    pub(crate) fn find(&self, path: &str) -> Option<Idx> {
        let mut cur = self.root?;
        if path == self.root_path {
            return Some(cur);
        }
        for name in self.segments(path)? {
            if name.is_empty() {
                return None;
            }
            cur = self.find_child(cur, name)?;
        }
        Some(cur)
    }

    fn child_pos(&self, parent: Idx, name: &str) -> Result<usize, usize> {
        self.node(parent)
            .children
            .binary_search_by(|&c| (*self.node(c).name).cmp(name))
    }

    pub(crate) fn find_child(&self, parent: Idx, name: &str) -> Option<Idx> {
        let pos = self.child_pos(parent, name).ok()?;
        Some(self.node(parent).children[pos])
    }

    fn alloc(&mut self, node: Node) -> Idx {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = Some(node);
                i
            }
            None => {
                self.nodes.push(Some(node));
                (self.nodes.len() - 1) as Idx
            }
        }
    }

    /// Inserts the root (which must be absent).
    pub(crate) fn insert_root(&mut self, data: Bytes, stat: Stat) -> Idx {
        let idx = self.alloc(Node {
            name: "".into(),
            parent: None,
            children: Vec::new(),
            data,
            stat,
            flags: 0,
        });
        self.root = Some(idx);
        idx
    }

    /// Inserts `name` under `parent` (it must be absent there).
    pub(crate) fn insert_child(&mut self, parent: Idx, name: &str, data: Bytes, stat: Stat) -> Idx {
        let idx = self.alloc(Node {
            name: name.into(),
            parent: Some(parent),
            children: Vec::new(),
            data,
            stat,
            flags: 0,
        });
        let pos = match self.child_pos(parent, name) {
            Ok(p) | Err(p) => p,
        };
        self.node_mut(parent).children.insert(pos, idx);
        idx
    }

    /// Removes `idx` and everything below it, appending them (deepest first) to `out`.
    pub(crate) fn remove_subtree(&mut self, idx: Idx, out: &mut Vec<Removed>) {
        let path = self.path_of(idx);
        if let Some(parent) = self.node(idx).parent {
            let name = self.node(idx).name.clone();
            if let Ok(pos) = self.child_pos(parent, &name) {
                self.node_mut(parent).children.remove(pos);
            }
        } else {
            self.root = None;
        }
        self.remove_rec(idx, path, out);
    }

    fn remove_rec(&mut self, idx: Idx, path: String, out: &mut Vec<Removed>) {
        let Some(node) = self.nodes[idx as usize].take() else {
            return;
        };
        self.len -= 1;
        self.free.push(idx);
        for c in node.children {
            let name = self.node(c).name.clone();
            self.remove_rec(c, join(&path, &name), out);
        }
        out.push(Removed {
            path,
            data: node.data,
            stat: node.stat,
        });
    }

    /// The full path of a node.
    pub(crate) fn path_of(&self, idx: Idx) -> String {
        let mut names = Vec::new();
        let mut cur = idx;
        while let Some(parent) = self.node(cur).parent {
            names.push(&*self.node(cur).name);
            cur = parent;
        }
        let mut path = self.root_path.clone();
        for name in names.into_iter().rev() {
            if !path.ends_with('/') {
                path.push('/');
            }
            path.push_str(name);
        }
        path
    }

    /// The children's names, sorted.
    pub(crate) fn children_names(&self, idx: Idx) -> Vec<String> {
        self.node(idx)
            .children
            .iter()
            .map(|&c| self.node(c).name.to_string())
            .collect()
    }

    /// Every cached node with its path, parents before children.
    pub(crate) fn walk(&self) -> Vec<(Idx, String)> {
        let mut out = Vec::with_capacity(self.len);
        if let Some(root) = self.root {
            let mut stack = vec![(root, self.root_path.clone())];
            while let Some((idx, path)) = stack.pop() {
                for &c in self.node(idx).children.iter().rev() {
                    stack.push((c, join(&path, &self.node(c).name)));
                }
                out.push((idx, path));
            }
        }
        out
    }

    /// Gives back the room a load left unused (the arena grows by doubling).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.free.shrink_to_fit();
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.root = None;
        self.len = 0;
    }
}

/// `parent` + `/` + `name`, for `/` too.
pub(crate) use kazoo_proto::path::join;

/// The parent of an absolute path (`None` for `/`).
pub(crate) fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
    }
}

/// The last name of an absolute path.
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(czxid: i64) -> Stat {
        Stat {
            czxid,
            mzxid: czxid,
            ..Stat::default()
        }
    }

    #[test]
    fn insert_find_remove_under_a_nested_root() {
        let mut s = Store::new("/app");
        assert_eq!(s.find("/app"), None);
        let r = s.insert_root(Bytes::new(), stat(1));
        let b = s.insert_child(r, "b", Bytes::from_static(b"B"), stat(2));
        let a = s.insert_child(r, "a", Bytes::new(), stat(3));
        let x = s.insert_child(a, "x", Bytes::new(), stat(4));
        assert_eq!(s.find("/app"), Some(r));
        assert_eq!(s.find("/app/a/x"), Some(x));
        assert_eq!(s.find("/app/b"), Some(b));
        assert_eq!(s.find("/apple"), None);
        assert_eq!(s.find("/app/c"), None);
        assert_eq!(s.find("/app/"), None);
        assert_eq!(s.children_names(r), ["a", "b"]);
        assert_eq!(s.path_of(x), "/app/a/x");
        assert_eq!(s.depth("/app/a/x"), Some(2));
        assert_eq!(s.depth("/app"), Some(0));
        assert_eq!(s.depth("/other"), None);
        let walked: Vec<String> = s.walk().into_iter().map(|(_, p)| p).collect();
        assert_eq!(walked, ["/app", "/app/a", "/app/a/x", "/app/b"]);
        let mut out = Vec::new();
        s.remove_subtree(a, &mut out);
        let removed: Vec<&str> = out.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(removed, ["/app/a/x", "/app/a"]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.children_names(r), ["b"]);
        // Freed slots are reused.
        let c = s.insert_child(r, "c", Bytes::new(), stat(5));
        assert!(c == a || c == x);
        out.clear();
        s.remove_subtree(r, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(s.len(), 0);
        assert_eq!(s.root(), None);
    }

    #[test]
    fn a_node_stays_small() {
        // Name, parent, children, data handle, stat and flags; the arena slot adds nothing.
        assert!(std::mem::size_of::<Option<Node>>() <= 160);
    }

    #[test]
    fn the_server_root_works_as_a_tree_root() {
        let mut s = Store::new("/");
        let r = s.insert_root(Bytes::new(), stat(1));
        let a = s.insert_child(r, "a", Bytes::new(), stat(2));
        assert_eq!(s.find("/a"), Some(a));
        assert_eq!(s.path_of(a), "/a");
        assert_eq!(s.depth("/a"), Some(1));
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(parent("/"), None);
        assert_eq!(basename("/a/b"), "b");
    }
}
