//! Transactions, multi-read, ACLs and auth, admin ops (through the async and the blocking API
//! alike) and state reporting against a real server.

mod common;

use common::api::{chrooted, Flavor, TxOp};
use kazoo_client::{
    Acl, Client, CreateOptions, Error, KazooState, OpResult, Perms, ReadOp, ReadResult,
    RetryPolicy, SessionState,
};
use kazoo_testkit::{unique_path, ZkServer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

crate::both_apis!(
    transactions_commit_or_name_the_failing_op,
    acls_auth_and_admin_ops
);

fn transactions_commit_or_name_the_failing_op(f: Flavor) {
    let (zk, _root) = chrooted(f, "txn");
    zk.create("/a", b"0", &CreateOptions::new()).unwrap();
    let r = zk
        .commit(&[
            TxOp::Check("/a", 0),
            TxOp::Create("/b", b"b", CreateOptions::new()),
            TxOp::SetData("/a", b"1", Some(0)),
            TxOp::Create("/s-", b"", CreateOptions::new().sequential()),
        ])
        .unwrap();
    assert!(matches!(&r[0], OpResult::Check));
    assert!(matches!(&r[1], OpResult::Create { path } if path == "/b"));
    assert!(matches!(&r[2], OpResult::SetData { stat } if stat.version == 1));
    assert!(matches!(&r[3], OpResult::Create { path } if path.starts_with("/s-")));

    let failing = [
        TxOp::Delete("/b", None),
        TxOp::Check("/a", 7),
        TxOp::Create("/c", b"", CreateOptions::new()),
    ];
    match zk.commit(&failing) {
        Err(Error::Transaction { index, error }) => {
            assert_eq!(index, 1);
            assert!(matches!(*error, Error::BadVersion { ref path } if path == "/a"));
        }
        other => panic!("{other:?}"),
    }
    // Nothing applied.
    assert!(zk.exists("/b").unwrap().is_some());
    let r = zk
        .commit_results(&[TxOp::Delete("/b", None), TxOp::Check("/a", 7)])
        .unwrap();
    assert!(matches!(r[0].error(), Some(Error::RolledBack)));
    assert!(matches!(r[1].error(), Some(Error::BadVersion { .. })));
    // Each op's documented errors name the op that failed.
    type Expect = fn(&Error) -> bool;
    let cases: [(TxOp, Expect); 4] = [
        (TxOp::Create("/a", b"", CreateOptions::new()), |e| {
            matches!(e, Error::NodeExists { .. })
        }),
        (TxOp::Delete("/none", None), |e| {
            matches!(e, Error::NoNode { .. })
        }),
        (TxOp::SetData("/a", b"", Some(9)), |e| {
            matches!(e, Error::BadVersion { .. })
        }),
        (TxOp::Delete("/", None), |e| {
            matches!(e, Error::NotEmpty { .. } | Error::BadArguments)
        }),
    ];
    for (op, expected) in cases {
        match zk.commit(&[TxOp::Check("/a", 1), op.clone()]) {
            Err(Error::Transaction { index: 1, error }) => {
                assert!(expected(&error), "{op:?}: {error:?}")
            }
            other => panic!("{op:?}: {other:?}"),
        }
    }
    // Invalid paths are reported with their index before sending.
    assert!(matches!(
        zk.commit(&[TxOp::Check("/a", 1), TxOp::Delete("bad", None)]),
        Err(Error::Transaction { index: 1, .. })
    ));
    assert!(zk.commit(&[]).unwrap().is_empty());

    let r = zk
        .multi_read(vec![
            ReadOp::GetData("/a".into()),
            ReadOp::GetChildren("/".into()),
            ReadOp::GetData("/missing".into()),
        ])
        .unwrap();
    assert!(matches!(&r[0], ReadResult::Data(d, _) if d.as_ref() == b"1"));
    assert!(matches!(&r[1], ReadResult::Children(c) if c.len() == 3));
    assert!(matches!(&r[2], ReadResult::Error(Error::NoNode { .. })));
    zk.close();
}

fn acls_auth_and_admin_ops(f: Flavor) {
    let (zk, root) = chrooted(f, "acl");
    let alice = Acl::digest("alice", "secret", Perms::ALL);
    zk.create(
        "/secret",
        b"s",
        &CreateOptions::new().acl(vec![alice.clone()]),
    )
    .unwrap();
    assert!(matches!(zk.get("/secret"), Err(Error::NoAuth { .. })));
    // Since 3.8 reading an ACL needs READ or ADMIN permission too.
    assert!(matches!(zk.get_acls("/secret"), Err(Error::NoAuth { .. })));
    assert!(matches!(
        zk.set_acls("/secret", Acl::open_unsafe(), None),
        Err(Error::NoAuth { .. })
    ));
    zk.add_auth("digest", "alice:secret").unwrap();
    let (acl, stat) = zk.get_acls("/secret").unwrap();
    assert_eq!(acl, vec![alice.clone()]);
    assert_eq!(stat.aversion, 0);
    assert_eq!(zk.get("/secret").unwrap().0.as_ref(), b"s");
    let who = zk.who_am_i().unwrap();
    assert!(who
        .iter()
        .any(|c| c.auth_scheme == "digest" && c.user == "alice"));

    let st = zk.set_acls("/secret", Acl::open_unsafe(), Some(0)).unwrap();
    assert_eq!(st.aversion, 1);
    assert!(matches!(
        zk.set_acls("/secret", Acl::open_unsafe(), Some(0)),
        Err(Error::BadVersion { .. })
    ));
    assert!(matches!(
        zk.set_acls("/secret", vec![], None),
        Err(Error::InvalidAcl)
    ));
    assert!(matches!(zk.get_acls("/none"), Err(Error::NoNode { .. })));
    assert!(matches!(
        zk.set_acls("/none", Acl::open_unsafe(), None),
        Err(Error::NoNode { .. })
    ));

    // Credentials given at construction are sent before Connected.
    let zk2 = f.connect(
        Client::builder(&format!("{}{}", ZkServer::shared().connect_string(), root))
            .digest_auth("alice", "secret"),
    );
    zk2.set_acls("/secret", vec![alice], None).unwrap();
    assert!(zk2.get("/secret").is_ok());
    zk2.close();

    // Ephemerals, counts, sync, config, four-letter words.
    zk.create("/e1", b"", &CreateOptions::new().ephemeral())
        .unwrap();
    zk.create("/d/e2", b"", &CreateOptions::new().ephemeral().makepath())
        .unwrap();
    let mut eph = zk.get_ephemerals("/").unwrap();
    eph.sort();
    assert_eq!(eph, vec!["/d/e2", "/e1"]);
    assert_eq!(zk.get_ephemerals("/d").unwrap(), vec!["/d/e2"]);
    assert_eq!(zk.get_all_children_number("/d").unwrap(), 1);
    assert!(matches!(
        zk.get_all_children_number("/none"),
        Err(Error::NoNode { .. })
    ));
    zk.sync("/d").unwrap();
    assert!(zk.get_config().is_ok());
    assert_eq!(zk.server_version().unwrap().0, 3);
    assert!(zk.command("ruok").unwrap().contains("imok"));
    assert!(matches!(
        zk.reconfig("5"),
        Err(Error::ReconfigDisabled) | Err(Error::Unimplemented { .. }) | Err(Error::NoAuth { .. })
    ));
    zk.close();
    assert_eq!(zk.state(), (KazooState::Lost, SessionState::Closed));
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
