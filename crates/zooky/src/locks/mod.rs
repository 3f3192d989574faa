//! The `locks` commands: zktools' zooky (`list`, `show`, removing empty locks), extended to
//! the kazoo and Curator layouts and to read/write locks. Lock nodes are read directly through
//! the client, so any library's locks can be inspected without taking part in them.

pub mod clean;
pub mod layout;
pub mod list;
pub mod show;

use kazoo::Client;
use layout::{Contender, Kind, Layout};

/// A recognised contender under a lock node.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The child's name.
    pub name: String,
    /// What its name says.
    pub contender: Contender,
    /// True when it holds the lock now.
    pub holds: bool,
}

/// A lock node and what is under it.
#[derive(Debug, Clone)]
pub struct LockView {
    /// The lock node's path.
    pub path: String,
    /// Contenders in queue order (by sequence number).
    pub contenders: Vec<Entry>,
    /// Children that are not contenders of a known layout, sorted.
    pub others: Vec<String>,
}

impl LockView {
    /// Builds the view from a lock node's child names.
    pub fn new(path: String, children: Vec<String>) -> LockView {
        let mut contenders = Vec::new();
        let mut others = Vec::new();
        for name in children {
            match layout::classify(&name) {
                Some(c) => contenders.push(Entry {
                    name,
                    contender: c,
                    holds: false,
                }),
                None => others.push(name),
            }
        }
        contenders.sort_by(|a, b| (a.contender.seq, &a.name).cmp(&(b.contender.seq, &b.name)));
        others.sort();
        let kinds: Vec<Kind> = contenders.iter().map(|e| e.contender.kind).collect();
        for (e, holds) in contenders.iter_mut().zip(layout::holders(&kinds)) {
            e.holds = holds;
        }
        LockView {
            path,
            contenders,
            others,
        }
    }

    /// True when someone holds it.
    pub fn locked(&self) -> bool {
        !self.contenders.is_empty()
    }

    /// `Locked` or `Free`, zktools' words.
    pub fn status(&self) -> &'static str {
        if self.locked() {
            "Locked"
        } else {
            "Free"
        }
    }

    /// How it is held: `read` (shared), `write`/`lock` (exclusive), or `None` when free.
    pub fn mode(&self) -> Option<&'static str> {
        self.contenders.first().map(|e| e.contender.kind.name())
    }

    /// Number of contenders holding it.
    pub fn holders(&self) -> usize {
        self.contenders.iter().filter(|e| e.holds).count()
    }

    /// Number of contenders waiting.
    pub fn waiters(&self) -> usize {
        self.contenders.len() - self.holders()
    }

    /// Number of shared (read) contenders.
    pub fn readers(&self) -> usize {
        self.contenders
            .iter()
            .filter(|e| !e.contender.kind.exclusive())
            .count()
    }

    /// Number of exclusive (lock or write) contenders.
    pub fn writers(&self) -> usize {
        self.contenders.len() - self.readers()
    }

    /// The layout of its contenders: one name, `mixed`, or `-` when there is none.
    pub fn layout(&self) -> &'static str {
        let mut layouts: Vec<Layout> = self.contenders.iter().map(|e| e.contender.layout).collect();
        layouts.sort();
        layouts.dedup();
        match layouts.as_slice() {
            [] => "-",
            [one] => one.name(),
            _ => "mixed",
        }
    }
}

/// Reads one lock node.
pub async fn read(client: &Client, path: &str) -> kazoo::Result<LockView> {
    let children = client.get_children(path).await?;
    Ok(LockView::new(path.to_owned(), children))
}

/// The lock nodes under `root` (the `zookeeper` system node excluded), each read in one
/// pipelined round; nodes deleted meanwhile are left out.
pub async fn read_all(client: &Client, root: &str) -> kazoo::Result<Vec<LockView>> {
    let mut names = client.get_children(root).await?;
    names.sort();
    if root == "/" {
        names.retain(|n| n != "zookeeper");
    }
    let paths: Vec<String> = names
        .iter()
        .map(|n| kazoo::proto::path::join(root, n))
        .collect();
    let calls: Vec<_> = paths.iter().map(|p| client.get_children(p)).collect();
    let mut out = Vec::new();
    for (path, call) in paths.into_iter().zip(calls) {
        match call.await {
            Ok(children) => out.push(LockView::new(path, children)),
            Err(kazoo::Error::NoNode { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The short name of a lock under its root (its last path segment).
pub fn short_name(path: &str) -> &str {
    kazoo::proto::path::basename(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_orders_and_counts() {
        let u = "0123456789abcdef0123456789abcdef";
        let children = vec![
            format!("{u}__lock__0000000003"),
            format!("{u}__rlock__0000000001"),
            "lease_holder".to_owned(),
            format!("{u}__rlock__0000000000"),
        ];
        let v = LockView::new("/l".into(), children);
        assert_eq!(v.status(), "Locked");
        assert_eq!(v.mode(), Some("read"));
        assert_eq!((v.holders(), v.waiters()), (2, 1));
        assert_eq!((v.readers(), v.writers()), (2, 1));
        assert_eq!(v.contenders[0].contender.seq, 0);
        assert_eq!(v.others, ["lease_holder"]);
        assert_eq!(v.layout(), "kazoo");
        let free = LockView::new("/f".into(), vec![]);
        assert_eq!(
            (free.status(), free.mode(), free.layout()),
            ("Free", None, "-")
        );
    }
}
