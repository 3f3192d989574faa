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

/// A [`WatchRegistration`] as a request carries it: boxed, since most requests set no watch
/// and every request is moved a few times on its way to the socket.
///
/// ```
/// use kazoo_client::session::watches::{Registration, WatchKind, WatchRegistration, WatcherId};
/// let r: Registration = Box::new(WatchRegistration {
///     kind: WatchKind::Data,
///     path: "/a".into(),
///     watcher: WatcherId(1),
///     sink: None,
/// });
/// assert_eq!(r.kind, WatchKind::Data);
/// ```
pub type Registration<S = ()> = Box<WatchRegistration<S>>;

/// A registration request carried with a read or addWatch request; recorded when the reply
/// says the server set the watch.
///
/// `sink` is whatever the driver wants back when the watch fires or is removed: the registry
/// keeps it in the watcher's own entry, so a driver needs no second map from watcher to
/// channel (thousands of pending one-shot watches are common). `None` is fine too: the
/// watcher is then known by its id alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRegistration<S = ()> {
    /// Kind of watch; an exists request registers `Data` and the registry switches to `Exist`
    /// when the node turned out to be missing.
    pub kind: WatchKind,
    /// Server-absolute path (chroot included).
    pub path: Box<str>,
    /// The watcher to notify.
    pub watcher: WatcherId,
    /// Handed back with the watcher when a one-shot watch fires or any watch is removed.
    pub sink: Option<S>,
}

/// A watcher the registry hands back: its id, and its sink when the registration was
/// consumed (one-shot watches that fired, removed or drained watches). Persistent watchers
/// that stay registered come back with `None`.
pub type Fired<S> = (WatcherId, Option<S>);

/// Watchers by kind and path, each with an optional sink (`S`) handed back when its
/// registration is consumed.
///
/// ```
/// use kazoo_client::session::watches::{WatchKind, WatchRegistry, WatcherId};
/// use kazoo_proto::EventType;
/// let mut r: WatchRegistry<&str> = WatchRegistry::default();
/// r.add(WatchKind::Data, "/a", WatcherId(1), Some("one-shot channel"));
/// r.add(WatchKind::Persistent, "/a", WatcherId(2), None);
/// assert_eq!(
///     r.trigger(EventType::NodeDataChanged, "/a"),
///     vec![(WatcherId(1), Some("one-shot channel")), (WatcherId(2), None)]
/// );
/// // The one-shot registration was consumed; the persistent one stays.
/// assert!(!r.has(WatchKind::Data, "/a") && r.has(WatchKind::Persistent, "/a"));
/// ```
#[derive(Debug)]
pub struct WatchRegistry<S = ()> {
    by_kind: [BTreeMap<Box<str>, Ids<S>>; 5],
}

impl<S> Default for WatchRegistry<S> {
    fn default() -> Self {
        WatchRegistry {
            by_kind: Default::default(),
        }
    }
}

/// The watchers of one path and kind: almost always exactly one, kept without an allocation
/// of its own then (a `BTreeSet` costs a node per path; see BENCHMARKS.md, W6).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ids<S> {
    Empty,
    One((WatcherId, Option<S>)),
    /// Sorted by id, no duplicates.
    Many(Vec<(WatcherId, Option<S>)>),
}

impl<S> Ids<S> {
    fn entries(&self) -> &[(WatcherId, Option<S>)] {
        match self {
            Ids::Empty => &[],
            Ids::One(e) => std::slice::from_ref(e),
            Ids::Many(v) => v,
        }
    }

    fn ids(&self) -> impl Iterator<Item = WatcherId> + '_ {
        self.entries().iter().map(|e| e.0)
    }

    fn find(&self, w: WatcherId) -> Result<usize, usize> {
        self.entries().binary_search_by_key(&w, |e| e.0)
    }

    fn contains(&self, w: WatcherId) -> bool {
        self.find(w).is_ok()
    }

    fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// False when it was there already (the new sink is dropped then).
    fn insert(&mut self, w: WatcherId, sink: Option<S>) -> bool {
        let at = match self.find(w) {
            Ok(_) => return false,
            Err(at) => at,
        };
        match std::mem::replace(self, Ids::Empty) {
            Ids::Empty => *self = Ids::One((w, sink)),
            Ids::One(first) => {
                let mut v = Vec::with_capacity(2);
                v.push(first);
                v.insert(at, (w, sink));
                *self = Ids::Many(v);
            }
            Ids::Many(mut v) => {
                v.insert(at, (w, sink));
                *self = Ids::Many(v);
            }
        }
        true
    }

    /// The entry of `w`, taken out; `None` when it was not there.
    fn remove(&mut self, w: WatcherId) -> Option<Option<S>> {
        let at = self.find(w).ok()?;
        match std::mem::replace(self, Ids::Empty) {
            Ids::One((_, sink)) => Some(sink),
            Ids::Many(mut v) => {
                let (_, sink) = v.remove(at);
                if !v.is_empty() {
                    *self = Ids::Many(v);
                }
                Some(sink)
            }
            Ids::Empty => None,
        }
    }

    fn into_entries(self) -> Vec<(WatcherId, Option<S>)> {
        match self {
            Ids::Empty => Vec::new(),
            Ids::One(e) => vec![e],
            Ids::Many(v) => v,
        }
    }
}

/// Adds `(id, sink)` to `hit` once per id, keeping a sink when one of the entries had it.
fn merge<S>(hit: &mut BTreeMap<WatcherId, Option<S>>, id: WatcherId, sink: Option<S>) {
    let slot = hit.entry(id).or_insert(None);
    if slot.is_none() {
        *slot = sink;
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

impl<S> WatchRegistry<S> {
    /// Adds a watcher with its sink; returns false when it was already registered
    /// (deduplicated: the new sink is dropped). An owned path (a registration's) becomes the key without a copy.
    pub fn add<P>(&mut self, kind: WatchKind, path: P, watcher: WatcherId, sink: Option<S>) -> bool
    where
        P: AsRef<str> + Into<Box<str>>,
    {
        let map = &mut self.by_kind[slot(kind)];
        match map.get_mut(path.as_ref()) {
            Some(ids) => ids.insert(watcher, sink),
            None => {
                map.insert(path.into(), Ids::One((watcher, sink)));
                true
            }
        }
    }

    /// Removes one watcher from one path and kind (dropping its sink); returns true when it
    /// was there.
    pub fn remove(&mut self, kind: WatchKind, path: &str, watcher: WatcherId) -> bool {
        let map = &mut self.by_kind[slot(kind)];
        let Some(set) = map.get_mut(path) else {
            return false;
        };
        let removed = set.remove(watcher).is_some();
        if set.is_empty() {
            map.remove(path);
        }
        removed
    }

    /// Removes every watcher of `kind` on `path` and returns them with their sinks.
    pub fn remove_all(&mut self, kind: WatchKind, path: &str) -> Vec<Fired<S>> {
        self.by_kind[slot(kind)]
            .remove(path)
            .map(Ids::into_entries)
            .unwrap_or_default()
    }

    /// True when `watcher` is registered for `kind` on `path`.
    pub fn is_registered(&self, kind: WatchKind, path: &str, watcher: WatcherId) -> bool {
        self.by_kind[slot(kind)]
            .get(path)
            .is_some_and(|ids| ids.contains(watcher))
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
    /// consumed, whose sinks come back with them. Returns each watcher once, whatever the
    /// number of its registrations hit, in id order.
    pub fn trigger(&mut self, event_type: EventType, path: &str) -> Vec<Fired<S>> {
        let mut hit = BTreeMap::new();
        let mut take = |this: &mut Self, kind: WatchKind| {
            if let Some(s) = this.by_kind[slot(kind)].remove(path) {
                for (id, sink) in s.into_entries() {
                    merge(&mut hit, id, sink);
                }
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
            for id in s.ids() {
                merge(&mut hit, id, None);
            }
        }
        if event_type != EventType::NodeChildrenChanged {
            let rec = &self.by_kind[slot(WatchKind::PersistentRecursive)];
            for p in ancestors_and_self(path) {
                if let Some(s) = rec.get(p) {
                    for id in s.ids() {
                        merge(&mut hit, id, None);
                    }
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
        Some((parent.to_owned(), ws.ids().collect()))
    }

    /// Removes everything and returns each watcher once with its sink and one of its paths
    /// (for terminal events on expiry or close).
    pub fn drain(&mut self) -> Vec<(WatcherId, Option<S>, String)> {
        let mut seen: BTreeMap<WatcherId, (Option<S>, String)> = BTreeMap::new();
        for map in &mut self.by_kind {
            for (path, set) in std::mem::take(map) {
                for (w, sink) in set.into_entries() {
                    let e = seen.entry(w).or_insert_with(|| (None, path.to_string()));
                    if e.0.is_none() {
                        e.0 = sink;
                    }
                }
            }
        }
        seen.into_iter().map(|(w, (s, p))| (w, s, p)).collect()
    }

    /// Every watcher id that appears anywhere.
    pub fn watcher_ids(&self) -> BTreeSet<WatcherId> {
        self.by_kind
            .iter()
            .flat_map(|m| m.values().flat_map(Ids::ids))
            .collect()
    }

    /// Every (kind, path) under which `watcher` is registered.
    pub fn registrations_of(&self, watcher: WatcherId) -> Vec<(WatchKind, String)> {
        WatchKind::ALL
            .iter()
            .flat_map(|&k| {
                self.by_kind[slot(k)]
                    .iter()
                    .filter(move |(_, set)| set.contains(watcher))
                    .map(move |(path, _)| (k, path.to_string()))
            })
            .collect()
    }

    /// True when `watcher` is still registered anywhere.
    pub fn contains_watcher(&self, watcher: WatcherId) -> bool {
        self.by_kind
            .iter()
            .any(|m| m.values().any(|s| s.contains(watcher)))
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

    fn ids<S>(v: Vec<Fired<S>>) -> Vec<WatcherId> {
        v.into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn ancestors() {
        let v: Vec<_> = ancestors_and_self("/a/b/c").collect();
        assert_eq!(v, ["/a/b/c", "/a/b", "/a", "/"]);
        let v: Vec<_> = ancestors_and_self("/").collect();
        assert_eq!(v, ["/"]);
    }

    #[test]
    fn same_watcher_same_path_registered_once() {
        let mut r: WatchRegistry = WatchRegistry::default();
        assert!(r.add(WatchKind::Data, "/a", WatcherId(1), None));
        assert!(!r.add(WatchKind::Data, "/a", WatcherId(1), None));
        assert!(r.add(WatchKind::Exist, "/a", WatcherId(1), None));
        // One event reaches the watcher once although two of its registrations match.
        assert_eq!(
            ids(r.trigger(EventType::NodeDataChanged, "/a")),
            vec![WatcherId(1)]
        );
        assert!(r.is_empty());
    }

    #[test]
    fn routing_by_event_type() {
        let mut r: WatchRegistry = WatchRegistry::default();
        r.add(WatchKind::Data, "/a", WatcherId(1), None);
        r.add(WatchKind::Child, "/a", WatcherId(2), None);
        r.add(WatchKind::Persistent, "/a", WatcherId(3), None);
        r.add(WatchKind::PersistentRecursive, "/", WatcherId(4), None);
        assert_eq!(
            ids(r.trigger(EventType::NodeChildrenChanged, "/a")),
            vec![WatcherId(2), WatcherId(3)]
        );
        assert_eq!(
            ids(r.trigger(EventType::NodeDataChanged, "/a")),
            vec![WatcherId(1), WatcherId(3), WatcherId(4)]
        );
        // One-shots are consumed, persistent ones stay.
        assert_eq!(
            ids(r.trigger(EventType::NodeDeleted, "/a")),
            vec![WatcherId(3), WatcherId(4)]
        );
        assert_eq!(
            ids(r.trigger(EventType::NodeCreated, "/x/y")),
            vec![WatcherId(4)]
        );
    }

    #[test]
    fn drain_returns_each_watcher_once() {
        let mut r: WatchRegistry = WatchRegistry::default();
        r.add(WatchKind::Data, "/a", WatcherId(1), None);
        r.add(WatchKind::Child, "/b", WatcherId(1), None);
        r.add(WatchKind::Persistent, "/c", WatcherId(2), None);
        let d = r.drain();
        assert_eq!(d.len(), 2);
        assert!(r.is_empty());
    }

    #[test]
    fn sinks_come_back_when_their_registration_is_consumed() {
        let mut r: WatchRegistry<&str> = WatchRegistry::default();
        assert!(r.add(WatchKind::Data, "/a", WatcherId(1), Some("one-shot")));
        assert!(r.add(WatchKind::Persistent, "/a", WatcherId(2), Some("stream")));
        assert!(r.add(WatchKind::Data, "/a", WatcherId(3), Some("second")));
        // A duplicate keeps the first sink.
        assert!(!r.add(WatchKind::Data, "/a", WatcherId(1), Some("dup")));
        assert_eq!(
            r.trigger(EventType::NodeDataChanged, "/a"),
            vec![
                (WatcherId(1), Some("one-shot")),
                (WatcherId(2), None),
                (WatcherId(3), Some("second"))
            ]
        );
        // The persistent watcher stayed, with its sink.
        assert!(r.is_registered(WatchKind::Persistent, "/a", WatcherId(2)));
        assert!(!r.is_registered(WatchKind::Data, "/a", WatcherId(1)));
        assert!(r.add(WatchKind::Child, "/b", WatcherId(4), Some("child")));
        assert!(r.is_registered(WatchKind::Child, "/b", WatcherId(4)));
        assert!(!r.is_registered(WatchKind::Child, "/b", WatcherId(5)));
        assert!(r.remove(WatchKind::Child, "/b", WatcherId(4)));
        assert!(!r.remove(WatchKind::Child, "/b", WatcherId(4)));
        assert!(r.add(WatchKind::Exist, "/c", WatcherId(5), Some("exist")));
        assert_eq!(
            r.remove_all(WatchKind::Exist, "/c"),
            vec![(WatcherId(5), Some("exist"))]
        );
        assert_eq!(
            r.drain(),
            vec![(WatcherId(2), Some("stream"), "/a".to_owned())]
        );
        assert!(r.is_empty());
    }
}
