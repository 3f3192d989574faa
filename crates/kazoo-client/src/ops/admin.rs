//! Session and server administration: sync, add_auth, reconfig and the config node,
//! getEphemerals, getAllChildrenNumber, whoAmI, and the four-letter-word commands.

use crate::client::Client;
use crate::driver::Command;
use crate::error::{Error, Result};
use crate::hosts::HostList;
use crate::tls::{open_transport, tls_error_of, TlsConnector};
use bytes::Bytes;
use kazoo_proto::{
    ClientInfo, GetAllChildrenNumberRequest, GetDataRequest, GetEphemeralsRequest, ReconfigRequest,
    Request, Response, Stat, SyncRequest,
};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The znode holding the dynamic configuration (never chrooted).
const CONFIG_NODE: &str = "/zookeeper/config";

/// Sends a four-letter word on its own connection (TLS when the client uses TLS) and returns
/// the answer (servers from 3.5 answer only the words listed in `4lw.commands.whitelist`).
pub(crate) async fn four_letter(
    addr: SocketAddr,
    cmd: &str,
    limit: Duration,
    tls: Option<&TlsConnector>,
    hosts: &HostList,
) -> Result<String> {
    let run = async {
        let mut s = open_transport(addr, tls, hosts).await?;
        s.write_all(cmd.as_bytes()).await?;
        s.flush().await?;
        let mut out = Vec::new();
        match s.read_to_end(&mut out).await {
            Ok(_) => {}
            // The server closes after answering, without a TLS close_notify.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && tls.is_some() => {}
            Err(e) => return Err(e),
        }
        Ok::<_, std::io::Error>(out)
    };
    match tokio::time::timeout(limit, run).await {
        Ok(Ok(out)) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(Error::Timeout),
    }
}

fn unexpected(r: Response) -> Error {
    Error::Protocol(format!("unexpected reply {r:?}"))
}

impl Client {
    /// Waits until the server this client is connected to has caught up with the leader for
    /// `path` (kazoo's `sync`). Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.sync("/config").await?;
    /// # Ok(()) }
    /// ```
    pub fn sync(&self, path: &str) -> impl Future<Output = Result<()>> + Send + 'static {
        let user_path = path.to_owned();
        let call = self
            .server_path(path, false)
            .map(|sp| self.call(Request::Sync(SyncRequest { path: sp }), None));
        async move {
            call?.response(&user_path).await?;
            Ok(())
        }
    }

    /// Adds credentials to the session (kazoo's `add_auth`); they are replayed on every
    /// reconnect. Fails with [`Error::AuthFailed`] (and the client stops) when the server
    /// refuses them. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.add_auth("digest", b"alice:secret").await?;
    /// # Ok(()) }
    /// ```
    pub fn add_auth(
        &self,
        scheme: &str,
        credential: impl Into<Vec<u8>>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let credential = credential.into();
        {
            let mut cfg = self.inner.cfg.lock().unwrap_or_else(|e| e.into_inner());
            let entry = (scheme.to_owned(), credential.clone());
            if !cfg.auth.contains(&entry) {
                cfg.auth.push(entry);
            }
        }
        let (reply, rx) = crate::reply::channel();
        // Ordered: requests called before this one go out without the new credentials.
        let sent = self.send_ordered(Command::AddAuth {
            scheme: scheme.to_owned(),
            credential,
            reply,
        });
        async move {
            sent?;
            rx.await?;
            Ok(())
        }
    }

    /// Reconfigures the ensemble (ZooKeeper 3.5.0, `reconfigEnabled=true`): incremental with
    /// `joining` / `leaving`, or a complete `new_members` list; `from_config` makes it
    /// conditional on the current config version. Returns the new config and its stat.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (config, _) = client.reconfig(None, Some("3"), None, None).await?;
    /// # Ok(()) }
    /// ```
    pub fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: Option<i64>,
    ) -> impl Future<Output = Result<(Bytes, Stat)>> + Send + 'static {
        let call = self.call(
            Request::Reconfig(ReconfigRequest {
                joining_servers: joining.map(str::to_owned),
                leaving_servers: leaving.map(str::to_owned),
                new_members: new_members.map(str::to_owned),
                cur_config_id: from_config.unwrap_or(-1),
            }),
            None,
        );
        async move {
            match call.response(CONFIG_NODE).await? {
                Response::GetData(r) => Ok((r.data, r.stat)),
                other => Err(unexpected(other)),
            }
        }
    }

    /// The ensemble's dynamic configuration (`/zookeeper/config`, 3.5.0), whatever the chroot.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (config, stat) = client.get_config().await?;
    /// # Ok(()) }
    /// ```
    pub fn get_config(&self) -> impl Future<Output = Result<(Bytes, Stat)>> + Send + 'static {
        let call = self.call(
            Request::GetData(GetDataRequest {
                path: CONFIG_NODE.to_owned(),
                watch: false,
            }),
            None,
        );
        async move {
            match call.response(CONFIG_NODE).await? {
                Response::GetData(r) => Ok((r.data, r.stat)),
                other => Err(unexpected(other)),
            }
        }
    }

    /// This session's ephemeral nodes whose path starts with `prefix` (chroot-relative in and
    /// out; ZooKeeper 3.6.0).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let mine = client.get_ephemerals("/").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_ephemerals(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>>> + Send + 'static {
        let client = self.clone();
        let user_path = prefix.to_owned();
        let call = if prefix.starts_with('/') {
            let sp = match self.chroot() {
                Some(root) => kazoo_proto::path::prepend_chroot(root, prefix),
                None => prefix.to_owned(),
            };
            Ok(self.call(
                Request::GetEphemerals(GetEphemeralsRequest { prefix_path: sp }),
                None,
            ))
        } else {
            Err(Error::InvalidPath {
                path: prefix.to_owned(),
                reason: "path must start with /".into(),
            })
        };
        async move {
            match call?.response(&user_path).await? {
                Response::GetEphemerals(r) => {
                    Ok(r.ephemerals.iter().map(|p| client.client_path(p)).collect())
                }
                other => Err(unexpected(other)),
            }
        }
    }

    /// The number of nodes below `path`, all levels (ZooKeeper 3.6.0).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let n = client.get_all_children_number("/app").await?;
    /// # Ok(()) }
    /// ```
    pub fn get_all_children_number(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<i32>> + Send + 'static {
        let user_path = path.to_owned();
        let call = self.server_path(path, false).map(|sp| {
            self.call(
                Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: sp }),
                None,
            )
        });
        async move {
            match call?.response(&user_path).await? {
                Response::GetAllChildrenNumber(r) => Ok(r.total_number),
                other => Err(unexpected(other)),
            }
        }
    }

    /// The identities the server associates with this session (ZooKeeper 3.7.0).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// for id in client.who_am_i().await? { println!("{}:{}", id.auth_scheme, id.user); }
    /// # Ok(()) }
    /// ```
    pub fn who_am_i(&self) -> impl Future<Output = Result<Vec<ClientInfo>>> + Send + 'static {
        let call = self.call(Request::WhoAmI, None);
        async move {
            match call.response("").await? {
                Response::WhoAmI(r) => Ok(r.client_info),
                other => Err(unexpected(other)),
            }
        }
    }

    /// Sends a four-letter word (`ruok`, `srvr`, `envi`, `mntr`...) to the server this client is
    /// connected to, on a separate connection, and returns the text answer (kazoo's
    /// `command`). Fails with [`Error::ConnectionLoss`] when not connected. Servers from 3.5
    /// answer only whitelisted words (`srvr` by default).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let stats = client.command("srvr").await?;
    /// # Ok(()) }
    /// ```
    pub async fn command(&self, cmd: &str) -> Result<String> {
        let addr = self.current_server().ok_or(Error::ConnectionLoss)?;
        let tls = self
            .inner
            .cfg
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tls
            .clone();
        let hosts = self
            .inner
            .hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        four_letter(addr, cmd, Duration::from_secs(10), tls.as_ref(), &hosts)
            .await
            .map_err(|e| match &e {
                Error::Io(io) => tls_error_of(io).map_or(e, Error::Tls),
                _ => e,
            })
    }

    /// The version of the connected server as `(major, minor, patch)` (kazoo's
    /// `server_version`), read from the `srvr` four-letter word.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// let (major, minor, _) = client.server_version().await?;
    /// # Ok(()) }
    /// ```
    pub async fn server_version(&self) -> Result<(u32, u32, u32)> {
        let text = self.command("srvr").await?;
        parse_version(&text)
            .ok_or_else(|| Error::Protocol(format!("no version in the srvr answer {text:?}")))
    }
}

/// Finds `3.8.0` in `Zookeeper version: 3.8.0-5a02a05..., built on ...`.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let line = text.lines().find(|l| l.contains("version"))?;
    let v = line.split(':').nth(1)?.trim();
    let v = v.split(['-', ',', ' ']).next()?;
    let mut it = v.split('.').map(|n| n.parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_srvr_version() {
        let t = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\nLatency min/avg/max: 0/0.0/0\n";
        assert_eq!(super::parse_version(t), Some((3, 8, 0)));
        assert_eq!(super::parse_version("garbage"), None);
    }
}
