//! NodeTracker (zktools' ZkNode) against a real server: creation with a default, typed values
//! in zktools' formats both ways, setting, subscribers to value and children changes, the
//! last modification time, deletion and re-creation, real session expiry, and no watch left
//! after close.

mod common;

use bytes::Bytes;
use chrono::NaiveDate;
use common::{assert_no_watches_under, client_at, fresh_root, proxied_client_at};
use futures::StreamExt;
use kazoo_client::CreateOptions;
use kazoo_recipes::node_tracker::{NodeTracker, Value};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(20);

async fn next<U>(rx: &mut mpsc::UnboundedReceiver<U>) -> U {
    tokio::time::timeout(T, rx.recv())
        .await
        .expect("a call in time")
        .expect("subscribed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_creates_a_missing_node_with_its_default() {
    let root = fresh_root("nt-create").await;
    let zk = client_at(&root).await;
    let plain = NodeTracker::new(&zk, "/a/b").await.unwrap();
    assert_eq!(plain.value(), Value::Null);
    // Written the way zktools writes Python's None, parents created.
    assert_eq!(zk.get("/a/b").await.unwrap().0, Bytes::from_static(b"None"));
    let limit = NodeTracker::builder(&zk, "/limit")
        .default(100)
        .start()
        .await
        .unwrap();
    assert_eq!(limit.value(), Value::Int(100));
    assert_eq!(
        zk.get("/limit").await.unwrap().0,
        Bytes::from_static(b"100")
    );
    // An existing node keeps its value: the default is for creation only.
    let again = NodeTracker::builder(&zk, "/limit")
        .default(5)
        .start()
        .await
        .unwrap();
    assert_eq!(again.value(), Value::Int(100));
    plain.close().await;
    limit.close().await;
    again.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_decodes_zktools_formats_and_sets_typed_values() {
    let root = fresh_root("nt-types").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let node = NodeTracker::builder(&zk, "/v")
        .json(true)
        .start()
        .await
        .unwrap();
    let mut values = node.values();
    assert_eq!(values.next().await.unwrap(), Value::Null);
    // Written by someone else in zktools' formats: the tracker follows and decodes.
    let date_time = NaiveDate::from_ymd_opt(2012, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 890_000)
        .unwrap()
        .and_utc()
        .fixed_offset();
    let cases: Vec<(&[u8], Value)> = vec![
        (b"42", Value::Int(42)),
        (b"483.24", Value::Decimal("483.24".parse().unwrap())),
        (b"True", Value::Bool(true)),
        (b"false", Value::Bool(false)),
        (b"None", Value::Null),
        (
            b"2024-01-02",
            Value::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()),
        ),
        (b"2012-03-04T05:06:07.890000Z", Value::DateTime(date_time)),
        (
            br#"{"a": [1, 2]}"#,
            Value::Json(serde_json::json!({"a": [1, 2]})),
        ),
        (b"[not json]", Value::Text("[not json]".into())),
        (b"plain text", Value::Text("plain text".into())),
    ];
    for (data, want) in cases {
        other.set("/v", data.to_vec(), None).await.unwrap();
        // Each distinct write shows up (None after None is skipped by value).
        let got = loop {
            let v = tokio::time::timeout(T, values.next())
                .await
                .unwrap()
                .unwrap();
            if v == want {
                break v;
            }
        };
        assert_eq!(node.value(), got);
        assert_eq!(node.raw().unwrap(), Bytes::copy_from_slice(data));
    }
    // Set by the tracker: written as zktools writes, held when set returns.
    let stat = node.set(483.24).await.unwrap();
    assert_eq!(node.value().as_f64(), Some(483.24));
    assert_eq!(node.stat().unwrap().mzxid, stat.mzxid);
    assert_eq!(
        other.get("/v").await.unwrap().0,
        Bytes::from_static(b"483.24")
    );
    node.set(true).await.unwrap();
    assert_eq!(
        other.get("/v").await.unwrap().0,
        Bytes::from_static(b"True")
    );
    assert_eq!(node.value(), Value::Bool(true));
    node.set(date_time).await.unwrap();
    assert_eq!(
        other.get("/v").await.unwrap().0,
        Bytes::from_static(b"2012-03-04T05:06:07.890000Z")
    );
    assert_eq!(node.value(), Value::DateTime(date_time));
    node.set(serde_json::json!({"k": "v"})).await.unwrap();
    assert_eq!(node.value(), Value::Json(serde_json::json!({"k": "v"})));
    node.set(Value::Null).await.unwrap();
    assert!(node.value().is_null());
    node.close().await;
    // Without JSON enabled, JSON text stays text.
    other.set("/v", b"[1, 2]".to_vec(), None).await.unwrap();
    let plain = NodeTracker::new(&zk, "/v").await.unwrap();
    assert_eq!(plain.value(), Value::Text("[1, 2]".into()));
    plain.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_subscribers_are_called_at_once_and_on_changes() {
    let root = fresh_root("nt-subs").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let node = NodeTracker::builder(&zk, "/n")
        .default(1)
        .start()
        .await
        .unwrap();
    let (vtx, mut vrx) = mpsc::unbounded_channel();
    node.on_value(move |v| vtx.send(v).unwrap());
    let (ctx, mut crx) = mpsc::unbounded_channel();
    node.on_children(move |mut c| {
        c.sort();
        ctx.send(c).unwrap()
    });
    assert_eq!(next(&mut vrx).await, Value::Int(1));
    assert_eq!(next(&mut crx).await, Vec::<String>::new());
    other.set("/n", b"2".to_vec(), None).await.unwrap();
    assert_eq!(next(&mut vrx).await, Value::Int(2));
    other
        .create("/n/a", Vec::new(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(next(&mut crx).await, ["a"]);
    other
        .create("/n/b", Vec::new(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(next(&mut crx).await, ["a", "b"]);
    other.delete("/n/a", None).await.unwrap();
    assert_eq!(next(&mut crx).await, ["b"]);
    let mut kids = node.children();
    kids.sort();
    assert_eq!(kids, ["b"]);
    let mut stream = node.children_changes();
    assert_eq!(stream.next().await.unwrap(), ["b"]);
    // A child change is not a value change, and the reverse.
    assert!(vrx.try_recv().is_err());
    node.close().await;
    // Subscriptions end with the tracker.
    assert_eq!(tokio::time::timeout(T, vrx.recv()).await.unwrap(), None);
    assert_eq!(stream.next().await, None);
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_last_modified_is_the_node_mtime() {
    let root = fresh_root("nt-mtime").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let node = NodeTracker::new(&zk, "/m").await.unwrap();
    let first = node.last_modified_ms().unwrap();
    assert_eq!(first, other.get("/m").await.unwrap().1.mtime);
    let when = node.last_modified().unwrap();
    let skew = SystemTime::now()
        .duration_since(when)
        .unwrap_or_else(|e| e.duration());
    assert!(skew < Duration::from_secs(60), "{skew:?}");
    // The server's clock moves on; wait for it rather than assume it.
    while other
        .create("/tick", Vec::new(), &CreateOptions::new().ephemeral())
        .await
        .unwrap()
        .is_empty()
    {}
    let stat = loop {
        let s = node.set("x").await.unwrap();
        if s.mtime > first {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(node.last_modified_ms(), Some(stat.mtime));
    node.close().await;
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_follows_deletion_and_recreation() {
    let root = fresh_root("nt-recreate").await;
    let zk = client_at(&root).await;
    let other = client_at(&root).await;
    let node = NodeTracker::builder(&zk, "/r")
        .default("x")
        .start()
        .await
        .unwrap();
    let mut values = node.values();
    let mut kids = node.children_changes();
    assert_eq!(values.next().await.unwrap(), Value::Text("x".into()));
    assert!(kids.next().await.unwrap().is_empty());
    other.delete("/r", None).await.unwrap();
    assert_eq!(values.next().await.unwrap(), Value::Null);
    assert_eq!(node.raw(), None);
    other
        .create("/r", b"7".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(values.next().await.unwrap(), Value::Int(7));
    // Children are followed again on the new node.
    other
        .create("/r/c", Vec::new(), &CreateOptions::new())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let k = tokio::time::timeout_at(deadline, kids.next())
            .await
            .unwrap()
            .unwrap();
        if k == ["c"] {
            break;
        }
    }
    node.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_tracker_survives_real_session_expiry() {
    let root = fresh_root("nt-expiry").await;
    let (zk, proxy) = proxied_client_at(&root).await;
    let other = client_at(&root).await;
    let shared = NodeTracker::builder(&zk, "/shared")
        .default(1)
        .start()
        .await
        .unwrap();
    let mine = NodeTracker::builder(&zk, "/mine")
        .default("alive")
        .ephemeral()
        .start()
        .await
        .unwrap();
    mine.set("still-alive").await.unwrap();
    let mut values = shared.values();
    assert_eq!(values.next().await.unwrap(), Value::Int(1));
    let old = zk.session_id();
    common::expire_session(&zk, &proxy).await;
    other.set("/shared", b"2".to_vec(), None).await.unwrap();
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let v = tokio::time::timeout_at(deadline, values.next())
            .await
            .unwrap()
            .unwrap();
        if v == Value::Int(2) {
            break;
        }
    }
    assert_ne!(zk.session_id(), old);
    // Our ephemeral node came back on the new session, with its last value.
    let deadline = std::time::Instant::now() + T;
    loop {
        if let Ok((data, stat)) = other.get("/mine").await {
            if stat.ephemeral_owner == zk.session_id().unwrap() {
                assert_eq!(data, Bytes::from_static(b"still-alive"));
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the ephemeral was not re-created"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mine.value(), Value::Text("still-alive".into()));
    shared.close().await;
    mine.close().await;
    assert_no_watches_under(&root);
    zk.close().await;
    other.close().await;
}

#[test]
fn blocking_node_tracker() {
    use kazoo_recipes::node_tracker::blocking::NodeTracker as BNodeTracker;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("nt-blocking"));
    let zk = kazoo_client::blocking::Client::connect(&format!(
        "{}{}",
        common::server().connect_string(),
        root
    ))
    .unwrap();
    let node = BNodeTracker::builder(&zk, "/b")
        .default(false)
        .start()
        .unwrap();
    assert_eq!(node.value(), Value::Bool(false));
    let zk2 = zk.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    node.on_value(move |v| {
        // A subscriber may use the blocking client.
        let (data, _) = zk2.get("/b").unwrap();
        tx.send((v, data)).unwrap();
    });
    assert_eq!(rx.recv_timeout(T).unwrap().0, Value::Bool(false));
    node.set(12).unwrap();
    assert_eq!(node.value(), Value::Int(12));
    let (v, data) = rx.recv_timeout(T).unwrap();
    assert_eq!(v, Value::Int(12));
    assert_eq!(data, Bytes::from_static(b"12"));
    assert!(node.connected());
    node.close();
    assert_no_watches_under(&root);
    zk.close();
}
