//! Opening the ZooKeeper session a command needs, with messages that say what to check when
//! it cannot be opened.

use crate::args::show_duration;
use crate::settings::Settings;
use anyhow::anyhow;
use kazoo::Client;

/// Connects with the run's settings and waits for the session, at most the timeout.
pub async fn connect(s: &Settings) -> anyhow::Result<Client> {
    let mut builder = Client::builder(&s.hosts)
        .connect_timeout(s.timeout)
        .request_timeout(s.timeout)
        .session_timeout(s.session_timeout);
    if let Some(tls) = &s.tls {
        builder = builder.tls(tls.clone());
    }
    for cred in &s.auth {
        builder = builder.auth(&cred.scheme, cred.secret_bytes());
    }
    builder.connect().await.map_err(|e| match e {
        kazoo::Error::Timeout => anyhow!(
            "cannot connect to {} within {} (is ZooKeeper running there? try --timeout)",
            s.hosts,
            show_duration(s.timeout)
        ),
        kazoo::Error::AuthFailed => anyhow!("the server refused the credentials"),
        other => anyhow::Error::new(other).context(format!("cannot connect to {}", s.hosts)),
    })
}
