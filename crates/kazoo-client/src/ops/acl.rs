//! get_acls (getACL) and set_acls (setACL).

use crate::client::Client;
use crate::error::{Error, Result};
use kazoo_proto::{Acl, GetAclRequest, Request, Response, SetAclRequest, Stat};
use std::future::Future;

impl Client {
    /// The node's ACL and [`Stat`]. Errors: [`Error::NoNode`]. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (acl, stat) = client.get_acls("/secure").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_acls(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Vec<Acl>, Stat)>> + Send + 'static {
        let user_path = path.to_owned();
        let call = self
            .server_path(path, false)
            .map(|sp| self.call(Request::GetAcl(GetAclRequest { path: sp }), None));
        async move {
            match call?.response(&user_path).await? {
                Response::GetAcl(r) => Ok((r.acl, r.stat)),
                other => Err(Error::Protocol(format!("unexpected reply {other:?}"))),
            }
        }
    }

    /// Replaces the node's ACL; with `Some(version)` only if its ACL version (`aversion`)
    /// matches. Errors: [`Error::NoNode`], [`Error::BadVersion`], [`Error::InvalidAcl`],
    /// [`Error::NoAuth`]. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_proto::{Acl, Perms};
    /// client.set_acls("/secure", vec![Acl::digest("alice", "pw", Perms::ALL)], None).await?;
    /// # Ok(()) }
    /// ```
    pub fn set_acls(
        &self,
        path: &str,
        acl: Vec<Acl>,
        version: Option<i32>,
    ) -> impl Future<Output = Result<Stat>> + Send + 'static {
        let user_path = path.to_owned();
        let call = self.server_path(path, false).map(|sp| {
            self.call(
                Request::SetAcl(SetAclRequest {
                    path: sp,
                    acl,
                    version: version.unwrap_or(-1),
                }),
                None,
            )
        });
        async move {
            match call?.response(&user_path).await? {
                Response::Stat(s) => Ok(s),
                other => Err(Error::Protocol(format!("unexpected reply {other:?}"))),
            }
        }
    }
}
