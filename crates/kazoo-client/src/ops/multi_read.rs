//! multiRead (3.6+): several reads in one round trip, each succeeding or failing on its own.

use crate::client::{error_for, Client};
use crate::error::{Error, Result};
use bytes::Bytes;
use kazoo_proto::{
    GetChildrenRequest, GetDataRequest, MultiOp, MultiRequest, MultiResult, OpCode, Request,
    Response, Stat,
};
use std::future::Future;

/// One read of a [`Client::multi_read`].
///
/// ```
/// use kazoo_client::ReadOp;
/// let ops = vec![ReadOp::GetData("/a".into()), ReadOp::GetChildren("/b".into())];
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOp {
    /// Data and stat of the node.
    GetData(String),
    /// Children of the node.
    GetChildren(String),
}

/// The outcome of one [`ReadOp`].
///
/// ```
/// use kazoo_client::ReadResult;
/// let r = ReadResult::Children(vec!["a".into()]);
/// assert!(matches!(r, ReadResult::Children(_)));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReadResult {
    /// Data and stat.
    Data(Bytes, Stat),
    /// Child names.
    Children(Vec<String>),
    /// This read failed (the others are unaffected).
    Error(Error),
}

impl Client {
    /// Runs several reads in one request (multiRead, ZooKeeper 3.6.0); each result is
    /// independent. A server older than 3.6 gives [`Error::Unimplemented`].
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::ReadOp;
    /// let results = client.multi_read(vec![ReadOp::GetData("/a".into())]).await?;
    /// # Ok(()) }
    /// ```
    pub fn multi_read(
        &self,
        ops: Vec<ReadOp>,
    ) -> impl Future<Output = Result<Vec<ReadResult>>> + Send + 'static {
        let paths: Vec<String> = ops
            .iter()
            .map(|o| match o {
                ReadOp::GetData(p) | ReadOp::GetChildren(p) => p.clone(),
            })
            .collect();
        let built: Result<Vec<MultiOp>> = ops
            .into_iter()
            .map(|o| match o {
                ReadOp::GetData(p) => self.server_path(&p, false).map(|sp| {
                    MultiOp::GetData(GetDataRequest {
                        path: sp,
                        watch: false,
                    })
                }),
                ReadOp::GetChildren(p) => self.server_path(&p, false).map(|sp| {
                    MultiOp::GetChildren(GetChildrenRequest {
                        path: sp,
                        watch: false,
                    })
                }),
            })
            .collect();
        let call = built.map(|ops| self.call(Request::MultiRead(MultiRequest { ops }), None));
        async move {
            let raw = call?.raw().await?;
            let Response::Multi(m) = crate::client::decode(OpCode::MultiRead, raw, "")? else {
                return Err(Error::Protocol("unexpected reply to multiRead".into()));
            };
            Ok(m.results
                .into_iter()
                .enumerate()
                .map(|(i, r)| match r {
                    MultiResult::GetData(d) => ReadResult::Data(d.data, d.stat),
                    MultiResult::GetChildren(c) => ReadResult::Children(c.children),
                    MultiResult::Error(code) => ReadResult::Error(error_for(
                        OpCode::MultiRead,
                        code,
                        paths.get(i).map(String::as_str).unwrap_or(""),
                    )),
                    other => ReadResult::Error(Error::Protocol(format!(
                        "unexpected multiRead result {other:?}"
                    ))),
                })
                .collect())
        }
    }
}
