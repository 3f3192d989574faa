//! The kit's TLS and SASL servers come up and speak: the TLS four-letter word with and
//! without a client certificate, a SASL-configured server, a super digest.

use kazoo_testkit::{ClientAuth, SaslUsers, TestCa, ZkServer};

#[test]
fn tls_server_answers_four_letter_words_over_tls() {
    let ca = TestCa::generate().unwrap();
    let zk = ZkServer::builder()
        .tls(&ca, ClientAuth::Need)
        .start()
        .unwrap();
    let secure = zk.secure_addr().expect("a TLS port");
    assert_ne!(secure, zk.addr());
    assert_eq!(zk.four_letter_tls("ruok", &ca).unwrap(), "imok");
    assert!(zk
        .four_letter_tls("srvr", &ca)
        .unwrap()
        .contains("Mode: standalone"));
    // The plain port still serves plain four-letter words.
    assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
    // A client trusting another CA cannot talk to it.
    let stranger = TestCa::generate().unwrap();
    assert!(zk.four_letter_tls("ruok", &stranger).is_err());
}

#[test]
fn sasl_and_super_digest_servers_start() {
    let users = SaslUsers::new(&[("alice", "secret")]).unwrap();
    let zk = ZkServer::builder()
        .sasl(&users)
        .require_sasl()
        .super_digest("admin")
        .start()
        .unwrap();
    assert_eq!(zk.four_letter("ruok").unwrap(), "imok");
    // The JAAS file was read and enforcement is on, as the server's log says.
    let log = std::fs::read_to_string(zk.log_path()).unwrap();
    assert!(log.contains("Server successfully logged in"), "{log}");
    assert!(
        log.contains("zookeeper.enforce.auth.schemes = [sasl]"),
        "{log}"
    );
}
