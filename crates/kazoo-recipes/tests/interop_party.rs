//! A Party and a ShallowParty with members of both Python kazoo 2.11 and Rust: each side sees
//! the other's members, counts agree, and leaving is seen both ways.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::party::{Party, ShallowParty};

const SCRIPT: &str = r#"
import os, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"])
zk.start()
p = zk.Party("/party", "py-member")
s = zk.ShallowParty("/shallow", "py-host")
p.join()
s.join()
print("joined")
sys.stdin.readline()
print("members " + ",".join(sorted(p)))
print("shallow " + ",".join(sorted(s)))
print("count %d %d" % (len(p), len(s)))
sys.stdin.readline()
p.leave()
s.leave()
print("left")
sys.stdin.readline()
print("members " + ",".join(sorted(p)))
zk.stop()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_members_share_both_parties() {
    let root = fresh_root("interop-party").await;
    let zk = client_at(&root).await;
    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("joined").await, "joined");

    let party = Party::new(&zk, "/party").with_identifier("rust-member");
    let shallow = ShallowParty::new(&zk, "/shallow").with_identifier("rust-host");
    party.join().await.unwrap();
    shallow.join().await.unwrap();
    let mut members = party.members().await.unwrap();
    members.sort();
    assert_eq!(members, ["py-member", "rust-member"]);
    let mut hosts = shallow.members().await.unwrap();
    hosts.sort();
    assert_eq!(hosts, ["py-host", "rust-host"]);

    py.send("go");
    assert_eq!(
        py.line_async("members").await,
        "members py-member,rust-member"
    );
    assert_eq!(py.line_async("shallow").await, "shallow py-host,rust-host");
    assert_eq!(py.line_async("count").await, "count 2 2");

    py.send("go");
    assert_eq!(py.line_async("left").await, "left");
    assert_eq!(party.members().await.unwrap(), ["rust-member"]);
    assert_eq!(shallow.members().await.unwrap(), ["rust-host"]);
    party.leave().await.unwrap();
    py.send("go");
    assert_eq!(py.line_async("members").await, "members ");
    py.finish();
    shallow.leave().await.unwrap();
    assert!(zk.get_children("/party").await.unwrap().is_empty());
    assert!(zk.get_children("/shallow").await.unwrap().is_empty());
    assert_no_watches_under(&root);
    zk.close().await;
}
