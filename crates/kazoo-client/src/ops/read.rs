//! exists, get (getData) and get_children (getChildren / getChildren2), each with a `_w`
//! variant that also leaves a one-shot watch.

use super::replies;
use crate::client::{decode, Call, Client, ErrPath, WatchSpec};
use crate::driver::Sink;
use crate::error::{Error, Result};
use crate::session::watches::WatchKind;
use crate::session::RawReply;
use crate::watch::Watch;
use bytes::Bytes;
use kazoo_proto::{OpCode, Response, Stat};
use std::future::Future;

fn unexpected(r: Response) -> Error {
    Error::Protocol(format!("unexpected reply {r:?}"))
}

fn children(op: OpCode, raw: RawReply, path: &ErrPath, _: usize) -> Result<Vec<String>> {
    match decode(op, raw, path.as_str())? {
        Response::GetChildren(r) => Ok(r.children),
        other => Err(unexpected(other)),
    }
}

fn children_and_stat(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    _: usize,
) -> Result<(Vec<String>, Stat)> {
    match decode(op, raw, path.as_str())? {
        Response::GetChildren2(r) => Ok((r.children, r.stat)),
        other => Err(unexpected(other)),
    }
}

impl Client {
    fn one_shot(&self, kind: WatchKind, path: &str) -> Result<(WatchSpec, Watch)> {
        let server_path = self.server_path(path, false)?;
        let id = self.next_watcher_id();
        // Through the gate, like requests: a watch dropped before a later call on the same
        // path is forgotten (and removed from the server) before that call goes out.
        let gate = self
            .gate()
            .map(|g| std::sync::Arc::downgrade(&g))
            .unwrap_or_default();
        let (watch, tx) = Watch::new(server_path.clone(), self.chroot_len(), kind, id, gate);
        Ok((
            WatchSpec {
                kind,
                server_path,
                id,
                sink: Sink::Once(tx),
            },
            watch,
        ))
    }

    /// A path-only request (exists, getData, getChildren, getChildren2): the path and the
    /// watch flag, encoded straight from `path`.
    fn path_watch_call(&self, op: OpCode, path: &str, watch: Option<WatchSpec>) -> Call {
        let flag = u8::from(watch.is_some());
        self.call_path(op, path, false, 1, watch, |f| {
            f.push(flag);
            Ok(())
        })
    }

    /// The same with a one-shot watch of `kind`, and the watch's handle.
    fn watched_call(&self, op: OpCode, kind: WatchKind, path: &str) -> (Call, Option<Watch>) {
        match self.one_shot(kind, path) {
            Ok((spec, w)) => (self.path_watch_call(op, path, Some(spec)), Some(w)),
            Err(e) => (Call::failed(op, e), None),
        }
    }

    /// The node's [`Stat`], or `None` when it does not exist. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// if client.exists("/my/favorite").await?.is_some() { /* ... */ }
    /// # Ok(()) }
    /// ```
    pub fn exists(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Option<Stat>>> + Send + 'static {
        self.path_watch_call(OpCode::Exists, path, None)
            .finish(0, replies::stat_or_none)
    }

    /// [`Client::exists`], leaving a watch that fires on the node's creation, deletion or data
    /// change. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (stat, watch) = client.exists_w("/leader").await?;
    /// let event = watch.await;
    /// # Ok(()) }
    /// ```
    pub fn exists_w(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Option<Stat>, Watch)>> + Send + 'static {
        let (call, w) = self.watched_call(OpCode::Exists, WatchKind::Data, path);
        let f = call.finish(0, replies::stat_or_none);
        async move {
            let s = f.await?;
            w.map(|w| (s, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }

    /// The node's data and [`Stat`]. Errors: [`Error::NoNode`], [`Error::NoAuth`]. Any server
    /// version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (data, stat) = client.get("/my/favorite").await?;
    /// println!("version {}: {}", stat.version, String::from_utf8_lossy(&data));
    /// # Ok(()) }
    /// ```
    pub fn get(&self, path: &str) -> impl Future<Output = Result<(Bytes, Stat)>> + Send + 'static {
        self.path_watch_call(OpCode::GetData, path, None)
            .finish(0, replies::data_and_stat)
    }

    /// [`Client::get`], leaving a watch that fires on a data change or deletion. Any server
    /// version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (data, stat, watch) = client.get_w("/config").await?;
    /// let event = watch.await;
    /// # Ok(()) }
    /// ```
    pub fn get_w(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Bytes, Stat, Watch)>> + Send + 'static {
        let (call, w) = self.watched_call(OpCode::GetData, WatchKind::Data, path);
        let f = call.finish(0, replies::data_and_stat);
        async move {
            let (d, s) = f.await?;
            w.map(|w| (d, s, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }

    /// The names of the node's children, in no particular order. Errors: [`Error::NoNode`].
    /// Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let children = client.get_children("/my/favorite").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_children(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Vec<String>>> + Send + 'static {
        self.path_watch_call(OpCode::GetChildren, path, None)
            .finish(0, children)
    }

    /// [`Client::get_children`], leaving a watch that fires when a child is added or removed
    /// or the node is deleted. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (children, watch) = client.get_children_w("/workers").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_children_w(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Vec<String>, Watch)>> + Send + 'static {
        let (call, w) = self.watched_call(OpCode::GetChildren, WatchKind::Child, path);
        let f = call.finish(0, children);
        async move {
            let c = f.await?;
            w.map(|w| (c, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }

    /// The children and the node's [`Stat`] (getChildren2; kazoo's `include_data=True`).
    /// Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (children, stat) = client.get_children_with_stat("/workers").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_children_with_stat(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Vec<String>, Stat)>> + Send + 'static {
        self.path_watch_call(OpCode::GetChildren2, path, None)
            .finish(0, children_and_stat)
    }

    /// [`Client::get_children_with_stat`] with a child watch. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (children, stat, watch) = client.get_children_with_stat_w("/workers").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_children_with_stat_w(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Vec<String>, Stat, Watch)>> + Send + 'static {
        let (call, w) = self.watched_call(OpCode::GetChildren2, WatchKind::Child, path);
        let f = call.finish(0, children_and_stat);
        async move {
            let (c, s) = f.await?;
            w.map(|w| (c, s, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }
}
