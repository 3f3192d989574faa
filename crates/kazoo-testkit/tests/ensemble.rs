//! A 3-member ensemble elects a leader, survives losing it, and takes the old leader back.
//!
//! One ensemble serves the whole sequence because each start costs seconds.

mod common;

use std::time::{Duration, Instant};

use common::{eventually, is_zookeeper_alive};
use kazoo_testkit::{Ensemble, TestkitError};

const ELECTION: Duration = Duration::from_secs(30);

#[test]
fn leader_failover_and_rejoin() {
    let started = Instant::now();
    let mut ensemble = Ensemble::start(3).expect("start");
    eprintln!("3-member ensemble ready in {:?}", started.elapsed());
    assert_eq!(ensemble.size(), 3);
    let members: Vec<String> = (0..3).map(|i| ensemble.member_connect_string(i)).collect();
    assert_eq!(ensemble.connect_string(), members.join(","));

    // Exactly one leader, two followers.
    let leader = ensemble.wait_for_leader(ELECTION).unwrap();
    let modes: Vec<String> = (0..3).map(|i| ensemble.mode(i).unwrap()).collect();
    assert_eq!(
        modes.iter().filter(|m| *m == "leader").count(),
        1,
        "{modes:?}"
    );
    assert_eq!(
        modes.iter().filter(|m| *m == "follower").count(),
        2,
        "{modes:?}"
    );
    assert_eq!(modes[leader], "leader");
    for i in 0..3 {
        assert_eq!(ensemble.four_letter(i, "ruok").unwrap(), "imok");
    }

    // Killing the leader makes one of the other two lead.
    let old_pid = ensemble.member_pid(leader).unwrap();
    let failover = Instant::now();
    ensemble.kill(leader).unwrap();
    assert!(!ensemble.is_running(leader));
    assert!(!is_zookeeper_alive(old_pid));
    assert!(matches!(
        ensemble.four_letter(leader, "ruok"),
        Err(TestkitError::NotRunning(_))
    ));
    let next = ensemble.wait_for_leader(ELECTION).unwrap();
    eprintln!("new leader elected in {:?}", failover.elapsed());
    assert_ne!(next, leader);

    // The old leader comes back as a follower.
    let rejoin = Instant::now();
    ensemble.restart(leader).unwrap();
    eprintln!("old leader rejoined in {:?}", rejoin.elapsed());
    assert!(ensemble.is_running(leader));
    assert_eq!(ensemble.mode(leader).as_deref(), Some("follower"));
    assert_eq!(ensemble.leader(), Some(next));

    // A graceful stop of a follower leaves a serving quorum.
    let follower = (0..3).find(|&i| i != next).unwrap();
    ensemble.stop(follower).unwrap();
    assert!(!ensemble.is_running(follower));
    assert!(eventually(ELECTION, || ensemble.leader().is_some()));

    // Drop removes every member's process and directory.
    let pids: Vec<u32> = (0..3).filter_map(|i| ensemble.member_pid(i)).collect();
    let dirs: Vec<_> = (0..3)
        .map(|i| ensemble.member_dir(i).to_path_buf())
        .collect();
    assert_eq!(pids.len(), 2);
    drop(ensemble);
    for pid in pids {
        assert!(!is_zookeeper_alive(pid), "pid {pid} survived");
    }
    for dir in dirs {
        assert!(!dir.exists(), "{} survived", dir.display());
    }
}

#[test]
fn bad_member_indexes_are_errors() {
    let mut ensemble = Ensemble::start(1).expect("start");
    assert_eq!(ensemble.leader(), Some(0));
    assert!(ensemble.mode(0).as_deref() == Some("standalone"));
    assert!(matches!(
        ensemble.kill(1),
        Err(TestkitError::NoSuchMember { index: 1, size: 1 })
    ));
    assert!(!ensemble.is_running(7));
    assert!(ensemble.member_pid(7).is_none());
    assert!(matches!(
        Ensemble::start(0),
        Err(TestkitError::InvalidArgument(_))
    ));
}
