//! Every basic operation against a real server: success and documented errors.

mod common;

use bytes::Bytes;
use common::chrooted_client;
use kazoo_client::{CreateMode, CreateOptions, Error};

#[tokio::test]
async fn create_get_set_delete_and_their_errors() {
    let (zk, _root) = chrooted_client("crud").await;
    assert!(zk.connected());
    assert!(zk.session_id().is_some());

    // create + get
    let p = zk
        .create("/a", b"v1".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(p, "/a");
    let (data, stat) = zk.get("/a").await.unwrap();
    assert_eq!(data, Bytes::from_static(b"v1"));
    assert_eq!(stat.version, 0);
    assert!(matches!(
        zk.create("/a", b"x".to_vec(), &CreateOptions::new()).await,
        Err(Error::NodeExists { path }) if path == "/a"
    ));
    assert!(matches!(
        zk.create("/missing/child", Bytes::new(), &CreateOptions::new())
            .await,
        Err(Error::NoNode { .. })
    ));
    assert!(matches!(zk.get("/nope").await, Err(Error::NoNode { path }) if path == "/nope"));

    // set with and without version
    let s1 = zk.set("/a", b"v2".to_vec(), None).await.unwrap();
    assert_eq!(s1.version, 1);
    let s2 = zk.set("/a", b"v3".to_vec(), Some(1)).await.unwrap();
    assert_eq!(s2.version, 2);
    assert!(matches!(
        zk.set("/a", b"x".to_vec(), Some(1)).await,
        Err(Error::BadVersion { .. })
    ));
    assert!(matches!(
        zk.set("/nope", b"x".to_vec(), None).await,
        Err(Error::NoNode { .. })
    ));

    // exists
    assert_eq!(zk.exists("/a").await.unwrap().map(|s| s.version), Some(2));
    assert!(zk.exists("/nope").await.unwrap().is_none());

    // children, with stat
    for c in ["x", "y", "z"] {
        zk.create(&format!("/a/{c}"), Bytes::new(), &CreateOptions::new())
            .await
            .unwrap();
    }
    let mut kids = zk.get_children("/a").await.unwrap();
    kids.sort();
    assert_eq!(kids, ["x", "y", "z"]);
    let (kids, stat) = zk.get_children_with_stat("/a").await.unwrap();
    assert_eq!(kids.len(), 3);
    assert_eq!(stat.num_children, 3);
    assert!(matches!(
        zk.get_children("/nope").await,
        Err(Error::NoNode { .. })
    ));

    // delete errors then success
    assert!(matches!(
        zk.delete("/a", None).await,
        Err(Error::NotEmpty { .. })
    ));
    assert!(matches!(
        zk.delete("/a/x", Some(7)).await,
        Err(Error::BadVersion { .. })
    ));
    zk.delete("/a/x", Some(0)).await.unwrap();
    assert!(matches!(
        zk.delete("/a/x", None).await,
        Err(Error::NoNode { .. })
    ));
    zk.delete_recursive("/a").await.unwrap();
    assert!(zk.exists("/a").await.unwrap().is_none());
    // deleting a missing tree is fine
    zk.delete_recursive("/a").await.unwrap();

    // invalid paths are refused before anything is sent
    assert!(matches!(
        zk.get("no-slash").await,
        Err(Error::InvalidPath { .. })
    ));
    assert!(matches!(
        zk.get("/a//b").await,
        Err(Error::InvalidPath { .. })
    ));
    zk.close().await;
    assert!(matches!(zk.get("/a").await, Err(Error::Closed)));
}

#[tokio::test]
async fn create_modes_makepath_ephemeral_and_stat() {
    let (zk, _root) = chrooted_client("modes").await;
    let seq = CreateOptions::new().sequential();
    zk.ensure_path("/q").await.unwrap();
    let a = zk.create("/q/item-", Bytes::new(), &seq).await.unwrap();
    let b = zk.create("/q/item-", Bytes::new(), &seq).await.unwrap();
    assert!(
        a.starts_with("/q/item-") && a.len() == "/q/item-".len() + 10,
        "{a}"
    );
    assert!(b > a);

    let deep = zk
        .create("/m/n/o", b"d".to_vec(), &CreateOptions::new().makepath())
        .await
        .unwrap();
    assert_eq!(deep, "/m/n/o");
    assert!(zk.exists("/m/n").await.unwrap().is_some());

    let (path, stat) = zk
        .create_with_stat("/eph", Bytes::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    assert_eq!(path, "/eph");
    assert_eq!(stat.ephemeral_owner, zk.session_id().unwrap());
    assert!(matches!(
        zk.create("/eph/child", Bytes::new(), &CreateOptions::new())
            .await,
        Err(Error::NoChildrenForEphemerals { .. })
    ));

    let c = zk
        .create(
            "/container",
            Bytes::new(),
            &CreateOptions::new().mode(CreateMode::Container),
        )
        .await
        .unwrap();
    assert_eq!(c, "/container");

    // ensure_path is idempotent and makes every level
    zk.ensure_path("/e/f/g").await.unwrap();
    zk.ensure_path("/e/f/g").await.unwrap();
    assert!(zk.exists("/e/f/g").await.unwrap().is_some());
    zk.close().await;
}
