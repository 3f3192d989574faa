//! Persistent watches (addWatch, 3.6+) and removing watches (removeWatches, 3.5+).

use crate::client::{Client, WatchSpec};
use crate::driver::{Command, Sink};
use crate::error::{Error, Result};
use crate::session::watches::WatchKind;
use crate::watch::{AddWatchMode, PersistentWatch};
use kazoo_proto::{AddWatchRequest, Request, WatcherType};
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

impl Client {
    /// Adds a persistent watch on `path` (ZooKeeper 3.6.0): a stream of every event until it
    /// is dropped or removed. It survives reconnects and ends with a terminal event when the
    /// session expires or the client closes. The node need not exist.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::AddWatchMode;
    /// let mut w = client.add_watch("/app", AddWatchMode::PersistentRecursive).await?;
    /// while let Some(ev) = w.recv().await { println!("{ev:?}"); }
    /// # Ok(()) }
    /// ```
    pub fn add_watch(
        &self,
        path: &str,
        mode: AddWatchMode,
    ) -> impl Future<Output = Result<PersistentWatch>> + Send + 'static {
        let user_path = path.to_owned();
        let prepared = self.server_path(path, false).and_then(|sp| {
            let tx = self.gate().ok_or(Error::Closed)?;
            Ok((sp, tx))
        });
        let call = prepared.map(|(sp, tx)| {
            let (etx, erx) = mpsc::unbounded_channel();
            let id = self.next_watcher_id();
            let call = self.call(
                Request::AddWatch(AddWatchRequest {
                    path: sp.clone(),
                    mode: mode.wire(),
                }),
                Some(WatchSpec {
                    kind: mode.kind(),
                    server_path: sp.clone(),
                    id,
                    sink: Sink::Stream(etx),
                }),
            );
            (call, erx, id, sp, std::sync::Arc::downgrade(&tx))
        });
        async move {
            let (call, erx, id, sp, weak) = call?;
            call.response(&user_path).await?;
            Ok(PersistentWatch::new(erx, id, mode, sp, user_path, weak))
        }
    }

    /// Removes this client's watches of `watcher_type` on `path` (ZooKeeper 3.5.0 for the
    /// server part). Local watchers receive a `DataWatchRemoved`, `ChildWatchRemoved` or
    /// `PersistentWatchRemoved` event. With `local`, only the client side is cleared (works
    /// while disconnected). Returns how many local watchers were removed; fails with
    /// [`Error::NoWatcher`] when there was none anywhere.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::WatcherType;
    /// client.remove_watches("/config", WatcherType::Any, false).await?;
    /// # Ok(()) }
    /// ```
    pub fn remove_watches(
        &self,
        path: &str,
        watcher_type: WatcherType,
        local: bool,
    ) -> impl Future<Output = Result<usize>> + Send + 'static {
        let user_path = path.to_owned();
        let kinds = match watcher_type {
            WatcherType::Data => vec![WatchKind::Data, WatchKind::Exist],
            WatcherType::Children => vec![WatchKind::Child],
            WatcherType::Any => WatchKind::ALL.to_vec(),
        };
        let rx = self.server_path(path, false).and_then(|server_path| {
            let (reply, rx) = oneshot::channel();
            self.send_ordered(Command::RemoveWatches {
                server_path,
                kinds,
                wire: watcher_type,
                local,
                reply,
            })?;
            Ok(rx)
        });
        async move {
            let n = rx?.await.map_err(|_| Error::Closed)?;
            match n {
                Ok(0) if local => Err(Error::NoWatcher { path: user_path }),
                Err(Error::NoWatcher { .. }) => Err(Error::NoWatcher { path: user_path }),
                other => other,
            }
        }
    }
}
