//! set (setData), delete, and kazoo's recursive delete.

use super::replies;
use crate::client::Client;
use crate::data::IntoData;
use crate::error::{Error, Result};
use bytes::BufMut;
use kazoo_proto::{OpCode, Stat};
use std::future::Future;

impl Client {
    /// Replaces the node's data; with `Some(version)` only if the node is at that version.
    /// Returns the new [`Stat`]. Errors: [`Error::NoNode`], [`Error::BadVersion`],
    /// [`Error::NoAuth`]. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let stat = client.set("/my/favorite", b"some data".to_vec(), None).await?;
    /// client.set("/my/favorite", b"next".to_vec(), Some(stat.version)).await?;
    /// # Ok(()) }
    /// ```
    pub fn set(
        &self,
        path: &str,
        data: impl IntoData,
        version: Option<i32>,
    ) -> impl Future<Output = Result<Stat>> + Send + 'static {
        let data = data.into_data();
        self.call_path(OpCode::SetData, path, false, 8 + data.len(), None, |f| {
            self.put_data(f, &data)?;
            f.put_i32(version.unwrap_or(-1));
            Ok(())
        })
        .finish(0, replies::stat)
    }

    /// Deletes the node; with `Some(version)` only if it is at that version. Errors:
    /// [`Error::NoNode`], [`Error::BadVersion`], [`Error::NotEmpty`], [`Error::NoAuth`].
    /// Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.delete("/my/favorite/node", None).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(
        &self,
        path: &str,
        version: Option<i32>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        self.call_path(OpCode::Delete, path, false, 4, None, |f| {
            f.put_i32(version.unwrap_or(-1));
            Ok(())
        })
        .finish(0, replies::nothing)
    }

    /// Deletes the node and everything below it (kazoo's `delete(recursive=True)`). A node
    /// that is already gone is not an error; nodes added concurrently are retried a few times,
    /// then [`Error::NotEmpty`] is returned. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.delete_recursive("/my/favorite").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_recursive(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let client = self.clone();
        let path = path.to_owned();
        let checked = self.server_path(&path, false);
        async move {
            checked?;
            let mut last = Ok(());
            for _ in 0..5 {
                last = client.delete_tree_once(&path).await;
                if !matches!(last, Err(Error::NotEmpty { .. })) {
                    break;
                }
            }
            last
        }
    }

    async fn delete_tree_once(&self, root: &str) -> Result<()> {
        // Breadth-first listing, each level pipelined; then deletes deepest first, pipelined:
        // the server applies them in the order they were sent.
        let mut order = vec![root.to_owned()];
        let mut level = vec![root.to_owned()];
        while !level.is_empty() {
            let calls: Vec<_> = level.iter().map(|p| self.get_children(p)).collect();
            let mut next = Vec::new();
            for (parent, call) in level.iter().zip(calls) {
                match call.await {
                    Ok(children) => {
                        for c in children {
                            next.push(kazoo_proto::path::join(parent, &c));
                        }
                    }
                    Err(Error::NoNode { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            order.extend(next.iter().cloned());
            level = next;
        }
        let deletes: Vec<_> = order.iter().rev().map(|p| self.delete(p, None)).collect();
        for d in deletes {
            match d.await {
                Ok(()) | Err(Error::NoNode { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
