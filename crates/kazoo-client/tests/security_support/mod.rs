//! Helpers for the security tests: servers started off the runtime, TLS client settings for
//! a test CA, and waiting for states.
#![allow(dead_code)]

use kazoo_client::tls::TlsConfig;
use kazoo_client::{KazooState, SessionState, StateChange, StateListener};
use kazoo_testkit::TestCa;
use std::time::Duration;

/// Generous bound for anything a test waits on: two JVMs on two cores can be slow.
pub const T: Duration = Duration::from_secs(30);

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Runs a blocking test-kit call (starting or stopping JVMs) off the async runtime.
pub async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// TLS settings trusting `ca`, without a client certificate.
pub fn trust(ca: &TestCa) -> TlsConfig {
    TlsConfig::new().ca_file(ca.ca_cert_path())
}

/// TLS settings trusting `ca` and presenting its client certificate.
pub fn mutual(ca: &TestCa) -> TlsConfig {
    trust(ca).client_cert_files(ca.client_cert_path(), ca.client_key_path())
}

/// Waits for a state change matching `pred`.
pub async fn wait_state(l: &mut StateListener, pred: impl Fn(&StateChange) -> bool) -> StateChange {
    tokio::time::timeout(T, async {
        loop {
            match l.recv().await {
                Some(c) if pred(&c) => return c,
                Some(_) => {}
                None => panic!("state stream ended"),
            }
        }
    })
    .await
    .expect("state change in time")
}

/// Waits until the client is suspended and then connected again.
pub async fn wait_reconnected(l: &mut StateListener) {
    wait_state(l, |c| c.kazoo == KazooState::Suspended).await;
    wait_state(l, |c| c.session == SessionState::Connected).await;
}
