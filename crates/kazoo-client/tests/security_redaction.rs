//! Credentials and key material never show in `Debug` output, errors or logs, even at trace
//! level, through a TLS + SASL + digest session with a reconnect and a failed login.

mod security_support;

use kazoo_client::sasl::SaslCredentials;
use kazoo_client::tls::TlsConfig;
use kazoo_client::{Client, CreateOptions, Error};
use kazoo_testkit::{ClientAuth, FaultProxy, SaslUsers, TestCa, ZkServer};
use security_support::{blocking, mutual, wait_reconnected, T};
use std::io::Write;
use std::sync::{Arc, Mutex};

const DIGEST_PASSWORD: &str = "digest-pw-9f3a1c";
const SASL_PASSWORD: &str = "sasl-pw-71be0d";
const WRONG_PASSWORD: &str = "wrong-pw-c0ffee";

/// The base64 body lines of a PEM private key: none may appear anywhere.
fn key_lines(ca: &TestCa) -> Vec<String> {
    std::fs::read_to_string(ca.client_key_path())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .map(str::to_owned)
        .collect()
}

fn assert_clean(text: &str, ca: &TestCa, what: &str) {
    for secret in [DIGEST_PASSWORD, SASL_PASSWORD, WRONG_PASSWORD] {
        assert!(!text.contains(secret), "{what} shows the password {secret}");
    }
    for line in key_lines(ca) {
        assert!(!text.contains(&line), "{what} shows private key material");
    }
    assert!(!text.contains("PRIVATE KEY"), "{what} shows a private key");
}

#[test]
fn debug_output_hides_passwords_and_keys() {
    let ca = TestCa::generate().unwrap();
    let key_pem = std::fs::read(ca.client_key_path()).unwrap();
    let tls = TlsConfig::new()
        .ca_pem(ca.ca_cert_pem().as_bytes().to_vec())
        .client_cert_pem(std::fs::read(ca.client_cert_path()).unwrap(), key_pem);
    let builder = Client::builder("127.0.0.1:2281")
        .digest_auth("alice", DIGEST_PASSWORD)
        .sasl_digest("bob", SASL_PASSWORD)
        .tls(tls.clone());
    let shown = format!(
        "{builder:?}\n{tls:?}\n{:?}\n{:#?}",
        SaslCredentials::digest_md5("bob", SASL_PASSWORD),
        builder.clone().build().unwrap()
    );
    assert_clean(&shown, &ca, "Debug output");
    // Not vacuous: the non-secret parts are there.
    assert!(shown.contains("bob"), "{shown}");
    assert!(shown.contains("digest"), "{shown}");
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

// A current-thread runtime, so that the I/O task logs on this thread, under the subscriber
// set here.
#[tokio::test]
async fn trace_logs_hide_passwords_and_keys() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ca = TestCa::generate().unwrap();
    let users = SaslUsers::new(&[("bob", SASL_PASSWORD)]).unwrap();
    let builder = ZkServer::builder().tls(&ca, ClientAuth::Need).sasl(&users);
    let server = blocking(move || builder.start()).await.unwrap();
    let proxy = FaultProxy::start(server.secure_addr().unwrap()).unwrap();

    let zk = Client::builder(&proxy.connect_string())
        .tls(mutual(&ca))
        .sasl_digest("bob", SASL_PASSWORD)
        .digest_auth("alice", DIGEST_PASSWORD)
        .connect_timeout(T)
        .connect()
        .await
        .unwrap();
    zk.add_auth("digest", format!("carol:{DIGEST_PASSWORD}"))
        .await
        .unwrap();
    zk.create("/n", b"v".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let mut states = zk.subscribe_state();
    proxy.cut();
    wait_reconnected(&mut states).await;
    zk.get("/n").await.unwrap();
    let failed = Client::builder(&proxy.connect_string())
        .tls(mutual(&ca))
        .sasl_digest("bob", WRONG_PASSWORD)
        .connect_timeout(T)
        .connect()
        .await
        .expect_err("wrong password");
    assert!(matches!(failed, Error::AuthFailed));
    assert_clean(&format!("{failed} {failed:?}"), &ca, "the error");
    zk.close().await;
    drop(_guard);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // Not vacuous: trace-level lines of the connection, the SASL login and the reconnect.
    assert!(logs.contains("TRACE"), "no trace output captured");
    assert!(logs.contains("SASL"), "no SASL log lines");
    assert!(
        logs.contains("connection lost") || logs.contains("resetting"),
        "no reconnect logged"
    );
    assert_clean(&logs, &ca, "the trace logs");
    blocking(move || drop(server)).await;
}
