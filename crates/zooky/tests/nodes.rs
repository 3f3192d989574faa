//! Node commands against a real server: CRUD round trip, create modes, listings, trees,
//! counts, ACLs, ephemerals, and their `--json` forms.

mod common;

use common::{client, root, zooky, zooky_stdin};
use kazoo::CreateOptions;

#[test]
fn crud_round_trip() {
    let c = client();
    let r = root(&c, "zooky-crud");
    let node = format!("{r}/a/b");

    assert_eq!(
        zooky(&["create", &node, "v1", "--parents"]).ok(),
        format!("{node}\n")
    );
    assert_eq!(c.get(&node).unwrap().0.as_ref(), b"v1");
    // Piped stdout gets the data byte for byte: no newline added.
    assert_eq!(zooky(&["get", &node]).ok(), "v1");

    zooky(&["set", &node, "v2"]).ok();
    assert_eq!(c.get(&node).unwrap().0.as_ref(), b"v2");

    // From stdin, binary-safe.
    zooky_stdin(&["set", &node, "-"], b"\x00\xffbin\n").ok();
    assert_eq!(c.get(&node).unwrap().0.as_ref(), b"\x00\xffbin\n");
    let doc = zooky(&["--json", "get", &node]).json();
    assert_eq!(doc["data_encoding"], "base64");
    assert_eq!(doc["data"], "AP9iaW4K");

    // A stale version is refused (exit 1); the current one works.
    let stat = c.exists(&node).unwrap().unwrap();
    assert_eq!(stat.version, 2);
    let stale = zooky(&["set", &node, "x", "--version", "1"]);
    assert_eq!(stale.code, 1);
    assert!(stale.stderr.contains("bad version"), "{stale:?}");
    zooky(&["set", &node, "v3", "--version", "2"]).ok();

    let out = zooky(&["get", &node, "--stat"]);
    let text = out.ok();
    assert!(text.starts_with("v3\ncZxid"), "{text}");
    assert!(text.contains("dataVersion    = 3"), "{text}");

    let st = zooky(&["stat", &node]);
    assert!(st.ok().contains("dataLength     = 2"));
    let doc = zooky(&["stat", &node, "--json"]).json();
    assert_eq!(doc["stat"]["version"], 3);
    assert_eq!(doc["stat"]["ephemeralOwner"], "0x0");

    // rm of a parent with children fails; -R removes the subtree.
    let parent = format!("{r}/a");
    let busy = zooky(&["rm", &parent]);
    assert_eq!(busy.code, 1);
    assert!(busy.stderr.contains("not empty"), "{busy:?}");
    zooky(&["rm", &node, "--version", "3"]).ok();
    zooky(&["create", &format!("{parent}/x/y"), "--parents"]).ok();
    zooky(&["rm", "-R", &parent]).ok();
    assert!(c.exists(&parent).unwrap().is_none());
    // And rm says when there was nothing to remove.
    assert_eq!(zooky(&["rm", "-R", &parent]).code, 1);
}

#[test]
fn create_modes() {
    let c = client();
    let r = root(&c, "zooky-create");

    let seq = zooky(&["create", &format!("{r}/job-"), "p", "--sequential"]);
    let created = seq.ok().trim().to_owned();
    assert_eq!(created, format!("{r}/job-0000000000"));
    let doc = zooky(&[
        "--json",
        "create",
        &format!("{r}/q/"),
        "--sequential",
        "--parents",
    ])
    .json();
    assert_eq!(doc["path"], format!("{r}/q/0000000000"));

    // An ephemeral node lives as long as zooky's session: gone once zooky exited.
    let eph = format!("{r}/eph");
    zooky(&["create", &eph, "--ephemeral"]).ok();
    assert!(c.exists(&eph).unwrap().is_none());

    let ctr = format!("{r}/ctr");
    zooky(&["create", &ctr, "--container"]).ok();
    assert!(c.exists(&ctr).unwrap().is_some());

    // The shared server has no extendedTypesEnabled: a clear refusal, exit 1.
    let ttl = zooky(&["create", &format!("{r}/ttl"), "--ttl", "10s"]);
    assert_eq!(ttl.code, 1, "{ttl:?}");
    assert!(ttl.stderr.contains("extendedTypesEnabled"), "{ttl:?}");

    // A trailing slash without --sequential, and conflicting modes, are usage errors.
    assert_eq!(zooky(&["create", &format!("{r}/q/")]).code, 2);
    assert_eq!(
        zooky(&["create", &format!("{r}/z"), "--container", "--ephemeral"]).code,
        2
    );
    // Existing node: exit 1.
    let exists = zooky(&["create", &ctr]);
    assert_eq!(exists.code, 1);
    assert!(exists.stderr.contains("node exists"), "{exists:?}");
}

fn make_tree(c: &kazoo::blocking::Client, r: &str) {
    for p in ["/b/b2", "/a/a1/deep", "/a/a2", "/c"] {
        c.create(
            &format!("{r}{p}"),
            b"x".to_vec(),
            &CreateOptions::new().makepath(),
        )
        .unwrap();
    }
}

#[test]
fn ls_listings() {
    let c = client();
    let r = root(&c, "zooky-ls");
    make_tree(&c, &r);

    assert_eq!(zooky(&["ls", &r]).ok(), "a\nb\nc\n");
    let rec = zooky(&["ls", "-R", &r]);
    let expected: String = [
        "",
        "/a",
        "/a/a1",
        "/a/a1/deep",
        "/a/a2",
        "/b",
        "/b/b2",
        "/c",
    ]
    .iter()
    .map(|p| format!("{r}{p}\n"))
    .collect();
    assert_eq!(rec.ok(), expected);

    let table = zooky(&["ls", "--stat", &r]);
    let lines: Vec<&str> = table.ok().lines().collect();
    assert!(lines[0].starts_with("NAME  VERSION  CHILDREN  DATA_LENGTH  OWNER  MODIFIED"));
    assert!(
        lines[1].starts_with("a           0         2            0  -      20"),
        "{lines:?}"
    );
    assert!(
        lines[3].starts_with("c           0         0            1  -      20"),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 4);

    let doc = zooky(&["--json", "ls", &r]).json();
    assert_eq!(doc["children"], serde_json::json!(["a", "b", "c"]));
    let doc = zooky(&["--json", "ls", "-R", "--stat", &r]).json();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 8);
    assert_eq!(nodes[3]["path"], format!("{r}/a/a1/deep"));
    assert_eq!(nodes[3]["stat"]["dataLength"], 1);

    // With a chroot in the host string, paths are relative to it.
    let chrooted = format!("{}{r}", common::hosts());
    assert_eq!(zooky(&["--hosts", &chrooted, "ls", "/"]).ok(), "a\nb\nc\n");
    assert_eq!(zooky(&["--hosts", &chrooted, "get", "/c"]).ok(), "x");

    let missing = zooky(&["ls", &format!("{r}/nope")]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr.trim(),
        format!("zooky: error: no node: {r}/nope")
    );
}

#[test]
fn tree_and_count() {
    let c = client();
    let r = root(&c, "zooky-tree");
    make_tree(&c, &r);

    let expected =
        format!("{r}\n├── a\n│   ├── a1\n│   │   └── deep\n│   └── a2\n├── b\n│   └── b2\n└── c\n");
    assert_eq!(zooky(&["tree", &r]).ok(), expected);
    assert_eq!(
        zooky(&["tree", &r, "--depth", "1"]).ok(),
        format!("{r}\n├── a (2 more below)\n├── b (1 more below)\n└── c\n")
    );
    let doc = zooky(&["--json", "tree", &r, "--depth", "2"]).json();
    assert_eq!(doc["children"][0]["name"], "a");
    assert_eq!(doc["children"][0]["children"][0]["name"], "a1");
    assert_eq!(doc["children"][0]["children"][0]["num_children"], 1);
    assert_eq!(
        doc["children"][0]["children"][0]["children"],
        serde_json::json!([])
    );

    assert_eq!(zooky(&["count", &r]).ok(), "7\n");
    assert_eq!(zooky(&["--json", "count", &r]).json()["count"], 7);
    zooky(&["sync", &r]).ok();
    assert_eq!(zooky(&["--json", "sync", &r]).json()["synced"], true);
}

#[test]
fn acl_get_and_set() {
    let c = client();
    let r = root(&c, "zooky-acl");
    let node = format!("{r}/n");
    c.create(&node, Vec::new(), &CreateOptions::new()).unwrap();

    assert_eq!(
        zooky(&["acl", "get", &node]).ok(),
        "SCHEME  ID      PERMS\nworld   anyone  cdrwa\n"
    );
    zooky(&[
        "acl",
        "set",
        &node,
        "ip:127.0.0.1:cdrwa,world:anyone:r",
        "--version",
        "0",
    ])
    .ok();
    let doc = zooky(&["--json", "acl", "get", &node]).json();
    assert_eq!(doc["aversion"], 1);
    assert_eq!(doc["acl"][0]["scheme"], "ip");
    assert_eq!(doc["acl"][0]["perms"], "cdrwa");
    assert_eq!(doc["acl"][1]["perms"], "r");
    assert_eq!(doc["acl"][1]["perms_mask"], 1);
    let (acl, _) = c.get_acls(&node).unwrap();
    assert_eq!(acl.len(), 2);

    assert_eq!(zooky(&["acl", "set", &node, "world:anyone:xyz"]).code, 2);
    assert_eq!(
        zooky(&["acl", "set", &node, "world:anyone:r", "--version", "0"]).code,
        1
    );
}

#[test]
fn ephemerals_of_every_session() {
    let c = client();
    let r = root(&c, "zooky-eph");
    let owner = c.session_id().unwrap();
    c.create(
        &format!("{r}/workers/w1"),
        b"1".to_vec(),
        &CreateOptions::new().ephemeral().makepath(),
    )
    .unwrap();
    c.create(
        &format!("{r}/persistent"),
        Vec::new(),
        &CreateOptions::new(),
    )
    .unwrap();

    let out = zooky(&["ephemerals", &r]);
    let lines: Vec<&str> = out.ok().lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].starts_with(&format!("{r}/workers/w1  {owner:#x}  ")));

    // A string prefix, like getEphemerals'.
    let doc = zooky(&["--json", "ephemerals", &format!("{r}/wor")]).json();
    assert_eq!(doc["ephemerals"][0]["path"], format!("{r}/workers/w1"));
    assert_eq!(doc["ephemerals"][0]["owner"], format!("{owner:#x}"));
    let none = zooky(&["--json", "ephemerals", &r, "--session", "0x1"]).json();
    assert_eq!(none["ephemerals"], serde_json::json!([]));
    assert_eq!(zooky(&["ephemerals", &r, "--session", "zz"]).code, 2);
}

#[test]
fn ttl_nodes_on_a_server_that_allows_them() {
    let zk = kazoo_testkit::ZkServer::builder()
        .config("extendedTypesEnabled", "true")
        .start()
        .expect("start a server with TTL nodes");
    let hosts = zk.connect_string();
    let out = zooky(&["--hosts", &hosts, "create", "/ttl", "v", "--ttl", "1h"]);
    assert_eq!(out.ok(), "/ttl\n");
    let seq = zooky(&[
        "--hosts",
        &hosts,
        "create",
        "/t-",
        "--ttl",
        "1h",
        "--sequential",
    ]);
    assert!(seq.ok().starts_with("/t-00000000"), "{seq:?}");
    // A TTL node is persistent: it is still there after zooky's session ended.
    let stat = zooky(&["--hosts", &hosts, "--json", "stat", "/ttl"]).json();
    assert_eq!(stat["stat"]["dataLength"], 1);
}
