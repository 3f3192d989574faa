//! zooky over TLS: flags and a profile's `tls` table against a real server's
//! `secureClientPort`, a wrong CA refused, a missing file a usage error.

mod common;

use common::{command, run};
use kazoo_testkit::{ClientAuth, TestCa, ZkServer};

#[test]
fn tls_flags_and_profile_reach_a_secure_port() {
    let ca = TestCa::generate().expect("test CA");
    let server = ZkServer::builder()
        .tls(&ca, ClientAuth::None)
        .start()
        .expect("TLS server");
    let secure = server.secure_addr().expect("secure port").to_string();
    let ca_path = ca.ca_cert_path();
    let ca_arg = ca_path.to_str().unwrap();

    // Flags.
    let out = run(&mut command(&[
        "--hosts",
        &secure,
        "--tls-ca",
        ca_arg,
        "create",
        "/zooky-tls",
        "over-tls",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(&mut command(&[
        "--hosts",
        &secure,
        "--tls-ca",
        ca_arg,
        "get",
        "/zooky-tls",
    ]));
    assert_eq!(out.ok(), "over-tls");

    // A profile's tls table.
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[profiles.secure]\nhosts = \"{secure}\"\ntimeout = \"10s\"\n\n[profiles.secure.tls]\nca = \"{ca_arg}\"\nverify_hostname = true\n"
        ),
    )
    .unwrap();
    let out =
        run(command(&["--profile", "secure", "get", "/zooky-tls"]).env("ZOOKY_CONFIG", &profiles));
    assert_eq!(out.ok(), "over-tls");

    // A CA that did not sign the server's certificate: refused, exit 1, a TLS message.
    let stranger = TestCa::generate().unwrap();
    let stranger_path = stranger.ca_cert_path();
    let out = run(&mut command(&[
        "--hosts",
        &secure,
        "--timeout",
        "10s",
        "--tls-ca",
        stranger_path.to_str().unwrap(),
        "stat",
        "/",
    ]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("certificate"), "{out:?}");

    // A CA file that does not exist: a usage error before any connection.
    let out = run(&mut command(&[
        "--hosts",
        &secure,
        "--tls-ca",
        "/nonexistent/ca.pem",
        "stat",
        "/",
    ]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("TLS"), "{out:?}");
}
