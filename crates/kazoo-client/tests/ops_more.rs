//! Transactions, multi-read, ACLs and auth, admin ops and state reporting against a real server.

mod common;

use bytes::Bytes;
use common::chrooted_client;
use kazoo_client::{
    Acl, Client, CreateOptions, Error, KazooState, OpResult, Perms, ReadOp, ReadResult,
    RetryPolicy, SessionState,
};
use kazoo_testkit::{unique_path, ZkServer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[tokio::test]
async fn transactions_commit_or_name_the_failing_op() {
    let (zk, _root) = chrooted_client("txn").await;
    zk.create("/a", b"0".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let mut t = zk.transaction();
    t.check("/a", 0)
        .create("/b", b"b".to_vec(), &CreateOptions::new())
        .set_data("/a", b"1".to_vec(), Some(0))
        .create("/s-", Bytes::new(), &CreateOptions::new().sequential());
    let r = t.commit().await.unwrap();
    assert!(matches!(&r[0], OpResult::Check));
    assert!(matches!(&r[1], OpResult::Create { path } if path == "/b"));
    assert!(matches!(&r[2], OpResult::SetData { stat } if stat.version == 1));
    assert!(matches!(&r[3], OpResult::Create { path } if path.starts_with("/s-")));

    let mut t = zk.transaction();
    t.delete("/b", None)
        .check("/a", 7)
        .create("/c", Bytes::new(), &CreateOptions::new());
    match t.commit().await {
        Err(Error::Transaction { index, error }) => {
            assert_eq!(index, 1);
            assert!(matches!(*error, Error::BadVersion { ref path } if path == "/a"));
        }
        other => panic!("{other:?}"),
    }
    // Nothing applied.
    assert!(zk.exists("/b").await.unwrap().is_some());
    let mut t = zk.transaction();
    t.delete("/b", None).check("/a", 7);
    let r = t.commit_results().await.unwrap();
    assert!(matches!(r[0].error(), Some(Error::RolledBack)));
    assert!(matches!(r[1].error(), Some(Error::BadVersion { .. })));
    // Invalid paths are reported with their index before sending.
    let mut t = zk.transaction();
    t.check("/a", 1).delete("bad", None);
    assert!(matches!(
        t.commit().await,
        Err(Error::Transaction { index: 1, .. })
    ));
    assert!(zk.transaction().commit().await.unwrap().is_empty());

    let r = zk
        .multi_read(vec![
            ReadOp::GetData("/a".into()),
            ReadOp::GetChildren("/".into()),
            ReadOp::GetData("/missing".into()),
        ])
        .await
        .unwrap();
    assert!(matches!(&r[0], ReadResult::Data(d, _) if d.as_ref() == b"1"));
    assert!(matches!(&r[1], ReadResult::Children(c) if c.len() == 3));
    assert!(matches!(&r[2], ReadResult::Error(Error::NoNode { .. })));
    zk.close().await;
}

#[tokio::test]
async fn acls_auth_and_admin_ops() {
    let (zk, root) = chrooted_client("acl").await;
    let alice = Acl::digest("alice", "secret", Perms::ALL);
    zk.create(
        "/secret",
        b"s".to_vec(),
        &CreateOptions::new().acl(vec![alice.clone()]),
    )
    .await
    .unwrap();
    assert!(matches!(zk.get("/secret").await, Err(Error::NoAuth { .. })));
    // Since 3.8 reading an ACL needs READ or ADMIN permission too.
    assert!(matches!(
        zk.get_acls("/secret").await,
        Err(Error::NoAuth { .. })
    ));
    zk.add_auth("digest", "alice:secret").await.unwrap();
    let (acl, stat) = zk.get_acls("/secret").await.unwrap();
    assert_eq!(acl, vec![alice.clone()]);
    assert_eq!(stat.aversion, 0);
    assert_eq!(zk.get("/secret").await.unwrap().0.as_ref(), b"s");
    let who = zk.who_am_i().await.unwrap();
    assert!(who
        .iter()
        .any(|c| c.auth_scheme == "digest" && c.user == "alice"));

    let st = zk
        .set_acls("/secret", Acl::open_unsafe(), Some(0))
        .await
        .unwrap();
    assert_eq!(st.aversion, 1);
    assert!(matches!(
        zk.set_acls("/secret", Acl::open_unsafe(), Some(0)).await,
        Err(Error::BadVersion { .. })
    ));
    assert!(matches!(
        zk.create("/bad", Bytes::new(), &CreateOptions::new().acl(vec![]))
            .await,
        Err(Error::InvalidAcl)
    ));
    assert!(matches!(
        zk.get_acls("/none").await,
        Err(Error::NoNode { .. })
    ));

    // Credentials given at construction are sent before Connected.
    let zk2 = Client::builder(&format!("{}{}", ZkServer::shared().connect_string(), root))
        .digest_auth("alice", "secret")
        .connect()
        .await
        .unwrap();
    zk2.set_acls("/secret", vec![alice], None).await.unwrap();
    assert!(zk2.get("/secret").await.is_ok());
    zk2.close().await;

    // Ephemerals, counts, sync, config, four-letter words.
    zk.create("/e1", Bytes::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap();
    zk.create(
        "/d/e2",
        Bytes::new(),
        &CreateOptions::new().ephemeral().makepath(),
    )
    .await
    .unwrap();
    let mut eph = zk.get_ephemerals("/").await.unwrap();
    eph.sort();
    assert_eq!(eph, vec!["/d/e2", "/e1"]);
    assert_eq!(zk.get_all_children_number("/d").await.unwrap(), 1);
    zk.sync("/d").await.unwrap();
    assert!(zk.get_config().await.is_ok());
    assert_eq!(zk.server_version().await.unwrap().0, 3);
    assert!(zk.command("ruok").await.unwrap().contains("imok"));
    assert!(matches!(
        zk.reconfig(None, Some("5"), None, None).await,
        Err(Error::ReconfigDisabled) | Err(Error::Unimplemented { .. }) | Err(Error::NoAuth { .. })
    ));
    zk.close().await;
    assert_eq!(zk.state(), KazooState::Lost);
    assert_eq!(zk.keeper_state(), SessionState::Closed);
}

#[tokio::test]
async fn states_are_reported_and_retry_runs_closures() {
    common::init_tracing();
    let zk = Client::builder(&ZkServer::shared().connect_string())
        .build()
        .unwrap();
    assert_eq!(zk.state(), KazooState::Lost);
    let mut states = zk.subscribe_state();
    zk.start(Duration::from_secs(10)).await.unwrap();
    let c = common::wait_kazoo(&mut states, KazooState::Connected, Duration::from_secs(5)).await;
    assert_eq!(c.session, SessionState::Connected);
    assert!(zk.negotiated_timeout().is_some());
    assert_eq!(zk.session_password().len(), 16);

    let root = unique_path("retry");
    let tries = AtomicUsize::new(0);
    let policy = RetryPolicy::new()
        .with_max_tries(3)
        .with_delay(Duration::from_millis(1));
    let out = zk
        .retry(&policy, || async {
            if tries.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err(Error::ConnectionLoss);
            }
            zk.ensure_path(&root).await?;
            zk.exists(&root).await
        })
        .await
        .unwrap();
    assert!(out.is_some());
    assert_eq!(tries.load(Ordering::SeqCst), 2);

    let old = zk.session_id();
    zk.restart().await.unwrap();
    assert_ne!(zk.session_id(), old);
    zk.close().await;
    common::wait_kazoo(&mut states, KazooState::Lost, Duration::from_secs(5)).await;
    // A bad connect string is a configuration error, never a panic.
    assert!(matches!(
        Client::builder("host:notaport").build(),
        Err(Error::Config(_))
    ));
    // Nobody listening: start times out and reports it.
    let nobody = Client::builder("127.0.0.1:1")
        .connect_timeout(Duration::from_millis(300))
        .connect()
        .await;
    assert!(matches!(nobody, Err(Error::Timeout)));
}
