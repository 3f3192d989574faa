//! Every basic operation against a real server, its success and its documented errors,
//! through the async and the blocking API alike.

mod common;

use bytes::Bytes;
use common::api::{chrooted, Flavor};
use kazoo_client::{Acl, CreateMode, CreateOptions, Error, Perms};
use kazoo_testkit::ZkServer;
use std::time::Duration;

crate::both_apis!(
    create_get_set_delete_and_their_errors,
    create_modes_makepath_ephemeral_and_stat,
    ttl_nodes_and_servers_without_them,
);

fn create_get_set_delete_and_their_errors(f: Flavor) {
    let (zk, _root) = chrooted(f, "crud");
    assert!(zk.connected());
    assert!(zk.session_id().is_some());

    // create + get
    assert_eq!(zk.create("/a", b"v1", &CreateOptions::new()).unwrap(), "/a");
    let (data, stat) = zk.get("/a").unwrap();
    assert_eq!(data, Bytes::from_static(b"v1"));
    assert_eq!(stat.version, 0);
    assert!(matches!(
        zk.create("/a", b"x", &CreateOptions::new()),
        Err(Error::NodeExists { path }) if path == "/a"
    ));
    assert!(matches!(
        zk.create("/missing/child", b"", &CreateOptions::new()),
        Err(Error::NoNode { .. })
    ));
    assert!(matches!(zk.get("/nope"), Err(Error::NoNode { path }) if path == "/nope"));

    // set with and without version
    assert_eq!(zk.set("/a", b"v2", None).unwrap().version, 1);
    assert_eq!(zk.set("/a", b"v3", Some(1)).unwrap().version, 2);
    assert!(matches!(
        zk.set("/a", b"x", Some(1)),
        Err(Error::BadVersion { .. })
    ));
    assert!(matches!(
        zk.set("/nope", b"x", None),
        Err(Error::NoNode { .. })
    ));

    // exists
    assert_eq!(zk.exists("/a").unwrap().map(|s| s.version), Some(2));
    assert!(zk.exists("/nope").unwrap().is_none());

    // children, with stat
    for c in ["/a/x", "/a/y", "/a/z"] {
        zk.create(c, b"", &CreateOptions::new()).unwrap();
    }
    let mut kids = zk.get_children("/a").unwrap();
    kids.sort();
    assert_eq!(kids, ["x", "y", "z"]);
    let (kids, stat) = zk.get_children_with_stat("/a").unwrap();
    assert_eq!(kids.len(), 3);
    assert_eq!(stat.num_children, 3);
    assert!(matches!(
        zk.get_children("/nope"),
        Err(Error::NoNode { .. })
    ));
    assert!(matches!(
        zk.get_children_with_stat("/nope"),
        Err(Error::NoNode { .. })
    ));

    // delete errors then success
    assert!(matches!(zk.delete("/a", None), Err(Error::NotEmpty { .. })));
    assert!(matches!(
        zk.delete("/a/x", Some(7)),
        Err(Error::BadVersion { .. })
    ));
    zk.delete("/a/x", Some(0)).unwrap();
    assert!(matches!(zk.delete("/a/x", None), Err(Error::NoNode { .. })));
    zk.delete_recursive("/a").unwrap();
    assert!(zk.exists("/a").unwrap().is_none());
    // deleting a missing tree is fine
    zk.delete_recursive("/a").unwrap();

    // NoAuth on each kind of op
    let alice = Acl::digest("alice", "secret", Perms::ALL);
    zk.create("/locked", b"", &CreateOptions::new().acl(vec![alice]))
        .unwrap();
    assert!(matches!(zk.get("/locked"), Err(Error::NoAuth { .. })));
    assert!(matches!(
        zk.set("/locked", b"x", None),
        Err(Error::NoAuth { .. })
    ));
    assert!(matches!(
        zk.create("/locked/c", b"", &CreateOptions::new()),
        Err(Error::NoAuth { .. })
    ));
    assert!(matches!(
        zk.get_children("/locked"),
        Err(Error::NoAuth { .. })
    ));

    // invalid paths are refused before anything is sent
    for bad in ["no-slash", "/a//b", "/trailing/", "/a/./b"] {
        assert!(
            matches!(zk.get(bad), Err(Error::InvalidPath { .. })),
            "{bad}"
        );
    }
    zk.close();
    assert!(matches!(zk.get("/a"), Err(Error::Closed)));
    assert!(matches!(
        zk.create("/b", b"", &CreateOptions::new()),
        Err(Error::Closed)
    ));
}

fn create_modes_makepath_ephemeral_and_stat(f: Flavor) {
    let (zk, _root) = chrooted(f, "modes");
    let seq = CreateOptions::new().sequential();
    zk.ensure_path("/q").unwrap();
    let a = zk.create("/q/item-", b"", &seq).unwrap();
    let b = zk.create("/q/item-", b"", &seq).unwrap();
    assert!(
        a.starts_with("/q/item-") && a.len() == "/q/item-".len() + 10,
        "{a}"
    );
    assert!(b > a);

    let deep = zk
        .create("/m/n/o", b"d", &CreateOptions::new().makepath())
        .unwrap();
    assert_eq!(deep, "/m/n/o");
    assert!(zk.exists("/m/n").unwrap().is_some());

    let (path, stat) = zk
        .create_with_stat("/eph", b"", &CreateOptions::new().ephemeral())
        .unwrap();
    assert_eq!(path, "/eph");
    assert_eq!(stat.ephemeral_owner, zk.session_id().unwrap());
    assert!(matches!(
        zk.create("/eph/child", b"", &CreateOptions::new()),
        Err(Error::NoChildrenForEphemerals { .. })
    ));
    let es = zk
        .create("/es-", b"", &CreateOptions::new().ephemeral().sequential())
        .unwrap();
    assert!(es.starts_with("/es-"));
    assert!(matches!(
        zk.create_with_stat("/eph", b"", &CreateOptions::new()),
        Err(Error::NodeExists { .. })
    ));

    let c = zk
        .create(
            "/container",
            b"",
            &CreateOptions::new().mode(CreateMode::Container),
        )
        .unwrap();
    assert_eq!(c, "/container");

    // An ACL the server cannot accept, and an empty one.
    assert!(matches!(
        zk.create("/bad", b"", &CreateOptions::new().acl(vec![])),
        Err(Error::InvalidAcl)
    ));

    // ensure_path is idempotent and makes every level; with an ACL too.
    zk.ensure_path("/e/f/g").unwrap();
    zk.ensure_path("/e/f/g").unwrap();
    assert!(zk.exists("/e/f/g").unwrap().is_some());
    zk.ensure_path_with_acl("/r", Acl::read_unsafe()).unwrap();
    assert_eq!(zk.get_acls("/r").unwrap().0, Acl::read_unsafe());
    assert!(matches!(
        zk.create("/r/t", b"", &CreateOptions::new()),
        Err(Error::NoAuth { .. })
    ));
    zk.close();
}

/// TTL nodes need `extendedTypesEnabled=true`: a server of our own has it; the shared one,
/// started with the defaults, refuses them with a typed error.
fn ttl_nodes_and_servers_without_them(f: Flavor) {
    let (plain, _root) = chrooted(f, "ttl");
    let ttl = CreateOptions::new().ttl(Duration::from_secs(60));
    assert!(matches!(
        plain.create("/t", b"", &ttl),
        Err(Error::Unimplemented { .. })
    ));
    // Options that cannot be sent are refused before anything is sent.
    assert!(matches!(
        plain.create(
            "/t",
            b"",
            &CreateOptions::new().ephemeral().ttl(Duration::from_secs(1))
        ),
        Err(Error::Config(_))
    ));
    plain.close();

    let server = ZkServer::builder()
        .config("extendedTypesEnabled", "true")
        .start()
        .unwrap();
    let zk = f.connect(kazoo_client::Client::builder(&server.connect_string()));
    assert_eq!(zk.create("/t", b"x", &ttl).unwrap(), "/t");
    let p = zk.create("/ts-", b"", &ttl.clone().sequential()).unwrap();
    assert!(p.starts_with("/ts-"));
    assert_eq!(zk.get("/t").unwrap().0.as_ref(), b"x");
    zk.close();
}
