//! One-shot, persistent and recursive watches, and removing them, against a real server,
//! through the async and the blocking API alike.

mod common;

use common::api::{chrooted, eventually, Events, Flavor};
use kazoo_client::{AddWatchMode, CreateOptions, Error, EventType, WatchedEvent, WatcherType};
use kazoo_testkit::ZkServer;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

crate::both_apis!(
    one_shot_watches_fire_once_with_chroot_relative_paths,
    persistent_and_recursive_watches_stream_events_and_are_removed_on_drop
);

fn one_shot_watches_fire_once_with_chroot_relative_paths(f: Flavor) {
    let (zk, _root) = chrooted(f, "watch1");
    let (stat, created) = zk.exists_w("/n").unwrap();
    assert!(stat.is_none());
    zk.create("/n", b"", &CreateOptions::new()).unwrap();
    let e = created.wait(T).unwrap();
    assert_eq!(
        (e.event_type, e.path.as_str()),
        (EventType::NodeCreated, "/n")
    );

    let (_, _, changed) = zk.get_w("/n").unwrap();
    let (_, children) = zk.get_children_w("/n").unwrap();
    let (_, stat, children2) = zk.get_children_with_stat_w("/n").unwrap();
    assert_eq!(stat.num_children, 0);
    zk.set("/n", b"x", None).unwrap();
    assert_eq!(
        changed.wait(T).unwrap().event_type,
        EventType::NodeDataChanged
    );
    zk.create("/n/c", b"", &CreateOptions::new()).unwrap();
    for w in [children, children2] {
        let e = w.wait(T).unwrap();
        assert_eq!(
            (e.event_type, e.path.as_str()),
            (EventType::NodeChildrenChanged, "/n")
        );
    }

    let (_, deleted) = zk.exists_w("/n/c").unwrap();
    zk.delete("/n/c", None).unwrap();
    assert_eq!(deleted.wait(T).unwrap().event_type, EventType::NodeDeleted);

    // Fired once: a second change is not reported to the same watch.
    let (_, _, once) = zk.get_w("/n").unwrap();
    zk.set("/n", b"1", None).unwrap();
    zk.set("/n", b"2", None).unwrap();
    assert_eq!(once.wait(T).unwrap().event_type, EventType::NodeDataChanged);

    // Failed reads leave no watch behind and give the documented errors.
    assert!(matches!(zk.get_w("/none"), Err(Error::NoNode { .. })));
    assert!(matches!(
        zk.get_children_w("/none"),
        Err(Error::NoNode { .. })
    ));
    assert!(matches!(
        zk.get_children_with_stat_w("/none"),
        Err(Error::NoNode { .. })
    ));
    assert!(matches!(zk.exists_w("bad"), Err(Error::InvalidPath { .. })));

    // Close: pending watches resolve with a terminal event instead of hanging.
    let (_, pending) = zk.exists_w("/never").unwrap();
    zk.close();
    assert!(pending.wait(T).unwrap().is_terminal());
}

fn next_event(w: &mut Box<dyn Events>) -> WatchedEvent {
    w.next(T)
        .expect("an event in time")
        .expect("the watch goes on")
}

fn persistent_and_recursive_watches_stream_events_and_are_removed_on_drop(f: Flavor) {
    let (zk, root) = chrooted(f, "pwatch");
    zk.ensure_path("/p").unwrap();
    let mut node = zk.add_watch("/p", AddWatchMode::Persistent).unwrap();
    let mut tree = zk
        .add_watch("/p", AddWatchMode::PersistentRecursive)
        .unwrap();

    zk.set("/p", b"1", None).unwrap();
    zk.create("/p/a", b"", &CreateOptions::new()).unwrap();
    zk.create("/p/a/b", b"", &CreateOptions::new()).unwrap();
    zk.set("/p", b"2", None).unwrap();

    // Persistent: data changes of /p and its children list, never nodes below.
    let got: Vec<_> = (0..3).map(|_| next_event(&mut node)).collect();
    let got: Vec<_> = got
        .iter()
        .map(|e| (e.event_type, e.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (EventType::NodeDataChanged, "/p"),
            (EventType::NodeChildrenChanged, "/p"),
            (EventType::NodeDataChanged, "/p"),
        ]
    );
    // Recursive: everything below, no children events.
    let got: Vec<_> = (0..4).map(|_| next_event(&mut tree)).collect();
    let got: Vec<_> = got
        .iter()
        .map(|e| (e.event_type, e.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (EventType::NodeDataChanged, "/p"),
            (EventType::NodeCreated, "/p/a"),
            (EventType::NodeCreated, "/p/a/b"),
            (EventType::NodeDataChanged, "/p"),
        ]
    );

    // The server holds our persistent watch; dropping both handles removes it.
    let server = ZkServer::shared();
    let full = format!("{root}/p");
    let has_watch = || {
        server
            .four_letter("wchp")
            .unwrap()
            .lines()
            .any(|l| l.trim() == full)
    };
    assert!(has_watch());
    drop(node);
    drop(tree);
    eventually(T, || !has_watch());

    // remove_watches on the server: the stream is told and ends.
    let mut w = zk.add_watch("/p", AddWatchMode::Persistent).unwrap();
    assert_eq!(zk.remove_watches("/p", WatcherType::Any, false).unwrap(), 1);
    assert_eq!(
        next_event(&mut w).event_type,
        EventType::PersistentWatchRemoved
    );
    assert_eq!(w.next(T), Some(None), "the stream ended");
    assert!(matches!(
        zk.remove_watches("/p", WatcherType::Any, false),
        Err(Error::NoWatcher { .. })
    ));
    // Local removal works for one-shot watches too; each kind on its own.
    let (_, _, data) = zk.get_w("/p").unwrap();
    let (_, children) = zk.get_children_w("/p").unwrap();
    assert_eq!(zk.remove_watches("/p", WatcherType::Data, true).unwrap(), 1);
    assert_eq!(
        data.wait(T).unwrap().event_type,
        EventType::DataWatchRemoved
    );
    assert!(matches!(
        zk.remove_watches("/p", WatcherType::Data, true),
        Err(Error::NoWatcher { .. })
    ));
    assert_eq!(
        zk.remove_watches("/p", WatcherType::Children, false)
            .unwrap(),
        1
    );
    assert_eq!(
        children.wait(T).unwrap().event_type,
        EventType::ChildWatchRemoved
    );
    zk.close();
}
