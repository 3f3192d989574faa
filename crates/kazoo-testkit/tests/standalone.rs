//! A standalone server starts, serves, restarts on the same port and cleans up after itself.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, is_zookeeper_alive};
use kazoo_testkit::{four_letter_word, TestkitError, ZkServer};

#[test]
fn standalone_answers_ruok_and_srvr() {
    let started = Instant::now();
    let zk = ZkServer::start().expect("start");
    eprintln!("standalone ready in {:?}", started.elapsed());
    assert!(zk.is_running());
    assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
    let srvr = zk.four_letter("srvr").unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert_eq!(zk.connect_string(), zk.addr().to_string());
    assert!(zk.addr().ip().is_loopback());
    let conf = four_letter_word(zk.addr(), "conf", Duration::from_secs(5)).unwrap();
    assert!(conf.contains("maxClientCnxns=0"), "{conf}");
}

#[test]
fn builder_extras_reach_the_server() {
    let zk = ZkServer::builder()
        .tick_time(200)
        .min_session_timeout(400)
        .max_session_timeout(8000)
        .config("extendedTypesEnabled", "true")
        .jvm_arg("-Dreadonlymode.enabled=true")
        .start()
        .expect("start");
    let conf = zk.four_letter("conf").unwrap();
    assert!(conf.contains("tickTime=200"), "{conf}");
    assert!(conf.contains("minSessionTimeout=400"), "{conf}");
    assert!(conf.contains("maxSessionTimeout=8000"), "{conf}");
    let cfg = std::fs::read_to_string(zk.dir().join("zoo.cfg")).unwrap();
    assert!(cfg.contains("extendedTypesEnabled=true"), "{cfg}");
}

#[test]
fn stop_kill_and_restart_keep_the_port() {
    let mut zk = ZkServer::start().expect("start");
    let addr = zk.addr();
    let first = zk.pid().unwrap();

    zk.kill().unwrap();
    assert!(!zk.is_running());
    assert!(!is_zookeeper_alive(first));
    assert!(zk.four_letter("ruok").is_err());
    assert!(four_letter_word(addr, "ruok", Duration::from_millis(500)).is_err());

    zk.restart().unwrap();
    assert_eq!(zk.addr(), addr);
    assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
    let second = zk.pid().unwrap();
    assert_ne!(first, second);

    zk.stop().unwrap();
    assert!(!zk.is_running());
    assert!(!is_zookeeper_alive(second));
    zk.restart().unwrap();
    assert!(zk.four_letter("srvr").unwrap().contains("Mode: standalone"));
}

#[test]
fn dropped_handle_leaves_no_process_and_no_directory() {
    let zk = ZkServer::start().expect("start");
    let pid = zk.pid().unwrap();
    let dir = zk.dir().to_path_buf();
    assert!(is_zookeeper_alive(pid));
    assert!(dir.is_dir());
    drop(zk);
    assert!(!is_zookeeper_alive(pid));
    assert!(!dir.exists());
}

#[test]
fn a_panicking_test_still_cleans_up() {
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let zk = ZkServer::start().expect("start");
        tx.send((zk.pid().unwrap(), zk.dir().to_path_buf()))
            .unwrap();
        panic!("the test fails while holding the server");
    })
    .join();
    assert!(outcome.is_err());
    let (pid, dir) = rx.recv().unwrap();
    assert!(eventually(Duration::from_secs(5), || !is_zookeeper_alive(
        pid
    )));
    assert!(!dir.exists());
}

#[test]
fn a_server_that_fails_to_start_reports_its_log() {
    let err = ZkServer::builder()
        .config("tickTime", "not-a-number")
        .start()
        .unwrap_err();
    match err {
        TestkitError::StartFailed { tail, log, .. } => {
            assert!(tail.contains("not-a-number"), "{tail}");
            assert!(log.ends_with("zookeeper.log"));
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
    assert!(matches!(
        ZkServer::builder().config("bad key", "x").start(),
        Err(TestkitError::InvalidArgument(_))
    ));
}
