//! Counter against a real server: kazoo's text encoding for integers and floats (checked
//! against Python's own `repr`), pre/post values, Curator's 4-byte mode, malformed data,
//! concurrent increments with version retry, and the blocking form.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, python};
use kazoo_client::CreateOptions;
use kazoo_recipes::counter::{BlockingCounter, Counter, CounterError, CounterValue};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_counter_stores_python_text_and_tracks_pre_and_post() {
    let root = fresh_root("counter-int").await;
    let zk = client_at(&root).await;
    let c = Counter::new(&zk, "/stats/hits");
    assert_eq!(c.value().await.unwrap(), 0, "missing node reads as default");
    let (data, _) = zk.get("/stats/hits").await.unwrap();
    assert!(data.is_empty(), "created empty, as kazoo's ensure_path");
    assert_eq!((c.pre_value(), c.post_value()), (None, None));

    assert_eq!(c.add(2).await.unwrap(), 2);
    assert_eq!(c.subtract(1).await.unwrap(), 1);
    assert_eq!((c.pre_value(), c.post_value()), (Some(2), Some(1)));
    assert_eq!(c.subtract(3).await.unwrap(), -2);
    assert_eq!(&zk.get("/stats/hits").await.unwrap().0[..], b"-2");
    assert_eq!(c.value().await.unwrap(), -2);

    let d = Counter::with_default(&zk, "/other", 10);
    assert_eq!(d.add(5).await.unwrap(), 15);
    assert_eq!(&zk.get("/other").await.unwrap().0[..], b"15");
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn float_counter_text_is_python_repr() {
    let root = fresh_root("counter-float").await;
    let zk = client_at(&root).await;
    let c = Counter::with_default(&zk, "/f", 1.0);
    assert_eq!(c.add(2.0).await.unwrap(), 3.0);
    assert_eq!((c.pre_value(), c.post_value()), (Some(1.0), Some(3.0)));
    assert_eq!(&zk.get("/f").await.unwrap().0[..], b"3.0");
    c.add(-0.5).await.unwrap();
    assert_eq!(&zk.get("/f").await.unwrap().0[..], b"2.5");
    c.add(1e16).await.unwrap();
    assert_eq!(
        &zk.get("/f").await.unwrap().0[..],
        b"1.0000000000000002e+16"
    );
    let big = Counter::with_default(&zk, "/big", 0.0);
    big.add(1e16).await.unwrap();
    assert_eq!(&zk.get("/big").await.unwrap().0[..], b"1e+16");
    // An integer text reads as a float, as Python's float("3") does.
    zk.set("/f", b"3".to_vec(), None).await.unwrap();
    assert_eq!(c.value().await.unwrap(), 3.0);
    assert_no_watches_under(&root);
    zk.close().await;
}

#[test]
fn float_repr_agrees_with_python_for_many_values() {
    let mut values = vec![
        0.1,
        0.5,
        1.0,
        2.5,
        1e15,
        1e16,
        1e17,
        1e-4,
        1e-5,
        123456.789,
        1e100,
        5e-324,
        1.7976931348623157e308,
        -3.25,
        0.30000000000000004,
        9007199254740992.0,
        1.2345678901234567e19,
    ];
    let mut x = 0.123_456_789_f64;
    for _ in 0..200 {
        x = x * 7.3 + 0.017;
        if x > 1e30 {
            x /= 1e33;
        }
        values.push(x);
        values.push(1.0 / x);
    }
    let input: Vec<String> = values.iter().map(|v| format!("{:e}", v)).collect();
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg("import sys\nfor l in sys.stdin.read().split():\n    print(repr(float(l)))")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.join("\n").as_bytes())?;
            child.wait_with_output()
        })
        .expect("run python");
    assert!(out.status.success());
    let reprs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(reprs.len(), values.len());
    for (v, want) in values.iter().zip(reprs) {
        assert_eq!(v.to_repr(), want, "repr of {v:e}");
        assert_eq!(f64::from_repr(&want), Some(*v));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_mode_stores_four_big_endian_bytes() {
    let root = fresh_root("counter-curator").await;
    let zk = client_at(&root).await;
    let c = Counter::new(&zk, "/shared").curator();
    assert_eq!(c.add(2).await.unwrap(), 2);
    assert_eq!(c.subtract(3).await.unwrap(), -1);
    assert_eq!(
        &zk.get("/shared").await.unwrap().0[..],
        &[0xff, 0xff, 0xff, 0xff]
    );
    zk.set("/shared", vec![0x7f, 0xff, 0xff, 0xff], None)
        .await
        .unwrap();
    assert_eq!(c.value().await.unwrap(), i64::from(i32::MAX));
    assert!(matches!(c.add(1).await, Err(CounterError::Overflow { .. })));
    assert_eq!(c.post_value(), None, "a failed change clears post_value");
    zk.set("/shared", vec![1, 2, 3], None).await.unwrap();
    assert!(matches!(
        c.value().await,
        Err(CounterError::Malformed { .. })
    ));
    assert_no_watches_under(&root);
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_overflowing_values_are_errors_not_panics() {
    let root = fresh_root("counter-bad").await;
    let zk = client_at(&root).await;
    zk.create("/c", b"2.5".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let c = Counter::new(&zk, "/c");
    assert!(matches!(
        c.add(1).await,
        Err(CounterError::Malformed { .. })
    ));
    zk.set("/c", vec![0xff, 0xfe], None).await.unwrap();
    assert!(matches!(
        c.value().await,
        Err(CounterError::Malformed { .. })
    ));
    zk.set("/c", i64::MAX.to_string().into_bytes(), None)
        .await
        .unwrap();
    assert!(matches!(c.add(1).await, Err(CounterError::Overflow { .. })));
    assert_eq!(
        &zk.get("/c").await.unwrap().0[..],
        i64::MAX.to_string().as_bytes()
    );
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_increments_from_many_clients_all_count() {
    let root = fresh_root("counter-race").await;
    let mut tasks = Vec::new();
    let mut zks = Vec::new();
    for _ in 0..4 {
        let zk = client_at(&root).await;
        let c = Arc::new(Counter::new(&zk, "/n"));
        zks.push(zk);
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                c.add(1).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = Counter::new(&zks[0], "/n");
    assert_eq!(c.value().await.unwrap(), 100);
    let (_, stat) = zks[0].get("/n").await.unwrap();
    assert_eq!(stat.version, 100, "one successful write per increment");
    assert_no_watches_under(&root);
    for zk in zks {
        zk.close().await;
    }
}

#[test]
fn blocking_counter_adds_and_subtracts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = rt.block_on(fresh_root("counter-blk"));
    let hosts = format!("{}{}", common::server().connect_string(), root);
    let zk = kazoo_client::blocking::Client::connect(&hosts).unwrap();
    let c = BlockingCounter::new(&zk, "/n");
    assert_eq!(c.add(5).unwrap(), 5);
    assert_eq!(c.subtract(2).unwrap(), 3);
    assert_eq!((c.pre_value(), c.post_value()), (Some(5), Some(3)));
    let f = BlockingCounter::with_default(&zk, "/f", 0.5);
    assert_eq!(f.add(0.25).unwrap(), 0.75);
    assert_eq!(&zk.get("/f").unwrap().0[..], b"0.75");
    assert_no_watches_under(&root);
    zk.close();
}
