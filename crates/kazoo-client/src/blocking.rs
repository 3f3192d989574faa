//! The blocking client: a thin wrapper over the async [`crate::Client`] with its own tokio
//! runtime, kept running between calls so that pings keep flowing while the caller does
//! something else. No second I/O stack: every method blocks on the async one.
//!
//! Do not call these methods from inside an async runtime (tokio forbids blocking a worker
//! thread on another runtime); use the async client there.
//!
//! ```no_run
//! use kazoo_client::blocking::Client;
//! use kazoo_client::CreateOptions;
//! let zk = Client::connect("127.0.0.1:2181")?;
//! zk.ensure_path("/my/favorite")?;
//! zk.create("/my/favorite/node", b"a value".to_vec(), &CreateOptions::new())?;
//! let (data, stat) = zk.get("/my/favorite/node")?;
//! zk.close();
//! # Ok::<(), kazoo_client::Error>(())
//! ```

use crate::data::IntoData;
use crate::error::{Error, Result};
use crate::{
    Acl, AddWatchMode, ClientInfo, CreateOptions, KazooState, OpResult, ReadOp, ReadResult,
    RetryPolicy, SessionState, Stat, StateChange, WatchedEvent, WatcherType,
};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// A blocking ZooKeeper client (cheap to clone; clones share the session and the runtime).
#[derive(Debug, Clone)]
pub struct Client {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::Client,
}

/// Settings for a blocking [`Client`]; the same as [`crate::ClientBuilder`].
///
/// ```no_run
/// use std::time::Duration;
/// let zk = kazoo_client::blocking::Client::builder("127.0.0.1:2181")
///     .session_timeout(Duration::from_secs(10))
///     .connect()?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

macro_rules! forward {
    ($(#[$m:meta])* $name:ident($($arg:ident: $t:ty),*)) => {
        $(#[$m])*
        pub fn $name(self, $($arg: $t),*) -> Self {
            ClientBuilder { inner: self.inner.$name($($arg),*) }
        }
    };
}

impl ClientBuilder {
    forward!(
        /// See [`crate::ClientBuilder::session_timeout`].
        session_timeout(t: Duration)
    );
    forward!(
        /// See [`crate::ClientBuilder::connect_timeout`].
        connect_timeout(t: Duration)
    );
    forward!(
        /// See [`crate::ClientBuilder::request_timeout`].
        request_timeout(t: Duration)
    );
    forward!(
        /// See [`crate::ClientBuilder::max_in_flight`].
        max_in_flight(n: usize)
    );
    forward!(
        /// See [`crate::ClientBuilder::read_only`].
        read_only(allow: bool)
    );
    forward!(
        /// See [`crate::ClientBuilder::read_only_fresh_session`].
        read_only_fresh_session(yes: bool)
    );
    forward!(
        /// See [`crate::ClientBuilder::digest_auth`].
        digest_auth(user: &str, password: &str)
    );
    forward!(
        /// See [`crate::ClientBuilder::default_acl`].
        default_acl(acl: Vec<Acl>)
    );
    forward!(
        /// See [`crate::ClientBuilder::randomize_hosts`].
        randomize_hosts(yes: bool)
    );
    forward!(
        /// See [`crate::ClientBuilder::session`].
        session(session_id: i64, password: Vec<u8>)
    );

    forward!(
        /// See [`crate::ClientBuilder::tls`].
        tls(tls: crate::tls::TlsConfig)
    );
    forward!(
        /// See [`crate::ClientBuilder::sasl`].
        sasl(credentials: crate::sasl::SaslCredentials)
    );
    forward!(
        /// See [`crate::ClientBuilder::sasl_digest`].
        sasl_digest(user: &str, password: &str)
    );
    forward!(
        /// See [`crate::ClientBuilder::max_request_size`].
        max_request_size(bytes: usize)
    );
    forward!(
        /// See [`crate::ClientBuilder::reconnect_backoff`].
        reconnect_backoff(initial: Duration, max: Duration)
    );

    /// See [`crate::ClientBuilder::auth`].
    pub fn auth(self, scheme: &str, credential: impl Into<Vec<u8>>) -> Self {
        ClientBuilder {
            inner: self.inner.auth(scheme, credential),
        }
    }

    /// Builds without starting; call [`Client::start`].
    pub fn build(self) -> Result<Client> {
        let rt = runtime()?;
        let inner = self.inner.build()?;
        Ok(Client { rt, inner })
    }

    /// Builds, starts and waits until connected (or the connect timeout).
    pub fn connect(self) -> Result<Client> {
        let rt = runtime()?;
        let inner = rt.block_on(self.inner.connect())?;
        Ok(Client { rt, inner })
    }
}

/// The blocking builder with the settings of an async one (to share configuration code).
///
/// ```no_run
/// use std::time::Duration;
/// let settings = kazoo_client::Client::builder("127.0.0.1:2181").session_timeout(Duration::from_secs(5));
/// let zk = kazoo_client::blocking::ClientBuilder::from(settings).connect()?;
/// # Ok::<(), kazoo_client::Error>(())
/// ```
impl From<crate::ClientBuilder> for ClientBuilder {
    fn from(inner: crate::ClientBuilder) -> ClientBuilder {
        ClientBuilder { inner }
    }
}

fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    // One worker thread: the I/O task runs there continuously, independent of the caller.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kazoo-io")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(Error::from)
}

/// A blocking one-shot watch (see [`crate::Watch`]).
#[derive(Debug)]
pub struct Watch {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::Watch,
}

impl Watch {
    /// Blocks until the event (or a terminal event when the session ends).
    pub fn wait(self) -> WatchedEvent {
        self.rt.block_on(self.inner)
    }

    /// Blocks at most `t`; gives the watch back when nothing happened.
    pub fn wait_timeout(mut self, t: Duration) -> std::result::Result<WatchedEvent, Watch> {
        let rt = self.rt.clone();
        match rt.block_on(async { tokio::time::timeout(t, &mut self.inner).await }) {
            Ok(e) => Ok(e),
            Err(_) => Err(self),
        }
    }
}

/// A blocking persistent watch (see [`crate::PersistentWatch`]).
#[derive(Debug)]
pub struct PersistentWatch {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::PersistentWatch,
}

impl PersistentWatch {
    /// Blocks for the next event; `None` once the watch ended.
    pub fn recv(&mut self) -> Option<WatchedEvent> {
        self.rt.block_on(self.inner.recv())
    }

    /// Blocks at most `t`; `Err(())` when nothing arrived in time.
    #[allow(clippy::result_unit_err)]
    pub fn recv_timeout(&mut self, t: Duration) -> std::result::Result<Option<WatchedEvent>, ()> {
        let inner = &mut self.inner;
        self.rt
            .block_on(async { tokio::time::timeout(t, inner.recv()).await })
            .map_err(|_| ())
    }
}

/// A blocking state listener (see [`crate::StateListener`]).
#[derive(Debug)]
pub struct StateListener {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::StateListener,
}

impl StateListener {
    /// Blocks for the next transition; `None` once the client is gone.
    pub fn recv(&mut self) -> Option<StateChange> {
        self.rt.block_on(self.inner.recv())
    }

    /// Blocks at most `t` for the next transition.
    pub fn recv_timeout(&mut self, t: Duration) -> Option<StateChange> {
        let inner = &mut self.inner;
        self.rt
            .block_on(async { tokio::time::timeout(t, inner.recv()).await })
            .ok()
            .flatten()
    }
}

/// A blocking transaction (see [`crate::Transaction`]).
#[derive(Debug)]
pub struct Transaction {
    rt: Arc<tokio::runtime::Runtime>,
    inner: crate::Transaction,
}

impl Transaction {
    /// Adds a create.
    pub fn create(&mut self, path: &str, data: impl IntoData, opts: &CreateOptions) -> &mut Self {
        self.inner.create(path, data, opts);
        self
    }
    /// Adds a delete.
    pub fn delete(&mut self, path: &str, version: Option<i32>) -> &mut Self {
        self.inner.delete(path, version);
        self
    }
    /// Adds a set-data.
    pub fn set_data(&mut self, path: &str, data: impl IntoData, version: Option<i32>) -> &mut Self {
        self.inner.set_data(path, data, version);
        self
    }
    /// Adds a version check.
    pub fn check(&mut self, path: &str, version: i32) -> &mut Self {
        self.inner.check(path, version);
        self
    }
    /// See [`crate::Transaction::commit`].
    pub fn commit(self) -> Result<Vec<OpResult>> {
        self.rt.block_on(self.inner.commit())
    }
    /// See [`crate::Transaction::commit_results`].
    pub fn commit_results(self) -> Result<Vec<OpResult>> {
        self.rt.block_on(self.inner.commit_results())
    }
}

impl Client {
    /// Starts configuring a blocking client (see [`crate::Client::builder`]).
    pub fn builder(hosts: &str) -> ClientBuilder {
        ClientBuilder {
            inner: crate::Client::builder(hosts),
        }
    }

    /// Connects with default settings.
    pub fn connect(hosts: &str) -> Result<Client> {
        Client::builder(hosts).connect()
    }

    /// The async client underneath (for use from async code that shares this session).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// A handle to the runtime this client's I/O task runs on. Blocking wrappers of async code
    /// that uses [`Client::as_async`] (the recipes of `kazoo-recipes`, for instance) run their
    /// futures and background tasks there, so the session and its watchers keep working
    /// between blocking calls.
    ///
    /// ```no_run
    /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
    /// let async_zk = zk.as_async().clone();
    /// let stat = zk.runtime_handle().block_on(async move { async_zk.exists("/").await })?;
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn runtime_handle(&self) -> tokio::runtime::Handle {
        self.rt.handle().clone()
    }

    fn run<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.block_on(f)
    }

    /// See [`crate::Client::start`].
    pub fn start(&self, timeout: Duration) -> Result<()> {
        self.run(self.inner.start(timeout))
    }
    /// See [`crate::Client::close`].
    pub fn close(&self) {
        self.run(self.inner.close())
    }
    /// See [`crate::Client::stop`].
    pub fn stop(&self) {
        self.run(self.inner.stop())
    }
    /// See [`crate::Client::restart`].
    pub fn restart(&self) -> Result<()> {
        self.run(self.inner.restart())
    }
    /// See [`crate::Client::set_hosts`].
    pub fn set_hosts(&self, hosts: &str) -> Result<()> {
        self.inner.set_hosts(hosts)
    }
    /// See [`crate::Client::state`].
    pub fn state(&self) -> KazooState {
        self.inner.state()
    }
    /// See [`crate::Client::keeper_state`].
    pub fn keeper_state(&self) -> SessionState {
        self.inner.keeper_state()
    }
    /// See [`crate::Client::connected`].
    pub fn connected(&self) -> bool {
        self.inner.connected()
    }
    /// See [`crate::Client::session_id`].
    pub fn session_id(&self) -> Option<i64> {
        self.inner.session_id()
    }
    /// See [`crate::Client::session_password`].
    pub fn session_password(&self) -> Vec<u8> {
        self.inner.session_password()
    }
    /// See [`crate::Client::negotiated_timeout`].
    pub fn negotiated_timeout(&self) -> Option<Duration> {
        self.inner.negotiated_timeout()
    }
    /// See [`crate::Client::current_server`].
    pub fn current_server(&self) -> Option<std::net::SocketAddr> {
        self.inner.current_server()
    }
    /// See [`crate::Client::chroot`].
    pub fn chroot(&self) -> Option<&str> {
        self.inner.chroot()
    }
    /// See [`crate::Client::subscribe_state`].
    pub fn subscribe_state(&self) -> StateListener {
        StateListener {
            rt: self.rt.clone(),
            inner: self.inner.subscribe_state(),
        }
    }
    /// See [`crate::Client::wait_connected`].
    pub fn wait_connected(&self) -> Result<()> {
        self.run(self.inner.wait_connected())
    }
    /// Runs `f` under `policy` (kazoo's `client.retry`), blocking between tries.
    pub fn retry<T>(&self, policy: &RetryPolicy, f: impl FnMut() -> Result<T>) -> Result<T> {
        policy.run_blocking(f)
    }

    /// See [`crate::Client::create`].
    pub fn create(&self, path: &str, data: impl IntoData, opts: &CreateOptions) -> Result<String> {
        self.run(self.inner.create(path, data, opts))
    }
    /// See [`crate::Client::create_with_stat`].
    pub fn create_with_stat(
        &self,
        path: &str,
        data: impl IntoData,
        opts: &CreateOptions,
    ) -> Result<(String, Stat)> {
        self.run(self.inner.create_with_stat(path, data, opts))
    }
    /// See [`crate::Client::ensure_path`].
    pub fn ensure_path(&self, path: &str) -> Result<()> {
        self.run(self.inner.ensure_path(path))
    }
    /// See [`crate::Client::ensure_path_with_acl`].
    pub fn ensure_path_with_acl(&self, path: &str, acl: Vec<Acl>) -> Result<()> {
        self.run(self.inner.ensure_path_with_acl(path, acl))
    }
    /// See [`crate::Client::exists`].
    pub fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.run(self.inner.exists(path))
    }
    /// See [`crate::Client::exists_w`].
    pub fn exists_w(&self, path: &str) -> Result<(Option<Stat>, Watch)> {
        let (s, w) = self.run(self.inner.exists_w(path))?;
        Ok((s, self.watch(w)))
    }
    /// See [`crate::Client::get`].
    pub fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        self.run(self.inner.get(path))
    }
    /// See [`crate::Client::get_w`].
    pub fn get_w(&self, path: &str) -> Result<(Bytes, Stat, Watch)> {
        let (d, s, w) = self.run(self.inner.get_w(path))?;
        Ok((d, s, self.watch(w)))
    }
    /// See [`crate::Client::get_children`].
    pub fn get_children(&self, path: &str) -> Result<Vec<String>> {
        self.run(self.inner.get_children(path))
    }
    /// See [`crate::Client::get_children_w`].
    pub fn get_children_w(&self, path: &str) -> Result<(Vec<String>, Watch)> {
        let (c, w) = self.run(self.inner.get_children_w(path))?;
        Ok((c, self.watch(w)))
    }
    /// See [`crate::Client::get_children_with_stat`].
    pub fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        self.run(self.inner.get_children_with_stat(path))
    }
    /// See [`crate::Client::get_children_with_stat_w`].
    pub fn get_children_with_stat_w(&self, path: &str) -> Result<(Vec<String>, Stat, Watch)> {
        let (c, s, w) = self.run(self.inner.get_children_with_stat_w(path))?;
        Ok((c, s, self.watch(w)))
    }
    /// See [`crate::Client::set`].
    pub fn set(&self, path: &str, data: impl IntoData, version: Option<i32>) -> Result<Stat> {
        self.run(self.inner.set(path, data, version))
    }
    /// See [`crate::Client::delete`].
    pub fn delete(&self, path: &str, version: Option<i32>) -> Result<()> {
        self.run(self.inner.delete(path, version))
    }
    /// See [`crate::Client::delete_recursive`].
    pub fn delete_recursive(&self, path: &str) -> Result<()> {
        self.run(self.inner.delete_recursive(path))
    }
    /// See [`crate::Client::get_acls`].
    pub fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        self.run(self.inner.get_acls(path))
    }
    /// See [`crate::Client::set_acls`].
    pub fn set_acls(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Result<Stat> {
        self.run(self.inner.set_acls(path, acl, version))
    }
    /// See [`crate::Client::sync`].
    pub fn sync(&self, path: &str) -> Result<()> {
        self.run(self.inner.sync(path))
    }
    /// See [`crate::Client::transaction`].
    pub fn transaction(&self) -> Transaction {
        Transaction {
            rt: self.rt.clone(),
            inner: self.inner.transaction(),
        }
    }
    /// See [`crate::Client::multi_read`].
    pub fn multi_read(&self, ops: Vec<ReadOp>) -> Result<Vec<ReadResult>> {
        self.run(self.inner.multi_read(ops))
    }
    /// See [`crate::Client::add_auth`].
    pub fn add_auth(&self, scheme: &str, credential: impl Into<Vec<u8>>) -> Result<()> {
        self.run(self.inner.add_auth(scheme, credential))
    }
    /// See [`crate::Client::reconfig`].
    pub fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: Option<i64>,
    ) -> Result<(Bytes, Stat)> {
        self.run(
            self.inner
                .reconfig(joining, leaving, new_members, from_config),
        )
    }
    /// See [`crate::Client::get_config`].
    pub fn get_config(&self) -> Result<(Bytes, Stat)> {
        self.run(self.inner.get_config())
    }
    /// See [`crate::Client::get_ephemerals`].
    pub fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        self.run(self.inner.get_ephemerals(prefix))
    }
    /// See [`crate::Client::get_all_children_number`].
    pub fn get_all_children_number(&self, path: &str) -> Result<i32> {
        self.run(self.inner.get_all_children_number(path))
    }
    /// See [`crate::Client::who_am_i`].
    pub fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        self.run(self.inner.who_am_i())
    }
    /// See [`crate::Client::command`].
    pub fn command(&self, cmd: &str) -> Result<String> {
        self.run(self.inner.command(cmd))
    }
    /// See [`crate::Client::server_version`].
    pub fn server_version(&self) -> Result<(u32, u32, u32)> {
        self.run(self.inner.server_version())
    }
    /// See [`crate::Client::add_watch`].
    pub fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<PersistentWatch> {
        let inner = self.run(self.inner.add_watch(path, mode))?;
        Ok(PersistentWatch {
            rt: self.rt.clone(),
            inner,
        })
    }
    /// See [`crate::Client::remove_watches`].
    pub fn remove_watches(
        &self,
        path: &str,
        watcher_type: WatcherType,
        local: bool,
    ) -> Result<usize> {
        self.run(self.inner.remove_watches(path, watcher_type, local))
    }

    fn watch(&self, inner: crate::Watch) -> Watch {
        Watch {
            rt: self.rt.clone(),
            inner,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn runtime_handle_runs_futures_on_the_client_runtime() {
        let zk = super::Client::builder("127.0.0.1:1")
            .build()
            .expect("build");
        let name = zk.runtime_handle().block_on(async {
            tokio::spawn(async { std::thread::current().name().map(str::to_owned) })
                .await
                .expect("join")
        });
        assert_eq!(name.as_deref(), Some("kazoo-io"));
    }
}
