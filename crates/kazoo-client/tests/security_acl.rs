//! Digest auth and ACLs end to end: NoAuth typed errors, CREATOR_ALL_ACL with and without
//! auth, a super digest administrator (reconfig included), and auth that still holds right
//! after an ensemble failover.

mod security_support;

use bytes::Bytes;
use kazoo_client::{Acl, Client, CreateOptions, Error, Id, Perms, SessionState};
use kazoo_testkit::{unique_path, Ensemble, SaslUsers, ZkServer};
use security_support::{blocking, init_tracing, wait_reconnected, T};
use std::time::Duration;

async fn client(hosts: &str, auth: Option<(&str, &str)>) -> Client {
    let mut b = Client::builder(hosts).connect_timeout(T);
    if let Some((user, password)) = auth {
        b = b.digest_auth(user, password);
    }
    b.connect().await.expect("connect")
}

fn is_no_auth<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::NoAuth { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_denials_are_typed_and_creator_all_needs_auth() {
    init_tracing();
    let zk = ZkServer::shared();
    let root = unique_path("acl");
    let hosts = format!("{}{}", zk.connect_string(), root);
    let setup = client(&zk.connect_string(), None).await;
    setup.ensure_path(&root).await.unwrap();
    setup.close().await;

    let alice = client(&hosts, Some(("alice", "secret"))).await;
    alice
        .create(
            "/p",
            b"private".to_vec(),
            &CreateOptions::new().acl(Acl::creator_all()),
        )
        .await
        .unwrap();
    // CREATOR_ALL_ACL became alice's digest id.
    let (acl, _) = alice.get_acls("/p").await.unwrap();
    assert_eq!(acl, vec![Acl::digest("alice", "secret", Perms::ALL)]);
    alice
        .create("/p/child", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();

    for who in [None, Some(("bob", "other"))] {
        let c = client(&hosts, who).await;
        assert!(is_no_auth(c.get("/p").await), "{who:?} get");
        assert!(
            is_no_auth(c.set("/p", b"x".to_vec(), None).await),
            "{who:?} set"
        );
        assert!(is_no_auth(c.get_children("/p").await), "{who:?} children");
        assert!(is_no_auth(
            c.create("/p/new", Bytes::new(), &CreateOptions::new())
                .await
        ));
        assert!(
            is_no_auth(c.delete("/p/child", None).await),
            "{who:?} delete"
        );
        assert!(is_no_auth(c.set_acls("/p", Acl::open_unsafe(), None).await));
        assert!(is_no_auth(c.get_acls("/p").await), "{who:?} get_acls");
        // The error names the path, relative to the chroot.
        match c.get("/p").await {
            Err(Error::NoAuth { path }) => assert_eq!(path, "/p"),
            other => panic!("{other:?}"),
        }
        c.close().await;
    }

    // CREATOR_ALL_ACL without any authenticated identity is an invalid ACL.
    let anonymous = client(&hosts, None).await;
    assert!(matches!(
        anonymous
            .create(
                "/nobody",
                Bytes::new(),
                &CreateOptions::new().acl(Acl::creator_all())
            )
            .await,
        Err(Error::InvalidAcl)
    ));
    // Adding the credential later unlocks the node.
    anonymous.add_auth("digest", "alice:secret").await.unwrap();
    assert_eq!(anonymous.get("/p").await.unwrap().0.as_ref(), b"private");
    anonymous.close().await;
    alice.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn super_digest_administers_and_reconfigures_an_ensemble() {
    init_tracing();
    let ens = blocking(|| {
        Ensemble::builder(3)
            .config("reconfigEnabled", "true")
            .super_digest("admin-secret")
            .start()
    })
    .await
    .expect("ensemble");
    let hosts = ens.connect_string();
    let alice = client(&hosts, Some(("alice", "secret"))).await;
    alice
        .create(
            "/owned",
            b"a".to_vec(),
            &CreateOptions::new().acl(Acl::creator_all()),
        )
        .await
        .unwrap();

    let anonymous = client(&hosts, None).await;
    assert!(is_no_auth(
        anonymous.reconfig(None, Some("3"), None, None).await
    ));

    let admin = client(&hosts, Some(("super", "admin-secret"))).await;
    // Super passes every ACL check (after a sync: the admin may be on a follower).
    admin.sync("/owned").await.unwrap();
    assert_eq!(admin.get("/owned").await.unwrap().0.as_ref(), b"a");
    admin
        .set_acls("/owned", Acl::open_unsafe(), None)
        .await
        .unwrap();
    // The anonymous client may be on a follower that has not applied the new ACL yet: reads
    // are not linearizable across servers, so catch it up first.
    anonymous.sync("/owned").await.unwrap();
    assert_eq!(anonymous.get("/owned").await.unwrap().0.as_ref(), b"a");
    // And may reconfigure the ensemble: a member the admin is not connected to leaves (ids
    // are 1-based member indexes).
    let on = (0..ens.size())
        .find(|&i| Some(ens.member_addr(i)) == admin.current_server())
        .expect("connected to a member");
    let leaving = (0..ens.size()).find(|&i| i != on).unwrap() + 1;
    let (config, _) = admin
        .reconfig(None, Some(&leaving.to_string()), None, None)
        .await
        .unwrap();
    let config = String::from_utf8_lossy(&config).into_owned();
    assert!(!config.contains(&format!("server.{leaving}=")), "{config}");
    assert!(config.contains(&format!("server.{}=", on + 1)), "{config}");
    let (now, _) = admin.get_config().await.unwrap();
    assert!(!String::from_utf8_lossy(&now).contains(&format!("server.{leaving}=")));

    for c in [alice, anonymous, admin] {
        c.close().await;
    }
    blocking(move || drop(ens)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_holds_right_after_an_ensemble_failover() {
    init_tracing();
    let users = SaslUsers::new(&[("alice", "secret")]).unwrap();
    let builder = Ensemble::builder(3).sasl(&users);
    let ens = blocking(move || builder.start()).await.expect("ensemble");
    let zk = Client::builder(&ens.connect_string())
        .sasl_digest("alice", "secret")
        .digest_auth("dave", "pw")
        .session_timeout(Duration::from_secs(8))
        .connect_timeout(T)
        .connect()
        .await
        .unwrap();
    zk.create(
        "/d",
        b"dave's".to_vec(),
        &CreateOptions::new().acl(Acl::creator_all()),
    )
    .await
    .unwrap();
    zk.create(
        "/s",
        b"alice's".to_vec(),
        &CreateOptions::new().acl(vec![Acl::new(Perms::ALL, Id::new("sasl", "alice"))]),
    )
    .await
    .unwrap();
    let session = zk.session_id();
    let mut states = zk.subscribe_state();
    let victim = (0..ens.size())
        .find(|&i| Some(ens.member_addr(i)) == zk.current_server())
        .expect("connected to a member");
    let ens = blocking(move || {
        let mut ens = ens;
        ens.kill(victim).unwrap();
        ens
    })
    .await;
    wait_reconnected(&mut states).await;
    assert_eq!(zk.session_id(), session);
    assert_eq!(zk.keeper_state(), SessionState::Connected);
    assert_ne!(zk.current_server(), Some(ens.member_addr(victim)));
    // Issued right at Connected: the auth replay and the SASL login came first.
    let (d, s) = tokio::join!(zk.get("/d"), zk.get("/s"));
    assert_eq!(d.unwrap().0.as_ref(), b"dave's");
    assert_eq!(s.unwrap().0.as_ref(), b"alice's");
    zk.close().await;
    blocking(move || drop(ens)).await;
}
