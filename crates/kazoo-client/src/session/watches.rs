//! The client-side watch registry: which watcher waits for what on which (server-absolute) path,
//! how a notification is routed to watchers, and what to re-register after a reconnect.
//!
//! Routing follows the Java client's `ZKWatchManager`: a data change or creation triggers the
//! data and exist watches of the path, a deletion the data, exist and child watches, a children
//! change the child watches; persistent watches of the path see every event of the path and
//! persistent-recursive watches of the path or any ancestor see everything but children changes.

use kazoo_proto::EventType;
use std::collections::{BTreeMap, BTreeSet};

/// Identifies one watcher (one `Watch` future, one persistent-watch stream, or one shared
/// watcher). Registering the same watcher twice for the same path and kind is a no-op
/// (kazoo's rule: a watch function is called once per event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WatcherId(pub u64);

/// The kinds of watch a client can hold on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchKind {
    /// One-shot data watch (getData, or exists on an existing node).
    Data,
    /// One-shot exist watch (exists on a missing node).
    Exist,
    /// One-shot child watch (getChildren).
    Child,
    /// Persistent watch (addWatch mode 0, 3.6+).
    Persistent,
    /// Persistent recursive watch (addWatch mode 1, 3.6+).
    PersistentRecursive,
}

impl WatchKind {
    /// Every kind, in the order SetWatches2 lists them.
    pub const ALL: [WatchKind; 5] = [
        WatchKind::Data,
        WatchKind::Exist,
        WatchKind::Child,
        WatchKind::Persistent,
        WatchKind::PersistentRecursive,
    ];

    /// True for the kinds that survive a trigger.
    pub fn is_persistent(self) -> bool {
        matches!(self, WatchKind::Persistent | WatchKind::PersistentRecursive)
    }
}

/// A registration request carried with a read or addWatch request; recorded when the reply
/// says the server set the watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRegistration {
    /// Kind of watch; an exists request registers `Data` and the registry switches to `Exist`
    /// when the node turned out to be missing.
    pub kind: WatchKind,
    /// Server-absolute path (chroot included).
    pub path: String,
    /// The watcher to notify.
    pub watcher: WatcherId,
}

/// Watchers by kind and path.
#[derive(Debug, Default)]
pub struct WatchRegistry {
    by_kind: [BTreeMap<Box<str>, Ids>; 5],
}

/// The watchers of one path and kind: almost always exactly one, kept without an allocation
/// of its own then (a `BTreeSet` costs a node per path; see BENCHMARKS.md, W6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Ids {
    #[default]
    Empty,
    One(WatcherId),
    /// Sorted, no duplicates.
    Many(Vec<WatcherId>),
}

impl Ids {
    fn as_slice(&self) -> &[WatcherId] {
        match self {
            Ids::Empty => &[],
            Ids::One(w) => std::slice::from_ref(w),
            Ids::Many(v) => v,
        }
    }

    fn iter(&self) -> std::slice::Iter<'_, WatcherId> {
        self.as_slice().iter()
    }

    fn contains(&self, w: &WatcherId) -> bool {
        self.as_slice().binary_search(w).is_ok()
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// False when it was there already.
    fn insert(&mut self, w: WatcherId) -> bool {
        match self {
            Ids::Empty => {
                *self = Ids::One(w);
                true
            }
            Ids::One(x) if *x == w => false,
            Ids::One(x) => {
                let mut v = vec![*x, w];
                v.sort_unstable();
                *self = Ids::Many(v);
                true
            }
            Ids::Many(v) => match v.binary_search(&w) {
                Ok(_) => false,
                Err(at) => {
                    v.insert(at, w);
                    true
                }
            },
        }
    }

    /// False when it was not there.
    fn remove(&mut self, w: &WatcherId) -> bool {
        match self {
            Ids::One(x) if x == w => {
                *self = Ids::Empty;
                true
            }
            Ids::Many(v) => match v.binary_search(w) {
                Ok(at) => {
                    v.remove(at);
                    if v.is_empty() {
                        *self = Ids::Empty;
                    }
                    true
                }
                Err(_) => false,
            },
            _ => false,
        }
    }
}

impl<'a> IntoIterator for &'a Ids {
    type Item = &'a WatcherId;
    type IntoIter = std::slice::Iter<'a, WatcherId>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

fn slot(kind: WatchKind) -> usize {
    match kind {
        WatchKind::Data => 0,
        WatchKind::Exist => 1,
        WatchKind::Child => 2,
        WatchKind::Persistent => 3,
        WatchKind::PersistentRecursive => 4,
    }
}

impl WatchRegistry {
    /// Adds a watcher; returns false when it was already registered (deduplicated).
    pub fn add(&mut self, kind: WatchKind, path: &str, watcher: WatcherId) -> bool {
        self.by_kind[slot(kind)]
            .entry(path.into())
            .or_default()
            .insert(watcher)
    }

    /// Removes one watcher from one path and kind; returns true when it was there.
    pub fn remove(&mut self, kind: WatchKind, path: &str, watcher: WatcherId) -> bool {
        let map = &mut self.by_kind[slot(kind)];
        let Some(set) = map.get_mut(path) else {
            return false;
        };
        let removed = set.remove(&watcher);
        if set.is_empty() {
            map.remove(path);
        }
        removed
    }

    /// Removes every watcher of `kind` on `path` and returns them.
    pub fn remove_all(&mut self, kind: WatchKind, path: &str) -> Vec<WatcherId> {
        self.by_kind[slot(kind)]
            .remove(path)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// True when some watcher of `kind` is registered on `path`.
    pub fn has(&self, kind: WatchKind, path: &str) -> bool {
        self.by_kind[slot(kind)].contains_key(path)
    }

    /// True when any watcher of any kind is registered on `path`.
    pub fn has_any(&self, path: &str) -> bool {
        WatchKind::ALL.iter().any(|k| self.has(*k, path))
    }

    /// True when no watch is registered at all.
    pub fn is_empty(&self) -> bool {
        self.by_kind.iter().all(BTreeMap::is_empty)
    }

    /// Paths of one kind, sorted.
    pub fn paths(&self, kind: WatchKind) -> Vec<String> {
        self.by_kind[slot(kind)]
            .keys()
            .map(|p| p.to_string())
            .collect()
    }

    /// Routes a node event (server-absolute path) and removes the one-shot watches it
    /// consumed. Returns each watcher once, whatever the number of its registrations hit.
    pub fn trigger(&mut self, event_type: EventType, path: &str) -> Vec<WatcherId> {
        let mut hit = BTreeSet::new();
        let mut take = |this: &mut Self, kind: WatchKind| {
            if let Some(s) = this.by_kind[slot(kind)].remove(path) {
                hit.extend(s.iter().copied());
            }
        };
        match event_type {
            EventType::NodeDataChanged | EventType::NodeCreated => {
                take(self, WatchKind::Data);
                take(self, WatchKind::Exist);
            }
            EventType::NodeDeleted => {
                take(self, WatchKind::Data);
                take(self, WatchKind::Exist);
                take(self, WatchKind::Child);
            }
            EventType::NodeChildrenChanged => take(self, WatchKind::Child),
            _ => {}
        }
        if let Some(s) = self.by_kind[slot(WatchKind::Persistent)].get(path) {
            hit.extend(s.iter().copied());
        }
        if event_type != EventType::NodeChildrenChanged {
            let rec = &self.by_kind[slot(WatchKind::PersistentRecursive)];
            for p in ancestors_and_self(path) {
                if let Some(s) = rec.get(p) {
                    hit.extend(s.iter().copied());
                }
            }
        }
        hit.into_iter().collect()
    }

    /// The server keeps one persistent mode per connection and path, the last one added; the
    /// client therefore asks for the recursive mode whenever a path has both kinds, and makes
    /// up the children-changed events the plain persistent watchers of that path would have
    /// had, from the creations and deletions of its direct children.
    pub fn synthesized_children_changed(
        &self,
        event_type: EventType,
        path: &str,
    ) -> Option<(String, Vec<WatcherId>)> {
        if !matches!(event_type, EventType::NodeCreated | EventType::NodeDeleted) {
            return None;
        }
        let parent = kazoo_proto::path::parent(path)?;
        if !self.has(WatchKind::PersistentRecursive, parent) {
            return None;
        }
        let ws = self.by_kind[slot(WatchKind::Persistent)].get(parent)?;
        Some((parent.to_owned(), ws.iter().copied().collect()))
    }

    /// Removes everything and returns each watcher once with one of its paths (for terminal
    /// events on expiry or close).
    pub fn drain(&mut self) -> Vec<(WatcherId, String)> {
        let mut seen = BTreeMap::new();
        for map in &mut self.by_kind {
            for (path, set) in std::mem::take(map) {
                for &w in set.iter() {
                    seen.entry(w).or_insert_with(|| path.to_string());
                }
            }
        }
        seen.into_iter().collect()
    }

    /// Every watcher id that appears anywhere.
    pub fn watcher_ids(&self) -> BTreeSet<WatcherId> {
        self.by_kind
            .iter()
            .flat_map(|m| m.values().flatten().copied())
            .collect()
    }

    /// Every (kind, path) under which `watcher` is registered.
    pub fn registrations_of(&self, watcher: WatcherId) -> Vec<(WatchKind, String)> {
        WatchKind::ALL
            .iter()
            .flat_map(|&k| {
                self.by_kind[slot(k)]
                    .iter()
                    .filter(move |(_, set)| set.contains(&watcher))
                    .map(move |(path, _)| (k, path.to_string()))
            })
            .collect()
    }

    /// True when `watcher` is still registered anywhere.
    pub fn contains_watcher(&self, watcher: WatcherId) -> bool {
        self.by_kind
            .iter()
            .any(|m| m.values().any(|s| s.contains(&watcher)))
    }
}

/// `/a/b/c`, `/a/b`, `/a`, `/`.
fn ancestors_and_self(path: &str) -> impl Iterator<Item = &str> {
    let mut cur = Some(path);
    std::iter::from_fn(move || {
        let p = cur?;
        cur = match p.rfind('/') {
            Some(0) if p.len() > 1 => Some("/"),
            Some(0) | None => None,
            Some(i) => Some(&p[..i]),
        };
        Some(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors() {
        let v: Vec<_> = ancestors_and_self("/a/b/c").collect();
        assert_eq!(v, ["/a/b/c", "/a/b", "/a", "/"]);
        let v: Vec<_> = ancestors_and_self("/").collect();
        assert_eq!(v, ["/"]);
    }

    #[test]
    fn same_watcher_same_path_registered_once() {
        let mut r = WatchRegistry::default();
        assert!(r.add(WatchKind::Data, "/a", WatcherId(1)));
        assert!(!r.add(WatchKind::Data, "/a", WatcherId(1)));
        assert!(r.add(WatchKind::Exist, "/a", WatcherId(1)));
        // One event reaches the watcher once although two of its registrations match.
        assert_eq!(
            r.trigger(EventType::NodeDataChanged, "/a"),
            vec![WatcherId(1)]
        );
        assert!(r.is_empty());
    }

    #[test]
    fn routing_by_event_type() {
        let mut r = WatchRegistry::default();
        r.add(WatchKind::Data, "/a", WatcherId(1));
        r.add(WatchKind::Child, "/a", WatcherId(2));
        r.add(WatchKind::Persistent, "/a", WatcherId(3));
        r.add(WatchKind::PersistentRecursive, "/", WatcherId(4));
        assert_eq!(
            r.trigger(EventType::NodeChildrenChanged, "/a"),
            vec![WatcherId(2), WatcherId(3)]
        );
        assert_eq!(
            r.trigger(EventType::NodeDataChanged, "/a"),
            vec![WatcherId(1), WatcherId(3), WatcherId(4)]
        );
        // One-shots are consumed, persistent ones stay.
        assert_eq!(
            r.trigger(EventType::NodeDeleted, "/a"),
            vec![WatcherId(3), WatcherId(4)]
        );
        assert_eq!(
            r.trigger(EventType::NodeCreated, "/x/y"),
            vec![WatcherId(4)]
        );
    }

    #[test]
    fn drain_returns_each_watcher_once() {
        let mut r = WatchRegistry::default();
        r.add(WatchKind::Data, "/a", WatcherId(1));
        r.add(WatchKind::Child, "/b", WatcherId(1));
        r.add(WatchKind::Persistent, "/c", WatcherId(2));
        let d = r.drain();
        assert_eq!(d.len(), 2);
        assert!(r.is_empty());
    }
}
