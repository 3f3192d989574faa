//! [`ClientBuilder`]: every connection setting, validated once, then `connect` or `build`.

use super::{Client, ClientConfig};
use crate::error::{Error, Result};
use crate::hosts::HostList;
use crate::sasl::SaslCredentials;
use crate::tls::TlsConfig;
use kazoo_proto::Acl;
use std::time::Duration;

/// Settings for a [`Client`]. Create one with [`Client::builder`].
///
/// ```no_run
/// # async fn f() -> kazoo_client::Result<()> {
/// use std::time::Duration;
/// let client = kazoo_client::Client::builder("127.0.0.1:2181,127.0.0.1:2182/app")
///     .session_timeout(Duration::from_secs(10))
///     .digest_auth("alice", "secret")
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    hosts: String,
    cfg: ClientConfig,
    tls: Option<TlsConfig>,
}

impl ClientBuilder {
    pub(crate) fn new(hosts: &str) -> ClientBuilder {
        ClientBuilder {
            hosts: hosts.to_owned(),
            cfg: ClientConfig::default(),
            tls: None,
        }
    }

    /// The session timeout to ask for (default 10 s, kazoo's). The server bounds it to
    /// `[2, 20] * tickTime` unless configured otherwise; see [`Client::negotiated_timeout`].
    pub fn session_timeout(mut self, t: Duration) -> Self {
        self.cfg.session_timeout = t;
        self
    }

    /// How long [`ClientBuilder::connect`] (and [`Client::start`] through `restart`) waits for
    /// the first connection (default 15 s, kazoo's `start()` default).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.cfg.connect_timeout = t;
        self
    }

    /// Fail a request with [`Error::Timeout`] when no reply arrived this long after the call,
    /// including time spent waiting for a connection. Default: no limit (a request waits for
    /// a reconnect; it still fails on connection loss while in flight, expiry and close).
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.cfg.request_timeout = Some(t);
        self
    }

    /// Allow connecting to servers in read-only mode (default false): a server cut off from
    /// its quorum (started with `-Dreadonlymode.enabled=true`) then serves reads, the state is
    /// [`crate::SessionState::ConnectedReadOnly`] (high-level `Connected`) and writes fail
    /// with [`Error::NotReadOnly`]. While connected read-only the client asks the other
    /// servers `isro` (after 100 ms, then doubling pauses up to 60 s) and moves to the first
    /// read-write one.
    ///
    /// Sessions: a read-only server (3.7+) only serves sessions it creates itself, and only
    /// when the servers run with `localSessionsEnabled=true`. A session it created moves to a
    /// read-write server as a new session, transparently (watches are re-registered). A
    /// session created on a read-write server is not resumed by a read-only one: if it is a
    /// local session the server reports it expired (`Lost`, then a fresh read-only session);
    /// if it is global (it has ephemeral nodes, or local sessions are off) the client stays
    /// `Suspended` until a read-write server resumes or expires it, unless
    /// [`ClientBuilder::read_only_fresh_session`] says otherwise. Details in
    /// [`crate::session::read_only`].
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::builder("10.0.0.1,10.0.0.2,10.0.0.3")
    ///     .read_only(true)
    ///     .connect()
    ///     .await?;
    /// let read_only = client.keeper_state() == kazoo_client::SessionState::ConnectedReadOnly;
    /// # Ok(()) }
    /// ```
    pub fn read_only(mut self, allow: bool) -> Self {
        self.cfg.read_only = allow;
        self
    }

    /// Opt-in (default false; implies [`ClientBuilder::read_only`]): when no server resumed
    /// the session for a whole session timeout, give it up (`Lost` / `ExpiredSession`,
    /// pending calls fail with [`Error::SessionExpired`], watchers get the expired event) and
    /// ask for a fresh session, which a read-only server can serve. For clients that would
    /// rather read from a minority partition than wait with their session; an ensemble that
    /// still has a quorum has expired that session by then anyway.
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::builder("10.0.0.1,10.0.0.2,10.0.0.3")
    ///     .read_only_fresh_session(true)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn read_only_fresh_session(mut self, yes: bool) -> Self {
        self.cfg.read_only_fresh_session = yes;
        if yes {
            self.cfg.read_only = true;
        }
        self
    }

    /// Credentials sent right after every (re)connection, before `Connected` is announced.
    pub fn auth(mut self, scheme: &str, credential: impl Into<Vec<u8>>) -> Self {
        self.cfg.auth.push((scheme.to_owned(), credential.into()));
        self
    }

    /// Digest credentials (`digest`, `user:password`).
    pub fn digest_auth(self, user: &str, password: &str) -> Self {
        self.auth("digest", format!("{user}:{password}").into_bytes())
    }

    /// Connects with TLS (to the servers' `secureClientPort`, ZooKeeper's Netty connection
    /// factory); four-letter words go over TLS too. The settings are loaded by
    /// [`ClientBuilder::build`], which reports unusable ones as [`Error::Tls`].
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// use kazoo_client::tls::TlsConfig;
    /// let client = kazoo_client::Client::builder("zk1.example.com:2281")
    ///     .tls(TlsConfig::new().ca_file("/etc/zookeeper/ca.pem"))
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Logs in with SASL on every connection, before anything else is sent and before
    /// `Connected` is announced; refused credentials end the session with
    /// [`Error::AuthFailed`].
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// use kazoo_client::sasl::SaslCredentials;
    /// let client = kazoo_client::Client::builder("127.0.0.1:2181")
    ///     .sasl(SaslCredentials::digest_md5("alice", "secret"))
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sasl(mut self, credentials: SaslCredentials) -> Self {
        self.cfg.sasl = Some(credentials);
        self
    }

    /// SASL DIGEST-MD5 with a user of the server's JAAS `Server` section (kazoo's
    /// `sasl_options={"mechanism": "DIGEST-MD5", ...}`); the session then carries the ACL id
    /// `sasl:<user>`.
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::builder("127.0.0.1:2181")
    ///     .sasl_digest("alice", "secret")
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn sasl_digest(self, user: &str, password: &str) -> Self {
        self.sasl(SaslCredentials::digest_md5(user, password))
    }

    /// The ACL given to created nodes when the call names none (default: open to anyone).
    pub fn default_acl(mut self, acl: Vec<Acl>) -> Self {
        self.cfg.default_acl = acl;
        self
    }

    /// Shuffle the hosts on every connection cycle (default true, kazoo's).
    pub fn randomize_hosts(mut self, yes: bool) -> Self {
        self.cfg.randomize_hosts = yes;
        self
    }

    /// Resume an existing session (kazoo's `client_id`).
    pub fn session(mut self, session_id: i64, password: Vec<u8>) -> Self {
        self.cfg.resume = Some((session_id, password));
        self
    }

    /// Largest request frame the client sends (default 1 MiB - 1, the server's default
    /// `jute.maxbuffer`); bigger requests fail with [`Error::TooLarge`] instead of making the
    /// server drop the connection.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.cfg.max_request_size = bytes;
        self
    }

    /// The most requests outstanding at once (default
    /// [`DEFAULT_MAX_IN_FLIGHT`](crate::DEFAULT_MAX_IN_FLIGHT), 10,000): handed to
    /// the I/O task and not answered yet, queued while disconnected included. Calls made
    /// beyond it neither block nor fail: they wait, in call order, until earlier requests are
    /// answered, so the server, the socket buffers and the I/O task never hold more. A call
    /// whose future is dropped (or whose [`ClientBuilder::request_timeout`] passes) while it
    /// waits is not sent. Zero is a configuration error.
    ///
    /// ```no_run
    /// # async fn f() -> kazoo_client::Result<()> {
    /// let client = kazoo_client::Client::builder("127.0.0.1:2181")
    ///     .max_in_flight(1_000)
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.cfg.max_in_flight = n;
        self
    }

    /// First pause after a full cycle of failed connection attempts, and its cap (defaults 50 ms
    /// and 2 s; doubled each failed cycle, with up to 50 % jitter).
    pub fn reconnect_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.cfg.backoff_initial = initial;
        self.cfg.backoff_max = max.max(initial);
        self
    }

    /// Builds a client without starting it; call [`Client::start`].
    pub fn build(mut self) -> Result<Client> {
        let hosts = HostList::parse(&self.hosts)?;
        if let Some(tls) = &self.tls {
            self.cfg.tls = Some(tls.connector().map_err(Error::Tls)?);
        }
        if self.cfg.max_in_flight == 0 {
            return Err(Error::Config("max_in_flight must be at least 1".into()));
        }
        if self.cfg.session_timeout.is_zero() {
            return Err(Error::Config("the session timeout must not be zero".into()));
        }
        Ok(Client::from_config(hosts, self.cfg))
    }

    /// Builds, starts and waits until connected (or the connect timeout passes: then the
    /// client is closed and [`Error::Timeout`] returned). Must run inside a tokio runtime.
    pub async fn connect(self) -> Result<Client> {
        let t = self.cfg.connect_timeout;
        let client = self.build()?;
        client.start(t).await?;
        Ok(client)
    }
}
