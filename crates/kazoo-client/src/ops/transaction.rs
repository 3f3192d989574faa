//! Transactions (multi): several writes applied atomically, with per-op results and errors
//! that name the failing op.

use crate::client::{error_for, Client};
use crate::data::IntoData;
use crate::error::{Error, Result};
use crate::ops::create::CreateOptions;
use kazoo_proto::{ErrorCode, MultiOp, MultiRequest, MultiResult, OpCode, Request, Response, Stat};
use std::future::Future;

/// The outcome of one op of a committed transaction.
///
/// ```
/// use kazoo_client::OpResult;
/// let r = OpResult::Check;
/// assert!(r.error().is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OpResult {
    /// A node was created at this (chroot-relative) path.
    Create {
        /// The created path (with the sequence suffix for sequential nodes).
        path: String,
    },
    /// A node was deleted.
    Delete,
    /// Data was set; the node's new stat.
    SetData {
        /// The new stat.
        stat: Stat,
    },
    /// A version check passed.
    Check,
    /// The op failed, or was rolled back because another op failed
    /// ([`Error::RolledBack`] / [`Error::RuntimeInconsistency`]).
    Error(Error),
}

impl OpResult {
    /// The error of a failed op.
    pub fn error(&self) -> Option<&Error> {
        match self {
            OpResult::Error(e) => Some(e),
            _ => None,
        }
    }
}

/// A transaction being built (kazoo's `TransactionRequest`). Nothing is sent before
/// [`Transaction::commit`]. Requires ZooKeeper 3.4.
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_client::CreateOptions;
/// let mut t = client.transaction();
/// t.check("/node/a", 3);
/// t.create("/node/b", b"a value", &CreateOptions::new());
/// let results = t.commit().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Transaction {
    client: Client,
    ops: Vec<MultiOp>,
    paths: Vec<String>,
    invalid: Option<Error>,
}

impl Client {
    /// Starts a transaction. Requires ZooKeeper 3.4.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let mut t = client.transaction();
    /// t.delete("/a", None).set_data("/b", b"x", None);
    /// t.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn transaction(&self) -> Transaction {
        Transaction {
            client: self.clone(),
            ops: Vec::new(),
            paths: Vec::new(),
            invalid: None,
        }
    }
}

impl Transaction {
    fn push(&mut self, path: &str, sequential: bool, make: impl FnOnce(String) -> Result<MultiOp>) {
        let op = self.client.server_path(path, sequential).and_then(make);
        match op {
            Ok(op) => {
                self.ops.push(op);
                self.paths.push(path.to_owned());
            }
            Err(e) => {
                let index = self.ops.len() + usize::from(self.invalid.is_some());
                self.invalid.get_or_insert(Error::Transaction {
                    index,
                    error: Box::new(e),
                });
            }
        }
    }

    /// Adds a create (`makepath` is not available inside a transaction).
    pub fn create(&mut self, path: &str, data: impl IntoData, opts: &CreateOptions) -> &mut Self {
        let data = data.into_data();
        let default_acl = self.client.inner.default_acl.clone();
        let seq = opts.create_mode().is_sequential();
        self.push(path, seq, |sp| {
            Ok(match opts.request(sp, data, &default_acl, false)? {
                Request::Create(r) => MultiOp::Create(r),
                Request::Create2(r) => MultiOp::Create2(r),
                Request::CreateContainer(r) => MultiOp::CreateContainer(r),
                Request::CreateTtl(r) => MultiOp::CreateTtl(r),
                _ => return Err(Error::BadArguments),
            })
        });
        self
    }

    /// Adds a delete (`None`: any version).
    pub fn delete(&mut self, path: &str, version: Option<i32>) -> &mut Self {
        self.push(path, false, |sp| {
            Ok(MultiOp::delete(sp, version.unwrap_or(-1)))
        });
        self
    }

    /// Adds a set-data (`None`: any version).
    pub fn set_data(&mut self, path: &str, data: impl IntoData, version: Option<i32>) -> &mut Self {
        let data = data.into_data();
        self.push(path, false, |sp| {
            Ok(MultiOp::set_data(sp, data, version.unwrap_or(-1)))
        });
        self
    }

    /// Adds a version check: the transaction fails unless the node is at `version`.
    pub fn check(&mut self, path: &str, version: i32) -> &mut Self {
        self.push(path, false, |sp| Ok(MultiOp::check(sp, version)));
        self
    }

    /// The number of ops added.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when no op was added.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Sends the transaction (queued now, like every call) and returns one result per op.
    /// When it fails, the error is [`Error::Transaction`] naming the first failing op's index
    /// and its error.
    pub fn commit(self) -> impl Future<Output = Result<Vec<OpResult>>> + Send + 'static {
        let f = self.commit_results();
        async move {
            let results = f.await?;
            let failed = results.iter().enumerate().find_map(|(i, r)| match r {
                OpResult::Error(e)
                    if !matches!(e, Error::RolledBack | Error::RuntimeInconsistency) =>
                {
                    Some((i, e.clone()))
                }
                _ => None,
            });
            match failed {
                Some((index, error)) => Err(Error::Transaction {
                    index,
                    error: Box::new(error),
                }),
                None => Ok(results),
            }
        }
    }

    /// Like [`Transaction::commit`] but a failed transaction is not an error: every op's
    /// result is returned (the failing op's error, [`Error::RolledBack`] for the others). Only
    /// client-side failures (connection loss, closed...) are errors.
    pub fn commit_results(self) -> impl Future<Output = Result<Vec<OpResult>>> + Send + 'static {
        let client = self.client.clone();
        let paths = self.paths;
        let call = match self.invalid {
            Some(e) => Err(e),
            None => Ok(client.call(Request::Multi(MultiRequest { ops: self.ops }), None)),
        };
        async move {
            if paths.is_empty() && call.is_ok() {
                return Ok(Vec::new());
            }
            let raw = call?.raw().await?;
            let err = raw.err;
            let resp = match crate::client::decode(OpCode::Multi, raw, "") {
                Ok(r) => r,
                Err(e) if err != ErrorCode::Ok => return Err(e),
                Err(e) => return Err(e),
            };
            let Response::Multi(m) = resp else {
                return Err(Error::Protocol("unexpected reply to multi".into()));
            };
            Ok(m.results
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let path = paths.get(i).map(String::as_str).unwrap_or("");
                    convert(&client, r, path)
                })
                .collect())
        }
    }
}

fn convert(client: &Client, r: MultiResult, path: &str) -> OpResult {
    match r {
        MultiResult::Create(c) => OpResult::Create {
            path: client.client_path(&c.path),
        },
        MultiResult::Create2(c) => OpResult::Create {
            path: client.client_path(&c.path),
        },
        MultiResult::Delete => OpResult::Delete,
        MultiResult::SetData(s) => OpResult::SetData { stat: s.stat },
        MultiResult::Check => OpResult::Check,
        MultiResult::Error(ErrorCode::Ok) => OpResult::Error(Error::RolledBack),
        MultiResult::Error(code) => OpResult::Error(error_for(OpCode::Multi, code, path)),
        other => OpResult::Error(Error::Protocol(format!(
            "unexpected result in a transaction: {other:?}"
        ))),
    }
}
