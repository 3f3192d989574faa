//! create (with every mode, TTLs, makepath, returning the stat when asked) and ensure_path.

use super::replies;
use crate::client::{Call, Client};
use crate::data::IntoData;
use crate::error::{Error, Result};
use bytes::{BufMut, Bytes};
use futures::future::Either;
use kazoo_proto::{
    Acl, CreateMode, CreateRequest, CreateTtlRequest, Encode, OpCode, Request, Response, Stat,
};
use std::future::Future;
use std::pin::Pin;

/// The general (makepath, TTL) create, boxed so the common create's future stays small.
type BoxedCreate<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;
use std::time::Duration;

/// How to create a node (kazoo's `create` keyword arguments).
///
/// ```
/// use kazoo_client::CreateOptions;
/// use std::time::Duration;
/// let opts = CreateOptions::new().ephemeral().sequential().makepath();
/// let ttl = CreateOptions::new().ttl(Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateOptions {
    mode: CreateMode,
    ephemeral: bool,
    sequential: bool,
    explicit_mode: bool,
    acl: Option<Vec<Acl>>,
    makepath: bool,
    ttl: Option<Duration>,
}

impl CreateOptions {
    /// A persistent node with the client's default ACL.
    pub fn new() -> CreateOptions {
        CreateOptions::default()
    }
    /// Ephemeral: removed when this session ends.
    pub fn ephemeral(mut self) -> Self {
        self.ephemeral = true;
        self
    }
    /// Sequential: the server appends a 10-digit counter to the name.
    pub fn sequential(mut self) -> Self {
        self.sequential = true;
        self
    }
    /// An explicit mode (overrides `ephemeral` / `sequential`), e.g. [`CreateMode::Container`].
    pub fn mode(mut self, mode: CreateMode) -> Self {
        self.mode = mode;
        self.explicit_mode = true;
        self
    }
    /// The node's ACL (default: the client's default ACL).
    pub fn acl(mut self, acl: Vec<Acl>) -> Self {
        self.acl = Some(acl);
        self
    }
    /// Create missing parents (persistent, empty, same ACL).
    pub fn makepath(mut self) -> Self {
        self.makepath = true;
        self
    }
    /// A time to live (3.5.3+, server needs `extendedTypesEnabled=true`): the node becomes a
    /// TTL node, removed once it had no children and no change for this long.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The create mode these options describe.
    pub fn create_mode(&self) -> CreateMode {
        let base = if self.explicit_mode {
            self.mode
        } else {
            CreateMode::from_flags(self.ephemeral, self.sequential)
        };
        match (self.ttl, base) {
            (Some(_), CreateMode::Persistent) => CreateMode::PersistentWithTtl,
            (Some(_), CreateMode::PersistentSequential) => CreateMode::PersistentSequentialWithTtl,
            (_, m) => m,
        }
    }

    pub(crate) fn is_makepath(&self) -> bool {
        self.makepath
    }

    pub(crate) fn acl_or<'a>(&'a self, default: &'a [Acl]) -> &'a [Acl] {
        self.acl.as_deref().unwrap_or(default)
    }

    /// Builds the wire request for `server_path`; `with_stat` asks for create2.
    pub(crate) fn request(
        &self,
        server_path: String,
        data: Bytes,
        default_acl: &[Acl],
        with_stat: bool,
    ) -> Result<Request> {
        let mode = self.create_mode();
        let acl = self.acl_or(default_acl).to_vec();
        if mode.is_ttl() {
            let ttl = self.ttl.ok_or_else(|| {
                Error::Config("a TTL create mode needs CreateOptions::ttl".into())
            })?;
            let ttl_ms = ttl.as_millis();
            if ttl_ms == 0 || ttl_ms > 0xff_ffff_ffff {
                return Err(Error::Config(format!("TTL {ttl:?} out of range")));
            }
            return Ok(Request::CreateTtl(CreateTtlRequest {
                path: server_path,
                data,
                acl,
                mode,
                ttl: ttl_ms as i64,
            }));
        }
        if self.ttl.is_some() {
            return Err(Error::Config(format!(
                "a TTL cannot be given to {mode:?} nodes"
            )));
        }
        let req = CreateRequest {
            path: server_path,
            data,
            acl,
            mode,
        };
        Ok(if mode == CreateMode::Container {
            Request::CreateContainer(req)
        } else if with_stat {
            Request::Create2(req)
        } else {
            Request::Create(req)
        })
    }
}

impl Client {
    /// Creates a node and returns its path (with the sequence suffix for sequential nodes),
    /// chroot-relative. Errors: [`Error::NodeExists`], [`Error::NoNode`] (parent missing, unless
    /// `makepath`), [`Error::NoChildrenForEphemerals`], [`Error::NoAuth`], [`Error::InvalidAcl`].
    /// Any server version (containers and TTLs: 3.5.3).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::CreateOptions;
    /// let path = client.create("/jobs/job-", b"payload", &CreateOptions::new().sequential().makepath()).await?;
    /// # Ok(()) }
    /// ```
    pub fn create(
        &self,
        path: &str,
        data: impl IntoData,
        opts: &CreateOptions,
    ) -> impl Future<Output = Result<String>> + Send + 'static {
        let data = data.into_data();
        match self.create_call(path, &data, opts, false) {
            Some(call) => Either::Left(call.finish(self.chroot_len(), replies::created)),
            None => {
                let fut = self.create_inner(path, data, opts, false);
                Either::Right(Box::pin(async move { fut.await.map(|(p, _)| p) }) as BoxedCreate<_>)
            }
        }
    }

    /// Like [`Client::create`], also returning the new node's [`Stat`] (create2; 3.5.0).
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// use kazoo_client::CreateOptions;
    /// let (path, stat) = client.create_with_stat("/a", b"x", &CreateOptions::new()).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_with_stat(
        &self,
        path: &str,
        data: impl IntoData,
        opts: &CreateOptions,
    ) -> impl Future<Output = Result<(String, Stat)>> + Send + 'static {
        let data = data.into_data();
        match self.create_call(path, &data, opts, true) {
            Some(call) => Either::Left(call.finish(self.chroot_len(), replies::created_with_stat)),
            None => {
                let fut = self.create_inner(path, data, opts, true);
                Either::Right(Box::pin(async move {
                    let (p, s) = fut.await?;
                    s.map(|s| (p, s))
                        .ok_or_else(|| Error::Protocol("create2 reply without a stat".into()))
                }) as BoxedCreate<_>)
            }
        }
    }

    /// The common create, encoded straight from the arguments: `None` for makepath and TTL
    /// creates, which take the general path.
    fn create_call(
        &self,
        path: &str,
        data: &Bytes,
        opts: &CreateOptions,
        with_stat: bool,
    ) -> Option<Call> {
        let mode = opts.create_mode();
        if opts.is_makepath() || mode.is_ttl() || opts.ttl.is_some() {
            return None;
        }
        let op = if mode == CreateMode::Container {
            OpCode::CreateContainer
        } else if with_stat {
            OpCode::Create2
        } else {
            OpCode::Create
        };
        // The client's default ACL was encoded once, when the client was built.
        let acl = opts.acl.as_deref();
        let acl_len = match acl {
            Some(acl) => 4 + acl.iter().map(Encode::encoded_len).sum::<usize>(),
            None => self.inner.default_acl_wire.len(),
        };
        let extra = 8 + data.len() + acl_len;
        Some(
            self.call_path(op, path, mode.is_sequential(), extra, None, |f| {
                self.put_data(f, data)?;
                match acl {
                    Some(acl) => put_acl(f, acl),
                    None => f.extend_from_slice(&self.inner.default_acl_wire),
                }
                f.put_i32(mode.flag());
                Ok(())
            }),
        )
    }

    fn create_inner(
        &self,
        path: &str,
        data: Bytes,
        opts: &CreateOptions,
        with_stat: bool,
    ) -> impl Future<Output = Result<(String, Option<Stat>)>> + Send + 'static {
        let client = self.clone();
        let user_path = path.to_owned();
        let mode = opts.create_mode();
        let prepared = self
            .server_path(path, mode.is_sequential())
            .and_then(|sp| opts.request(sp, data, &self.inner.default_acl, with_stat));
        // Only a makepath create may send the request again (after creating the parents), so
        // only it keeps a copy of the request and the ACL.
        let (call, retry) = match prepared {
            Ok(req) => {
                let retry = opts
                    .is_makepath()
                    .then(|| (req.clone(), opts.acl_or(&self.inner.default_acl).to_vec()));
                (Ok(self.call(req, None)), retry)
            }
            Err(e) => (Err(e), None),
        };
        async move {
            let mut resp = call?.response(&user_path).await;
            if let Some((req, acl)) = retry.filter(|_| matches!(resp, Err(Error::NoNode { .. }))) {
                if let Some(parent) = kazoo_proto::path::parent(&user_path) {
                    // Boxed: ensure_path creates nodes itself, and the two future types would
                    // otherwise contain each other.
                    let parents: std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send>> =
                        Box::pin(client.ensure_path_with_acl(parent, acl));
                    parents.await?;
                }
                resp = client.call(req, None).response(&user_path).await;
            }
            match resp? {
                Response::Create(r) => Ok((client.client_path(&r.path), None)),
                Response::Create2(r) => Ok((client.client_path(&r.path), Some(r.stat))),
                other => Err(Error::Protocol(format!(
                    "unexpected create reply {other:?}"
                ))),
            }
        }
    }

    /// Creates `path` and every missing ancestor, persistent and empty, with the default ACL
    /// (kazoo's `ensure_path`). Succeeds when it exists already. Any server version.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.ensure_path("/my/favorite").await?;
    /// # Ok(()) }
    /// ```
    pub fn ensure_path(&self, path: &str) -> impl Future<Output = Result<()>> + Send + 'static {
        self.ensure_path_with_acl(path, self.inner.default_acl.clone())
    }

    /// [`Client::ensure_path`] with an explicit ACL for the nodes it creates.
    ///
    /// ```no_run
    /// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
    /// client.ensure_path_with_acl("/secure/path", kazoo_proto::Acl::creator_all()).await?;
    /// # Ok(()) }
    /// ```
    pub fn ensure_path_with_acl(
        &self,
        path: &str,
        acl: Vec<Acl>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let client = self.clone();
        let path = path.to_owned();
        let checked = self.server_path(&path, false);
        let first = checked.as_ref().ok().map(|_| self.exists(&path));
        async move {
            checked?;
            if let Some(first) = first {
                if first.await?.is_some() {
                    return Ok(());
                }
            }
            // Find the deepest existing ancestor with pipelined exists, then create the rest in
            // order (pipelined too): each create either succeeds or finds the node there.
            let prefixes = ancestors(&path);
            let checks: Vec<_> = prefixes.iter().map(|p| client.exists(p)).collect();
            let mut missing = Vec::new();
            for (p, c) in prefixes.iter().zip(checks) {
                if c.await?.is_none() {
                    missing.push(p.clone());
                }
            }
            missing.push(path.clone());
            let opts = CreateOptions::new().acl(acl);
            let creates: Vec<_> = missing
                .iter()
                .map(|p| client.create(p, Bytes::new(), &opts))
                .collect();
            for c in creates {
                match c.await {
                    Ok(_) | Err(Error::NodeExists { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
    }
}

/// `/a/b/c` -> `["/a", "/a/b"]` (proper ancestors, root excluded).
fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        cur.push('/');
        cur.push_str(part);
        out.push(cur.clone());
    }
    out
}

/// Appends an ACL list as a create request carries it: the count, then each entry.
pub(crate) fn put_acl(f: &mut Vec<u8>, acl: &[Acl]) {
    f.put_i32(acl.len() as i32);
    for a in acl {
        f.put_i32(a.perms.0);
        for s in [&a.id.scheme, &a.id.id] {
            f.put_i32(s.len() as i32);
            f.put_slice(s.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_of_paths() {
        assert_eq!(ancestors("/a/b/c"), vec!["/a", "/a/b"]);
        assert!(ancestors("/a").is_empty());
        assert!(ancestors("/").is_empty());
    }

    #[test]
    fn modes_from_options() {
        assert_eq!(CreateOptions::new().create_mode(), CreateMode::Persistent);
        assert_eq!(
            CreateOptions::new().ephemeral().sequential().create_mode(),
            CreateMode::EphemeralSequential
        );
        assert_eq!(
            CreateOptions::new()
                .sequential()
                .ttl(Duration::from_secs(1))
                .create_mode(),
            CreateMode::PersistentSequentialWithTtl
        );
        let e = CreateOptions::new()
            .ephemeral()
            .ttl(Duration::from_secs(1))
            .request("/a".into(), Bytes::new(), &[], false);
        assert!(matches!(e, Err(Error::Config(_))));
    }

    #[test]
    fn an_acl_list_is_written_as_the_protocol_encodes_it() {
        use bytes::BytesMut;
        use kazoo_proto::{Encode, Id, Perms};
        let lists = [
            Acl::open_unsafe(),
            vec![],
            vec![
                Acl::new(Perms::READ, Id::new("world", "anyone")),
                Acl::new(Perms::ALL, Id::new("digest", "bob:x/1+=")),
            ],
        ];
        for acl in lists {
            let mut ours = Vec::new();
            put_acl(&mut ours, &acl);
            let mut want = BytesMut::new();
            want.put_i32(acl.len() as i32);
            for a in &acl {
                a.encode(&mut want);
            }
            assert_eq!(ours, &want[..], "{acl:?}");
        }
    }
}
