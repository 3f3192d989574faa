//! The blocking wrapper against a real server: operations, errors and watches.

use bytes::Bytes;
use kazoo_client::blocking::Client;
use kazoo_client::{CreateOptions, Error, EventType};
use kazoo_testkit::{unique_path, ZkServer};
use std::time::Duration;

#[test]
fn blocking_client_does_every_basic_op() {
    let zk_server = ZkServer::shared();
    let root = unique_path("blocking");
    let admin = Client::connect(&zk_server.connect_string()).unwrap();
    admin.ensure_path(&root).unwrap();
    let zk = Client::connect(&format!("{}{}", zk_server.connect_string(), root)).unwrap();
    assert!(zk.connected());
    zk.create("/a", b"1".to_vec(), &CreateOptions::new())
        .unwrap();
    assert!(matches!(
        zk.create("/a", Bytes::new(), &CreateOptions::new()),
        Err(Error::NodeExists { .. })
    ));
    let (_, _, w) = zk.get_w("/a").unwrap();
    assert_eq!(zk.set("/a", b"2".to_vec(), Some(0)).unwrap().version, 1);
    assert_eq!(
        w.wait_timeout(Duration::from_secs(10)).unwrap().event_type,
        EventType::NodeDataChanged
    );
    assert!(matches!(
        zk.set("/a", b"x".to_vec(), Some(0)),
        Err(Error::BadVersion { .. })
    ));
    assert_eq!(zk.get("/a").unwrap().0.as_ref(), b"2");
    let mut t = zk.transaction();
    t.create("/b", Bytes::new(), &CreateOptions::new())
        .check("/a", 1);
    assert_eq!(t.commit().unwrap().len(), 2);
    assert_eq!(zk.get_children("/").unwrap().len(), 2);
    assert!(matches!(zk.delete("/zzz", None), Err(Error::NoNode { .. })));
    // Pings keep flowing between calls: the session survives an idle pause longer than T/3.
    std::thread::sleep(Duration::from_millis(200));
    zk.delete_recursive("/").ok();
    zk.close();
    assert!(matches!(zk.get("/a"), Err(Error::Closed)));
    admin.close();
}
