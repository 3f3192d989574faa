//! Without ZooKeeper the kit fails with a message that says how to install it.
//!
//! Alone in its file: it changes the process environment.

use kazoo_testkit::{Ensemble, TestkitError, ZkServer};

#[test]
fn missing_zookeeper_says_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    std::env::remove_var("ZOOKEEPER_CLASSPATH");
    // The shared server must be started by this process here, not borrowed from outside.
    std::env::remove_var(kazoo_testkit::SHARED_SERVER_ENV);
    std::env::set_var("ZOOKEEPER_PATH", empty.path());
    let err = ZkServer::start().unwrap_err();
    assert!(matches!(err, TestkitError::ZooKeeperNotFound(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("apt-get install zookeeper"), "{message}");
    assert!(message.contains("ZOOKEEPER_CLASSPATH"), "{message}");
    assert!(
        message.contains(&empty.path().display().to_string()),
        "{message}"
    );
    assert!(matches!(
        Ensemble::start(3),
        Err(TestkitError::ZooKeeperNotFound(_))
    ));
    assert!(matches!(
        ZkServer::try_shared(),
        Err(TestkitError::SharedServer(m)) if m.contains("apt-get install zookeeper")
    ));
}
