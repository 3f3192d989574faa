//! Party and ShallowParty against a real server: join, leave, members, count, the znode
//! layouts, members vanishing with their session, waiting for members, the blocking forms.

mod common;

use common::{assert_no_server_watch, assert_no_watches_under, client_at, fresh_root};
use kazoo_client::CreateOptions;
use kazoo_recipes::party::{BlockingParty, BlockingShallowParty, Party, ShallowParty};
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn party_join_leave_members_and_layout() {
    let root = fresh_root("party").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let a = Party::new(&zk, "/p").with_identifier("alpha");
    let b = Party::new(&other, "/p").with_identifier("beta");
    assert_eq!(a.count().await.unwrap(), 0);
    assert!(!a.is_member());
    a.join().await.unwrap();
    a.join().await.unwrap();
    b.join().await.unwrap();
    assert!(a.is_member());
    assert_eq!(a.count().await.unwrap(), 2);
    assert_eq!(sorted(b.members().await.unwrap()), ["alpha", "beta"]);

    // Layout: `{uuid}__party__`, ephemeral, identifier as data.
    let node = a.node_path();
    let name = node.strip_prefix("/p/").unwrap();
    let uuid = name.strip_suffix("__party__").unwrap();
    assert!(uuid.len() == 32 && uuid.chars().all(|c| c.is_ascii_hexdigit()));
    let (data, stat) = zk.get(&node).await.unwrap();
    assert_eq!(
        (&data[..], stat.ephemeral_owner),
        (&b"alpha"[..], zk.session_id().unwrap())
    );

    // Children without the marker are not members.
    zk.create("/p/stranger", b"x".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(a.count().await.unwrap(), 2);

    assert!(a.leave().await.unwrap());
    assert!(!a.leave().await.unwrap());
    assert!(!a.is_member());
    assert_eq!(b.members().await.unwrap(), ["beta"]);

    // A member whose session ends leaves by itself.
    other.close().await;
    assert_eq!(a.count().await.unwrap(), 0);
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shallow_party_names_carry_the_identifier() {
    let root = fresh_root("sparty").await;
    let zk = client_at(&root).await;
    let a = ShallowParty::new(&zk, "/p").with_identifier("host-1");
    let b = ShallowParty::new(&zk, "/p").with_identifier("host-2");
    a.join().await.unwrap();
    b.join().await.unwrap();
    assert_eq!(sorted(a.members().await.unwrap()), ["host-1", "host-2"]);
    assert_eq!(a.count().await.unwrap(), 2);
    let name = a.node_path().strip_prefix("/p/").unwrap().to_owned();
    let (uuid, id) = name.split_once('-').unwrap();
    assert_eq!((uuid.len(), id), (32, "host-1"));
    assert!(zk.get_children("/p").await.unwrap().contains(&name));
    let (data, _) = zk.get(&a.node_path()).await.unwrap();
    assert_eq!(&data[..], b"host-1");

    let bad = ShallowParty::new(&zk, "/p").with_identifier("a/b");
    assert!(bad.join().await.is_err());
    assert!(a.leave().await.unwrap() && b.leave().await.unwrap());
    assert!(zk.get_children("/p").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_members_wakes_on_joins_and_times_out() {
    let root = fresh_root("party-wait").await;
    let zk = client_at(&root).await;
    let watcher = Party::new(&zk, "/p");
    assert!(!watcher
        .wait_for_members(1, Some(Duration::from_millis(200)))
        .await
        .unwrap());
    let a = Party::new(&zk, "/p").with_identifier("a");
    let b = Party::new(&zk, "/p").with_identifier("b");
    a.join().await.unwrap();
    let waiting = tokio::spawn(async move { watcher.wait_for_members(2, Some(T)).await });
    b.join().await.unwrap();
    assert!(waiting.await.unwrap().unwrap());
    assert!(a
        .wait_for_members(3, Some(Duration::from_millis(100)))
        .await
        .is_ok_and(|reached| !reached));
    a.leave().await.unwrap();
    b.leave().await.unwrap();
    assert_no_server_watch(&zk, "/p").await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[test]
fn blocking_parties() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("party-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let p = BlockingParty::new(&zk, "/full").with_identifier("me");
    let s = BlockingShallowParty::new(&zk, "/shallow").with_identifier("me");
    p.join().unwrap();
    s.join().unwrap();
    assert!(p.is_member() && s.is_member());
    assert_eq!(p.members().unwrap(), ["me"]);
    assert_eq!(s.members().unwrap(), ["me"]);
    assert!(p.wait_for_members(1, None).unwrap());
    assert_eq!((p.count().unwrap(), s.count().unwrap()), (1, 1));
    assert!(p.leave().unwrap() && s.leave().unwrap());
    assert_eq!((p.count().unwrap(), s.count().unwrap()), (0, 0));
    assert_no_watches_under(&root);
    zk.close();
}
