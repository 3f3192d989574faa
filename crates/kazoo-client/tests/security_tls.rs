//! TLS against real servers serving a `secureClientPort` through Netty, with certificates from
//! the test kit's throwaway CA: CRUD and watches over TLS, a wrong CA refused with a
//! certificate error, mutual TLS, hostname checks and the TLS four-letter word.

mod security_support;

use bytes::Bytes;
use kazoo_client::tls::{TlsConfig, TlsError};
use kazoo_client::{Client, CreateOptions, Error, EventType};
use kazoo_testkit::{ClientAuth, TestCa, ZkServer};
use security_support::{blocking, init_tracing, mutual, trust, T};
use std::time::Duration;

/// How long a refused connect may keep trying before it must report the TLS error. The JVM's
/// first handshake can take seconds on a loaded 2-core machine; a shorter window made the
/// refusal show up as a plain connect timeout.
const REFUSAL_WINDOW: Duration = Duration::from_secs(10);

async fn tls_server(client_auth: ClientAuth) -> (ZkServer, TestCa) {
    init_tracing();
    let ca = TestCa::generate().expect("test CA");
    let builder = ZkServer::builder().tls(&ca, client_auth);
    let server = blocking(move || builder.start()).await.expect("TLS server");
    (server, ca)
}

fn secure(server: &ZkServer) -> String {
    server.secure_addr().expect("a TLS port").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_and_watches_over_tls() {
    let (server, ca) = tls_server(ClientAuth::None).await;
    let zk = Client::builder(&secure(&server))
        .tls(trust(&ca))
        .connect_timeout(T)
        .connect()
        .await
        .expect("TLS connect");
    assert_eq!(zk.current_server(), server.secure_addr());

    zk.create("/t", b"v1".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    let (data, stat) = zk.get("/t").await.unwrap();
    assert_eq!(data.as_ref(), b"v1");
    let (_, _, watch) = zk.get_w("/t").await.unwrap();
    zk.set("/t", b"v2".to_vec(), Some(stat.version))
        .await
        .unwrap();
    let event = tokio::time::timeout(T, watch).await.expect("watch fired");
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    assert_eq!(zk.get("/t").await.unwrap().0.as_ref(), b"v2");
    zk.create("/t/c", Bytes::new(), &CreateOptions::new())
        .await
        .unwrap();
    assert_eq!(zk.get_children("/t").await.unwrap(), vec!["c".to_owned()]);
    zk.delete_recursive("/t").await.unwrap();
    assert!(zk.exists("/t").await.unwrap().is_none());

    // The client's own four-letter word goes over TLS too, as does the kit's.
    assert_eq!(zk.command("ruok").await.unwrap(), "imok");
    let srvr = blocking(move || {
        let r = server.four_letter_tls("srvr", &ca);
        drop(server);
        r
    })
    .await
    .unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_is_refused_with_a_certificate_error() {
    let (server, _ca) = tls_server(ClientAuth::None).await;
    let stranger = TestCa::generate().unwrap();
    let err = Client::builder(&secure(&server))
        .tls(trust(&stranger))
        .connect_timeout(REFUSAL_WINDOW)
        .connect()
        .await
        .expect_err("a server signed by another CA must be refused");
    match &err {
        Error::Tls(tls) => {
            assert!(tls.is_certificate_error(), "{tls:?}");
            let text = err.to_string();
            assert!(text.contains("certificate verification failed"), "{text}");
            assert!(text.contains("not signed by a trusted CA"), "{text}");
        }
        other => panic!("expected a TLS certificate error, got {other:?}"),
    }

    // Turning verification off accepts any certificate (encrypted, unauthenticated).
    let zk = Client::builder(&secure(&server))
        .tls(TlsConfig::new().verify_certs(false))
        .connect_timeout(T)
        .connect()
        .await
        .expect("unverified TLS connect");
    zk.exists("/").await.unwrap();
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_when_the_server_demands_a_client_certificate() {
    let (server, ca) = tls_server(ClientAuth::Need).await;
    let err = Client::builder(&secure(&server))
        .tls(trust(&ca))
        .connect_timeout(REFUSAL_WINDOW)
        .connect()
        .await
        .expect_err("no client certificate: refused");
    assert!(
        matches!(
            err,
            Error::Tls(TlsError::Handshake(_)) | Error::Tls(TlsError::Io(_))
        ),
        "{err:?}"
    );

    let zk = Client::builder(&secure(&server))
        .tls(mutual(&ca))
        .connect_timeout(T)
        .connect()
        .await
        .expect("mutual TLS connect");
    zk.create("/m", b"x".to_vec(), &CreateOptions::new())
        .await
        .unwrap();
    // The server knows us by our certificate.
    let who = zk.who_am_i().await.unwrap();
    assert!(
        who.iter()
            .any(|c| c.auth_scheme == "x509" && c.user.contains("CN=kazoo-test-client")),
        "{who:?}"
    );
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_checks_follow_the_settings() {
    let (server, ca) = tls_server(ClientAuth::None).await;
    let port = server.secure_addr().unwrap().port();
    // The certificate names localhost and 127.0.0.1: both verify.
    for host in ["localhost", "127.0.0.1"] {
        let zk = Client::builder(&format!("{host}:{port}"))
            .tls(trust(&ca))
            .connect_timeout(T)
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        zk.close().await;
    }
    // Another name is refused...
    let err = Client::builder(&format!("127.0.0.1:{port}"))
        .tls(trust(&ca).server_name("zk.elsewhere.example"))
        .connect_timeout(REFUSAL_WINDOW)
        .connect()
        .await
        .expect_err("wrong name");
    assert!(
        matches!(&err, Error::Tls(t) if t.is_certificate_error() && t.to_string().contains("does not name")),
        "{err:?}"
    );
    // ...unless hostname verification is off (kazoo's default), the chain still checked.
    let zk = Client::builder(&format!("127.0.0.1:{port}"))
        .tls(
            trust(&ca)
                .server_name("zk.elsewhere.example")
                .verify_hostname(false),
        )
        .connect_timeout(T)
        .connect()
        .await
        .expect("hostname check off");
    zk.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_configuration_errors_surface_at_build() {
    let err = Client::builder("127.0.0.1:2281")
        .tls(TlsConfig::new().ca_file("/nonexistent/kazoo/ca.pem"))
        .build()
        .expect_err("missing CA file");
    assert!(
        matches!(&err, Error::Tls(TlsError::Config(m)) if m.contains("/nonexistent/kazoo/ca.pem")),
        "{err:?}"
    );
}
