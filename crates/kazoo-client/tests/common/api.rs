//! One trait over the async and the blocking client, so that each scenario runs through both
//! APIs (the acceptance asks for every op and its documented errors through both). The async
//! side runs each call on a runtime of its own that keeps running between calls, as the
//! blocking client's does, so scenarios are plain synchronous code.
//!
//! `both_apis!(scenario, ...)` makes `async_api::scenario` and `blocking_api::scenario` tests.

use bytes::Bytes;
use kazoo_client::{
    blocking, Acl, AddWatchMode, Client, ClientBuilder, ClientInfo, CreateOptions, KazooState,
    OpResult, ReadOp, ReadResult, Result, SessionState, Stat, WatchedEvent, WatcherType,
};
use kazoo_testkit::{unique_path, ZkServer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// Which API a scenario goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Async,
    Blocking,
}

/// One op of a transaction.
#[derive(Debug, Clone)]
pub enum TxOp {
    Create(&'static str, &'static [u8], CreateOptions),
    Delete(&'static str, Option<i32>),
    SetData(&'static str, &'static [u8], Option<i32>),
    Check(&'static str, i32),
}

/// A pending one-shot watch.
pub trait OneShot {
    /// The event, or `None` when nothing came within `t`.
    fn wait(self: Box<Self>, t: Duration) -> Option<WatchedEvent>;
}

/// A persistent watch.
pub trait Events {
    /// `Some(Some(event))`, `Some(None)` once ended, `None` when nothing came within `t`.
    fn next(&mut self, t: Duration) -> Option<Option<WatchedEvent>>;
}

/// Every client call the scenarios make.
#[allow(clippy::type_complexity)]
pub trait Api {
    fn flavor(&self) -> Flavor;
    fn create(&self, path: &str, data: &[u8], opts: &CreateOptions) -> Result<String>;
    fn create_with_stat(
        &self,
        path: &str,
        data: &[u8],
        opts: &CreateOptions,
    ) -> Result<(String, Stat)>;
    fn ensure_path(&self, path: &str) -> Result<()>;
    fn ensure_path_with_acl(&self, path: &str, acl: Vec<Acl>) -> Result<()>;
    fn exists(&self, path: &str) -> Result<Option<Stat>>;
    fn get(&self, path: &str) -> Result<(Bytes, Stat)>;
    fn get_children(&self, path: &str) -> Result<Vec<String>>;
    fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)>;
    fn set(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<Stat>;
    fn delete(&self, path: &str, version: Option<i32>) -> Result<()>;
    fn delete_recursive(&self, path: &str) -> Result<()>;
    fn exists_w(&self, path: &str) -> Result<(Option<Stat>, Box<dyn OneShot>)>;
    fn get_w(&self, path: &str) -> Result<(Bytes, Stat, Box<dyn OneShot>)>;
    fn get_children_w(&self, path: &str) -> Result<(Vec<String>, Box<dyn OneShot>)>;
    fn get_children_with_stat_w(&self, path: &str)
        -> Result<(Vec<String>, Stat, Box<dyn OneShot>)>;
    fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<Box<dyn Events>>;
    fn remove_watches(&self, path: &str, kind: WatcherType, local: bool) -> Result<usize>;
    fn commit(&self, ops: &[TxOp]) -> Result<Vec<OpResult>>;
    fn commit_results(&self, ops: &[TxOp]) -> Result<Vec<OpResult>>;
    fn multi_read(&self, ops: Vec<ReadOp>) -> Result<Vec<ReadResult>>;
    fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)>;
    fn set_acls(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Result<Stat>;
    fn add_auth(&self, scheme: &str, credential: &str) -> Result<()>;
    fn who_am_i(&self) -> Result<Vec<ClientInfo>>;
    fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>>;
    fn get_all_children_number(&self, path: &str) -> Result<i32>;
    fn sync(&self, path: &str) -> Result<()>;
    fn get_config(&self) -> Result<(Bytes, Stat)>;
    fn reconfig(&self, leaving: &str) -> Result<(Bytes, Stat)>;
    fn server_version(&self) -> Result<(u32, u32, u32)>;
    fn command(&self, cmd: &str) -> Result<String>;
    fn session_id(&self) -> Option<i64>;
    fn connected(&self) -> bool;
    fn state(&self) -> (KazooState, SessionState);
    fn close(&self);
}

impl Flavor {
    /// Connects with `settings` through this API.
    pub fn connect(self, settings: ClientBuilder) -> Box<dyn Api> {
        match self {
            Flavor::Async => {
                let rt = Arc::new(
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(1)
                        .enable_all()
                        .build()
                        .expect("runtime"),
                );
                let zk = rt.block_on(settings.connect()).expect("connect");
                Box::new(AsyncApi { rt, zk })
            }
            Flavor::Blocking => Box::new(BlockingApi {
                zk: blocking::ClientBuilder::from(settings)
                    .connect()
                    .expect("connect"),
            }),
        }
    }
}

/// A client on the shared server, chrooted to a fresh unique path (created), and that path.
pub fn chrooted(f: Flavor, prefix: &str) -> (Box<dyn Api>, String) {
    super::init_tracing();
    let server = ZkServer::shared();
    let root = unique_path(prefix);
    let admin = blocking::Client::connect(&server.connect_string()).expect("connect");
    admin.ensure_path(&root).expect("ensure root");
    admin.close();
    let zk = f.connect(
        Client::builder(&format!("{}{}", server.connect_string(), root))
            .session_timeout(Duration::from_secs(6)),
    );
    (zk, root)
}

/// Polls `f` until true, at most `limit` (for server-side effects without an event).
pub fn eventually(limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(
            Instant::now() < deadline,
            "condition not met within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Makes `async_api::<scenario>` and `blocking_api::<scenario>` tests of scenarios taking a
/// [`Flavor`].
#[macro_export]
macro_rules! both_apis {
    ($($scenario:ident),* $(,)?) => {
        mod async_api {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario($crate::common::api::Flavor::Async)
                }
            )*
        }
        mod blocking_api {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario($crate::common::api::Flavor::Blocking)
                }
            )*
        }
    };
}

struct AsyncApi {
    rt: Arc<Runtime>,
    zk: Client,
}

struct AsyncWatch {
    rt: Arc<Runtime>,
    w: kazoo_client::Watch,
}

impl OneShot for AsyncWatch {
    fn wait(self: Box<Self>, t: Duration) -> Option<WatchedEvent> {
        let AsyncWatch { rt, w } = *self;
        rt.block_on(async { tokio::time::timeout(t, w).await.ok() })
    }
}

struct AsyncEvents {
    rt: Arc<Runtime>,
    w: kazoo_client::PersistentWatch,
}

impl Events for AsyncEvents {
    fn next(&mut self, t: Duration) -> Option<Option<WatchedEvent>> {
        let w = &mut self.w;
        self.rt
            .block_on(async { tokio::time::timeout(t, w.recv()).await.ok() })
    }
}

fn async_tx(zk: &Client, ops: &[TxOp]) -> kazoo_client::Transaction {
    let mut t = zk.transaction();
    for op in ops {
        match op {
            TxOp::Create(p, d, o) => t.create(p, *d, o),
            TxOp::Delete(p, v) => t.delete(p, *v),
            TxOp::SetData(p, d, v) => t.set_data(p, *d, *v),
            TxOp::Check(p, v) => t.check(p, *v),
        };
    }
    t
}

impl AsyncApi {
    fn run<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.block_on(f)
    }

    fn one_shot(&self, w: kazoo_client::Watch) -> Box<dyn OneShot> {
        Box::new(AsyncWatch {
            rt: self.rt.clone(),
            w,
        })
    }
}

impl Api for AsyncApi {
    fn flavor(&self) -> Flavor {
        Flavor::Async
    }
    fn create(&self, path: &str, data: &[u8], opts: &CreateOptions) -> Result<String> {
        self.run(self.zk.create(path, data, opts))
    }
    fn create_with_stat(
        &self,
        path: &str,
        data: &[u8],
        opts: &CreateOptions,
    ) -> Result<(String, Stat)> {
        self.run(self.zk.create_with_stat(path, data, opts))
    }
    fn ensure_path(&self, path: &str) -> Result<()> {
        self.run(self.zk.ensure_path(path))
    }
    fn ensure_path_with_acl(&self, path: &str, acl: Vec<Acl>) -> Result<()> {
        self.run(self.zk.ensure_path_with_acl(path, acl))
    }
    fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.run(self.zk.exists(path))
    }
    fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        self.run(self.zk.get(path))
    }
    fn get_children(&self, path: &str) -> Result<Vec<String>> {
        self.run(self.zk.get_children(path))
    }
    fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        self.run(self.zk.get_children_with_stat(path))
    }
    fn set(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<Stat> {
        self.run(self.zk.set(path, data, version))
    }
    fn delete(&self, path: &str, version: Option<i32>) -> Result<()> {
        self.run(self.zk.delete(path, version))
    }
    fn delete_recursive(&self, path: &str) -> Result<()> {
        self.run(self.zk.delete_recursive(path))
    }
    fn exists_w(&self, path: &str) -> Result<(Option<Stat>, Box<dyn OneShot>)> {
        let (s, w) = self.run(self.zk.exists_w(path))?;
        Ok((s, self.one_shot(w)))
    }
    fn get_w(&self, path: &str) -> Result<(Bytes, Stat, Box<dyn OneShot>)> {
        let (d, s, w) = self.run(self.zk.get_w(path))?;
        Ok((d, s, self.one_shot(w)))
    }
    fn get_children_w(&self, path: &str) -> Result<(Vec<String>, Box<dyn OneShot>)> {
        let (c, w) = self.run(self.zk.get_children_w(path))?;
        Ok((c, self.one_shot(w)))
    }
    fn get_children_with_stat_w(
        &self,
        path: &str,
    ) -> Result<(Vec<String>, Stat, Box<dyn OneShot>)> {
        let (c, s, w) = self.run(self.zk.get_children_with_stat_w(path))?;
        Ok((c, s, self.one_shot(w)))
    }
    fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<Box<dyn Events>> {
        let w = self.run(self.zk.add_watch(path, mode))?;
        Ok(Box::new(AsyncEvents {
            rt: self.rt.clone(),
            w,
        }))
    }
    fn remove_watches(&self, path: &str, kind: WatcherType, local: bool) -> Result<usize> {
        self.run(self.zk.remove_watches(path, kind, local))
    }
    fn commit(&self, ops: &[TxOp]) -> Result<Vec<OpResult>> {
        self.run(async_tx(&self.zk, ops).commit())
    }
    fn commit_results(&self, ops: &[TxOp]) -> Result<Vec<OpResult>> {
        self.run(async_tx(&self.zk, ops).commit_results())
    }
    fn multi_read(&self, ops: Vec<ReadOp>) -> Result<Vec<ReadResult>> {
        self.run(self.zk.multi_read(ops))
    }
    fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        self.run(self.zk.get_acls(path))
    }
    fn set_acls(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Result<Stat> {
        self.run(self.zk.set_acls(path, acl, version))
    }
    fn add_auth(&self, scheme: &str, credential: &str) -> Result<()> {
        self.run(self.zk.add_auth(scheme, credential))
    }
    fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        self.run(self.zk.who_am_i())
    }
    fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        self.run(self.zk.get_ephemerals(prefix))
    }
    fn get_all_children_number(&self, path: &str) -> Result<i32> {
        self.run(self.zk.get_all_children_number(path))
    }
    fn sync(&self, path: &str) -> Result<()> {
        self.run(self.zk.sync(path))
    }
    fn get_config(&self) -> Result<(Bytes, Stat)> {
        self.run(self.zk.get_config())
    }
    fn reconfig(&self, leaving: &str) -> Result<(Bytes, Stat)> {
        self.run(self.zk.reconfig(None, Some(leaving), None, None))
    }
    fn server_version(&self) -> Result<(u32, u32, u32)> {
        self.run(self.zk.server_version())
    }
    fn command(&self, cmd: &str) -> Result<String> {
        self.run(self.zk.command(cmd))
    }
    fn session_id(&self) -> Option<i64> {
        self.zk.session_id()
    }
    fn connected(&self) -> bool {
        self.zk.connected()
    }
    fn state(&self) -> (KazooState, SessionState) {
        (self.zk.state(), self.zk.keeper_state())
    }
    fn close(&self) {
        self.run(self.zk.close())
    }
}

struct BlockingApi {
    zk: blocking::Client,
}

impl OneShot for blocking::Watch {
    fn wait(self: Box<Self>, t: Duration) -> Option<WatchedEvent> {
        (*self).wait_timeout(t).ok()
    }
}

impl Events for blocking::PersistentWatch {
    fn next(&mut self, t: Duration) -> Option<Option<WatchedEvent>> {
        self.recv_timeout(t).ok()
    }
}

fn blocking_tx(zk: &blocking::Client, ops: &[TxOp]) -> blocking::Transaction {
    let mut t = zk.transaction();
    for op in ops {
        match op {
            TxOp::Create(p, d, o) => t.create(p, *d, o),
            TxOp::Delete(p, v) => t.delete(p, *v),
            TxOp::SetData(p, d, v) => t.set_data(p, *d, *v),
            TxOp::Check(p, v) => t.check(p, *v),
        };
    }
    t
}

impl Api for BlockingApi {
    fn flavor(&self) -> Flavor {
        Flavor::Blocking
    }
    fn create(&self, path: &str, data: &[u8], opts: &CreateOptions) -> Result<String> {
        self.zk.create(path, data, opts)
    }
    fn create_with_stat(
        &self,
        path: &str,
        data: &[u8],
        opts: &CreateOptions,
    ) -> Result<(String, Stat)> {
        self.zk.create_with_stat(path, data, opts)
    }
    fn ensure_path(&self, path: &str) -> Result<()> {
        self.zk.ensure_path(path)
    }
    fn ensure_path_with_acl(&self, path: &str, acl: Vec<Acl>) -> Result<()> {
        self.zk.ensure_path_with_acl(path, acl)
    }
    fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.zk.exists(path)
    }
    fn get(&self, path: &str) -> Result<(Bytes, Stat)> {
        self.zk.get(path)
    }
    fn get_children(&self, path: &str) -> Result<Vec<String>> {
        self.zk.get_children(path)
    }
    fn get_children_with_stat(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        self.zk.get_children_with_stat(path)
    }
    fn set(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<Stat> {
        self.zk.set(path, data, version)
    }
    fn delete(&self, path: &str, version: Option<i32>) -> Result<()> {
        self.zk.delete(path, version)
    }
    fn delete_recursive(&self, path: &str) -> Result<()> {
        self.zk.delete_recursive(path)
    }
    fn exists_w(&self, path: &str) -> Result<(Option<Stat>, Box<dyn OneShot>)> {
        let (s, w) = self.zk.exists_w(path)?;
        Ok((s, Box::new(w)))
    }
    fn get_w(&self, path: &str) -> Result<(Bytes, Stat, Box<dyn OneShot>)> {
        let (d, s, w) = self.zk.get_w(path)?;
        Ok((d, s, Box::new(w)))
    }
    fn get_children_w(&self, path: &str) -> Result<(Vec<String>, Box<dyn OneShot>)> {
        let (c, w) = self.zk.get_children_w(path)?;
        Ok((c, Box::new(w)))
    }
    fn get_children_with_stat_w(
        &self,
        path: &str,
    ) -> Result<(Vec<String>, Stat, Box<dyn OneShot>)> {
        let (c, s, w) = self.zk.get_children_with_stat_w(path)?;
        Ok((c, s, Box::new(w)))
    }
    fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<Box<dyn Events>> {
        Ok(Box::new(self.zk.add_watch(path, mode)?))
    }
    fn remove_watches(&self, path: &str, kind: WatcherType, local: bool) -> Result<usize> {
        self.zk.remove_watches(path, kind, local)
    }
    fn commit(&self, ops: &[TxOp]) -> Result<Vec<OpResult>> {
        blocking_tx(&self.zk, ops).commit()
    }
    fn commit_results(&self, ops: &[TxOp]) -> Result<Vec<OpResult>> {
        blocking_tx(&self.zk, ops).commit_results()
    }
    fn multi_read(&self, ops: Vec<ReadOp>) -> Result<Vec<ReadResult>> {
        self.zk.multi_read(ops)
    }
    fn get_acls(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        self.zk.get_acls(path)
    }
    fn set_acls(&self, path: &str, acl: Vec<Acl>, version: Option<i32>) -> Result<Stat> {
        self.zk.set_acls(path, acl, version)
    }
    fn add_auth(&self, scheme: &str, credential: &str) -> Result<()> {
        self.zk.add_auth(scheme, credential)
    }
    fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        self.zk.who_am_i()
    }
    fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        self.zk.get_ephemerals(prefix)
    }
    fn get_all_children_number(&self, path: &str) -> Result<i32> {
        self.zk.get_all_children_number(path)
    }
    fn sync(&self, path: &str) -> Result<()> {
        self.zk.sync(path)
    }
    fn get_config(&self) -> Result<(Bytes, Stat)> {
        self.zk.get_config()
    }
    fn reconfig(&self, leaving: &str) -> Result<(Bytes, Stat)> {
        self.zk.reconfig(None, Some(leaving), None, None)
    }
    fn server_version(&self) -> Result<(u32, u32, u32)> {
        self.zk.server_version()
    }
    fn command(&self, cmd: &str) -> Result<String> {
        self.zk.command(cmd)
    }
    fn session_id(&self) -> Option<i64> {
        self.zk.session_id()
    }
    fn connected(&self) -> bool {
        self.zk.connected()
    }
    fn state(&self) -> (KazooState, SessionState) {
        (self.zk.state(), self.zk.keeper_state())
    }
    fn close(&self) {
        self.zk.close()
    }
}
