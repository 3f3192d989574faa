//! `ZkServer::shared()` uses a server started outside the process when
//! `KAZOO_TESTKIT_SHARED_SERVER` names one, and refuses to stop it.

use kazoo_testkit::{ZkServer, SHARED_SERVER_ENV};

#[test]
fn shared_server_can_be_external() {
    let outside = ZkServer::start().expect("start a server");
    // Set before the first call to `shared()` in this process (this file has one test).
    std::env::set_var(SHARED_SERVER_ENV, outside.connect_string());
    let shared = ZkServer::shared();
    assert_eq!(shared.addr(), outside.addr());
    assert!(shared.is_running());
    assert_eq!(shared.four_letter("ruok").unwrap(), "imok");
    assert_eq!(shared.pid(), None);
    // Asking for the address again gives the same handle.
    assert!(std::ptr::eq(shared, ZkServer::shared()));
    drop(outside);
    assert!(!shared.is_running(), "the external server is gone");
}
