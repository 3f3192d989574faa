//! What only the blocking wrapper has: its session lives on between calls, its listeners and
//! watches block with timeouts, `retry` runs a closure. (Every op and its errors go through
//! both APIs in `crud`, `ops_more` and `watches`.)

mod common;

use kazoo_client::blocking::Client;
use kazoo_client::{CreateOptions, Error, EventType, KazooState, RetryPolicy, SessionState};
use kazoo_testkit::{unique_path, ZkServer};
use std::time::Duration;

#[test]
fn the_session_lives_on_while_the_caller_does_something_else() {
    common::init_tracing();
    let zk = Client::builder(&ZkServer::shared().connect_string())
        .session_timeout(Duration::from_secs(4))
        .connect()
        .unwrap();
    let session = zk.session_id();
    let mut states = zk.subscribe_state();
    // Idle for longer than the session timeout: only pings sent by the I/O task meanwhile
    // keep the session.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(zk.session_id(), session);
    assert!(zk.exists("/").unwrap().is_some());
    let change = states.recv_timeout(Duration::ZERO);
    assert!(change.is_none(), "no state change: {change:?}");
    zk.close();
    let c = states.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        (c.kazoo, c.session),
        (KazooState::Lost, SessionState::Closed)
    );
}

#[test]
fn watches_wait_with_a_timeout_and_retry_runs_closures() {
    common::init_tracing();
    let root = unique_path("blocking");
    let zk = Client::builder(&ZkServer::shared().connect_string())
        .max_in_flight(8)
        .connect()
        .unwrap();
    zk.ensure_path(&root).unwrap();
    let path = format!("{root}/a");
    zk.create(&path, "1", &CreateOptions::new()).unwrap();
    let (_, _, w) = zk.get_w(&path).unwrap();
    // Nothing happened: the watch comes back, still armed.
    let w = w.wait_timeout(Duration::from_millis(50)).unwrap_err();
    zk.set(&path, b"2", Some(0)).unwrap();
    assert_eq!(w.wait().event_type, EventType::NodeDataChanged);

    let mut tries = 0;
    let policy = RetryPolicy::new()
        .with_max_tries(3)
        .with_delay(Duration::from_millis(1));
    let data = zk
        .retry(&policy, || {
            tries += 1;
            if tries == 1 {
                return Err(Error::ConnectionLoss);
            }
            zk.get(&path).map(|(d, _)| d)
        })
        .unwrap();
    assert_eq!((data.as_ref(), tries), (&b"2"[..], 2));
    assert!(matches!(
        zk.retry(&policy, || zk.get(&format!("{root}/none"))),
        Err(Error::NoNode { .. })
    ));
    zk.delete_recursive(&root).unwrap();
    zk.close();
    assert!(matches!(zk.get(&path), Err(Error::Closed)));
}
