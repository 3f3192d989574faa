//! `zooky locks` against a real server, with kazoo-layout lock nodes made by hand through the
//! client: plain locks, read locks, a live (ephemeral) contender, Curator's layout, and clean.

mod common;

use common::{client, root, zooky};
use kazoo::blocking::Client;
use kazoo::CreateOptions;

const UUID_A: &str = "0123456789abcdef0123456789abcdef";
const UUID_B: &str = "fedcba9876543210fedcba9876543210";

/// Adds a kazoo contender (`{uuid}__lock__` or `{uuid}__rlock__`) as a live one (ephemeral,
/// owned by `c`'s session) or a leftover (persistent).
fn contend(c: &Client, lock: &str, uuid: &str, read: bool, id: &str, live: bool) -> String {
    let kind = if read { "__rlock__" } else { "__lock__" };
    let mut opts = CreateOptions::new().sequential().makepath();
    if live {
        opts = opts.ephemeral();
    }
    c.create(
        &format!("{lock}/{uuid}{kind}"),
        id.as_bytes().to_vec(),
        &opts,
    )
    .unwrap()
}

#[test]
fn list_show_and_clean() {
    let c = client();
    let r = root(&c, "zooky-locks");
    let session = format!("{:#x}", c.session_id().unwrap());

    // "fred": a held plain lock and a waiting one.
    let fred = format!("{r}/fred");
    contend(&c, &fred, UUID_A, false, "worker-1", true);
    contend(&c, &fred, UUID_B, false, "worker-2", true);
    // "shared": two readers hold it, a writer waits, a reader behind the writer waits too.
    let shared = format!("{r}/shared");
    contend(&c, &shared, UUID_A, true, "r1", false);
    contend(&c, &shared, UUID_B, true, "r2", false);
    contend(&c, &shared, UUID_A, false, "w", false);
    contend(&c, &shared, UUID_B, true, "r3", false);
    // "curator": Curator's InterProcessMutex layout.
    let curator = format!("{r}/curator");
    c.create(
        &format!("{curator}/_c_4c3f2b1a-0000-1111-2222-333344445555-lock-"),
        b"cur".to_vec(),
        &CreateOptions::new().sequential().makepath(),
    )
    .unwrap();
    // "idle": an empty lock node; "config": not a lock (it has data).
    c.create(&format!("{r}/idle"), Vec::new(), &CreateOptions::new())
        .unwrap();
    c.create(
        &format!("{r}/config"),
        b"mode=fast".to_vec(),
        &CreateOptions::new(),
    )
    .unwrap();

    let list = zooky(&["locks", "list", &r]);
    assert_eq!(
        list.ok(),
        "\
LOCK     STATUS  MODE  HOLDERS  WAITERS  READERS  WRITERS  LAYOUT
config   Free    -           0        0        0        0  -
curator  Locked  lock        1        0        0        1  curator
fred     Locked  lock        1        1        0        2  kazoo
idle     Free    -           0        0        0        0  -
shared   Locked  read        2        2        3        1  kazoo
"
    );
    let doc = zooky(&["--json", "locks", "list", &r]).json();
    let shared_doc = &doc["locks"][4];
    assert_eq!(shared_doc["name"], "shared");
    assert_eq!(shared_doc["status"], "locked");
    assert_eq!(shared_doc["holders"], 2);
    assert_eq!(shared_doc["readers"], 3);

    // show: holder first, waiters in order, owner session of live contenders, ages.
    let show = zooky(&["locks", "show", "fred", "--root", &r]);
    let lines: Vec<&str> = show.ok().lines().collect();
    assert_eq!(lines[0], format!("{fred}: Locked (1 holding, 1 waiting)"));
    assert!(lines[1].starts_with("POS  ROLE    NODE"), "{lines:?}");
    let holder: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        holder[..6],
        [
            "0",
            "holder",
            &format!("{UUID_A}__lock__0000000000"),
            "lock",
            "worker-1",
            &session
        ]
    );
    let waiter: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        waiter[1..5],
        [
            "waiter",
            &format!("{UUID_B}__lock__0000000001"),
            "lock",
            "worker-2"
        ]
    );

    let doc = zooky(&["--json", "locks", "show", &shared]).json();
    let roles: Vec<(&str, &str, &str)> = doc["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["role"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["data"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("holder", "read", "r1"),
            ("holder", "read", "r2"),
            ("waiter", "lock", "w"),
            ("waiter", "read", "r3")
        ]
    );
    assert_eq!(doc["contenders"][0]["owner"], serde_json::Value::Null);
    assert!(doc["contenders"][0]["created_ago"].as_i64().unwrap() >= 0);

    // clean: a dry run changes nothing; the real one removes only "idle".
    let dry = zooky(&["locks", "clean", &r, "--dry-run"]);
    assert!(dry.ok().contains("idle     would remove"), "{dry:?}");
    assert!(c.exists(&format!("{r}/idle")).unwrap().is_some());
    let doc = zooky(&["--json", "locks", "clean", &r]).json();
    assert_eq!(doc["removed"], 1);
    let actions: Vec<(&str, &str)> = doc["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("config", "kept"),
            ("curator", "kept"),
            ("fred", "kept"),
            ("idle", "removed"),
            ("shared", "kept")
        ]
    );
    assert!(c.exists(&format!("{r}/idle")).unwrap().is_none());
    assert!(c.exists(&format!("{r}/config")).unwrap().is_some());
    // The live contenders are untouched.
    assert_eq!(c.get_children(&fred).unwrap().len(), 2);

    // Once the holders' session ends, fred is empty and the next clean removes it.
    c.close();
    let c2 = client();
    assert!(c2.get_children(&fred).unwrap().is_empty());
    let after = zooky(&["locks", "clean", &r]);
    assert!(after.ok().contains("fred     removed"), "{after:?}");
    assert!(c2.exists(&fred).unwrap().is_none());
}

#[test]
fn errors_and_defaults() {
    let c = client();
    let r = root(&c, "zooky-locks-err");
    // A missing lock: exit 1 with the path.
    let missing = zooky(&["locks", "show", &format!("{r}/nope")]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains(&format!("no node: {r}/nope")),
        "{missing:?}"
    );
    // A missing default root says how to name one.
    let c2 = client();
    if c2.exists("/ZktoolsLocks").unwrap().is_none() {
        let default = zooky(&["locks", "list"]);
        assert_eq!(default.code, 1);
        assert!(
            default.stderr.contains("zooky locks list /locks"),
            "{default:?}"
        );
    }
    // An unusable lock name: usage error.
    assert_eq!(zooky(&["locks", "show", "a//b", "--root", &r]).code, 2);
    // An empty root lists nothing.
    assert_eq!(
        zooky(&["locks", "list", &r]).ok(),
        "LOCK  STATUS  MODE  HOLDERS  WAITERS  READERS  WRITERS  LAYOUT\n"
    );
}
