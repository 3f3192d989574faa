//! exists, get (getData) and get_children (getChildren / getChildren2), each with a `_w`
//! variant that also leaves a one-shot watch.

use crate::client::{Client, WatchSpec};
use crate::driver::Sink;
use crate::error::{Error, Result};
use crate::session::watches::WatchKind;
use crate::watch::Watch;
use bytes::Bytes;
use kazoo_proto::{
    ExistsRequest, GetChildren2Request, GetChildrenRequest, GetDataRequest, Request, Response, Stat,
};
use std::future::Future;
use tokio::sync::oneshot;

fn unexpected(r: Response) -> Error {
    Error::Protocol(format!("unexpected reply {r:?}"))
}

impl Client {
    fn one_shot(&self, kind: WatchKind, path: &str) -> Result<(WatchSpec, Watch)> {
        let server_path = self.server_path(path, false)?;
        let (tx, rx) = oneshot::channel();
        let id = self.next_watcher_id();
        let forget = self
            .sender()
            .map(|cmd| (id, kind, server_path.clone(), cmd.downgrade()));
        Ok((
            WatchSpec {
                kind,
                server_path,
                id,
                sink: Sink::Once(tx),
            },
            Watch::new(rx, path.to_owned(), forget),
        ))
    }

    fn exists_inner(
        &self,
        path: &str,
        watch: bool,
    ) -> impl Future<Output = Result<(Option<Stat>, Option<Watch>)>> + Send + 'static {
        let user_path = path.to_owned();
        let (call, watch) = match self.prepare(path, watch, WatchKind::Data) {
            Ok((sp, spec, w)) => (
                Ok(self.call(
                    Request::Exists(ExistsRequest {
                        path: sp,
                        watch: spec.is_some(),
                    }),
                    spec,
                )),
                w,
            ),
            Err(e) => (Err(e), None),
        };
        async move {
            match call?.response(&user_path).await {
                Ok(Response::Stat(s)) => Ok((Some(s), watch)),
                Ok(other) => Err(unexpected(other)),
                Err(Error::NoNode { .. }) => Ok((None, watch)),
                Err(e) => Err(e),
            }
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
        let f = self.exists_inner(path, false);
        async move { f.await.map(|(s, _)| s) }
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
        let f = self.exists_inner(path, true);
        async move {
            let (s, w) = f.await?;
            w.map(|w| (s, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }

    fn get_inner(
        &self,
        path: &str,
        watch: bool,
    ) -> impl Future<Output = Result<(Bytes, Stat, Option<Watch>)>> + Send + 'static {
        let user_path = path.to_owned();
        let (call, w) = match self.prepare(path, watch, WatchKind::Data) {
            Ok((sp, spec, w)) => (
                Ok(self.call(
                    Request::GetData(GetDataRequest {
                        path: sp,
                        watch: spec.is_some(),
                    }),
                    spec,
                )),
                w,
            ),
            Err(e) => (Err(e), None),
        };
        async move {
            match call?.response(&user_path).await? {
                Response::GetData(r) => Ok((r.data, r.stat, w)),
                other => Err(unexpected(other)),
            }
        }
    }

    fn prepare(
        &self,
        path: &str,
        watch: bool,
        kind: WatchKind,
    ) -> Result<(String, Option<WatchSpec>, Option<Watch>)> {
        if watch {
            let (spec, w) = self.one_shot(kind, path)?;
            Ok((spec.server_path.clone(), Some(spec), Some(w)))
        } else {
            Ok((self.server_path(path, false)?, None, None))
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
        let f = self.get_inner(path, false);
        async move { f.await.map(|(d, s, _)| (d, s)) }
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
        let f = self.get_inner(path, true);
        async move {
            let (d, s, w) = f.await?;
            w.map(|w| (d, s, w))
                .ok_or_else(|| Error::Protocol("watch missing".into()))
        }
    }

    fn children_inner(
        &self,
        path: &str,
        watch: bool,
        with_stat: bool,
    ) -> impl Future<Output = Result<(Vec<String>, Option<Stat>, Option<Watch>)>> + Send + 'static
    {
        let user_path = path.to_owned();
        let (call, w) = match self.prepare(path, watch, WatchKind::Child) {
            Ok((sp, spec, w)) => {
                let watch = spec.is_some();
                let req = if with_stat {
                    Request::GetChildren2(GetChildren2Request { path: sp, watch })
                } else {
                    Request::GetChildren(GetChildrenRequest { path: sp, watch })
                };
                (Ok(self.call(req, spec)), w)
            }
            Err(e) => (Err(e), None),
        };
        async move {
            match call?.response(&user_path).await? {
                Response::GetChildren(r) => Ok((r.children, None, w)),
                Response::GetChildren2(r) => Ok((r.children, Some(r.stat), w)),
                other => Err(unexpected(other)),
            }
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
        let f = self.children_inner(path, false, false);
        async move { f.await.map(|(c, _, _)| c) }
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
        let f = self.children_inner(path, true, false);
        async move {
            let (c, _, w) = f.await?;
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
        let f = self.children_inner(path, false, true);
        async move {
            let (c, s, _) = f.await?;
            s.map(|s| (c, s))
                .ok_or_else(|| Error::Protocol("stat missing".into()))
        }
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
        let f = self.children_inner(path, true, true);
        async move {
            match f.await? {
                (c, Some(s), Some(w)) => Ok((c, s, w)),
                _ => Err(Error::Protocol("stat or watch missing".into())),
            }
        }
    }
}
