//! Party and ShallowParty: group membership (kazoo's `Party` and `ShallowParty`, same znodes).
//!
//! - [`Party`]: a member is `{path}/{uuid}__party__`, ephemeral, with the identifier as data;
//!   the member list reads each member's data.
//! - [`ShallowParty`]: a member is `{path}/{uuid}-{identifier}`, ephemeral; the member list is
//!   one `getChildren` (the text after the first `-` of each name).

use crate::barrier::support::{self, Deadline};
use kazoo_client::{Client, CreateOptions, Error, Result, RetryPolicy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The marker in a [`Party`] member's node name.
const PARTY_MARK: &str = "__party__";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Full,
    Shallow,
}

/// What both party kinds share.
#[derive(Debug)]
struct Core {
    client: Client,
    path: String,
    kind: Kind,
    uuid: String,
    identifier: String,
    participating: AtomicBool,
    ensured: AtomicBool,
    retry: RetryPolicy,
}

impl Core {
    fn new(client: &Client, path: &str, kind: Kind) -> Core {
        Core {
            client: client.clone(),
            path: path.trim_end_matches('/').to_owned(),
            kind,
            uuid: support::uuid_hex(),
            identifier: String::new(),
            participating: AtomicBool::new(false),
            ensured: AtomicBool::new(false),
            retry: support::default_retry(),
        }
    }

    fn node_name(&self) -> String {
        match self.kind {
            Kind::Full => format!("{}{PARTY_MARK}", self.uuid),
            Kind::Shallow => format!("{}-{}", self.uuid, self.identifier),
        }
    }

    fn node_path(&self) -> String {
        format!("{}/{}", self.path, self.node_name())
    }

    async fn ensure_parent(&self) -> Result<()> {
        if !self.ensured.load(Ordering::SeqCst) {
            let c = &self.client;
            c.retry(&self.retry, || c.ensure_path(&self.path)).await?;
            self.ensured.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    async fn join(&self) -> Result<()> {
        if self.kind == Kind::Shallow && self.identifier.contains('/') {
            return Err(Error::InvalidPath {
                path: self.node_path(),
                reason: "a ShallowParty identifier is part of a node name: no '/'".into(),
            });
        }
        self.ensure_parent().await?;
        let c = &self.client;
        let me = self.node_path();
        // kazoo stores the identifier as data in both kinds.
        let data = self.identifier.clone().into_bytes();
        let r = c
            .retry(&self.retry, || {
                let f = c.create(&me, data.clone(), &CreateOptions::new().ephemeral());
                async move {
                    match f.await {
                        // Ours already: a retried create after a connection loss.
                        Ok(_) | Err(Error::NodeExists { .. }) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            })
            .await;
        r?;
        self.participating.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn leave(&self) -> Result<bool> {
        self.participating.store(false, Ordering::SeqCst);
        let c = &self.client;
        let me = self.node_path();
        match c.retry(&self.retry, || c.delete(&me, None)).await {
            Ok(()) => Ok(true),
            Err(Error::NoNode { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn is_member_node(&self, name: &str) -> bool {
        match self.kind {
            Kind::Full => name.contains(PARTY_MARK),
            Kind::Shallow => true,
        }
    }

    async fn member_nodes(&self) -> Result<Vec<String>> {
        self.ensure_parent().await?;
        let c = &self.client;
        let mut children = c.retry(&self.retry, || c.get_children(&self.path)).await?;
        children.retain(|n| self.is_member_node(n));
        Ok(children)
    }

    async fn members(&self) -> Result<Vec<String>> {
        let nodes = self.member_nodes().await?;
        match self.kind {
            Kind::Shallow => Ok(nodes
                .iter()
                .map(|n| {
                    n.split_once('-')
                        .map_or(n.as_str(), |(_, id)| id)
                        .to_owned()
                })
                .collect()),
            Kind::Full => {
                let c = &self.client;
                let mut out = Vec::with_capacity(nodes.len());
                for n in nodes {
                    let p = format!("{}/{n}", self.path);
                    match c.retry(&self.retry, || c.get(&p)).await {
                        Ok((data, _)) => out.push(String::from_utf8_lossy(&data).into_owned()),
                        // Left while we were reading.
                        Err(Error::NoNode { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(out)
            }
        }
    }

    async fn count(&self) -> Result<usize> {
        Ok(self.member_nodes().await?.len())
    }

    async fn wait_for_members(&self, count: usize, timeout: Option<Duration>) -> Result<bool> {
        self.ensure_parent().await?;
        let deadline = Deadline::after(timeout);
        let c = &self.client;
        loop {
            let (children, watch) = c
                .retry(&self.retry, || c.get_children_w(&self.path))
                .await?;
            if children.iter().filter(|n| self.is_member_node(n)).count() >= count {
                return Ok(true);
            }
            match deadline.wait(watch).await {
                None => return Ok(false),
                Some(e) if e.is_terminal() => return Err(support::terminal_error(&e)),
                Some(_) => {}
            }
        }
    }
}

macro_rules! party_api {
    ($ty:ident, $blocking:ident, $kind:expr, $what:literal) => {
        impl $ty {
            #[doc = concat!("A ", $what, " at `path` with an empty identifier (nothing is sent yet).")]
            ///
            /// ```no_run
            /// # fn f(zk: kazoo_client::Client) {
            #[doc = concat!("let p = kazoo_recipes::party::", stringify!($ty), "::new(&zk, \"/workers\");")]
            /// # }
            /// ```
            pub fn new(client: &Client, path: &str) -> $ty {
                $ty(Core::new(client, path, $kind))
            }

            /// Sets this member's identifier.
            ///
            /// ```no_run
            /// # fn f(zk: kazoo_client::Client) {
            #[doc = concat!("let p = kazoo_recipes::party::", stringify!($ty), "::new(&zk, \"/workers\")")]
            ///     .with_identifier("worker-1");
            /// # }
            /// ```
            pub fn with_identifier(mut self, identifier: &str) -> $ty {
                self.0.identifier = identifier.to_owned();
                self
            }

            /// Uses `retry` for connection losses (default: retry without limit).
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($ty), ") {")]
            /// let p = p.with_retry(kazoo_client::RetryPolicy::new().with_max_tries(3));
            /// # }
            /// ```
            pub fn with_retry(mut self, retry: RetryPolicy) -> $ty {
                self.0.retry = retry;
                self
            }

            /// The party's path.
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($ty), ") {")]
            /// println!("{}", p.path());
            /// # }
            /// ```
            pub fn path(&self) -> &str {
                &self.0.path
            }

            /// This member's identifier.
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($ty), ") {")]
            /// println!("{}", p.identifier());
            /// # }
            /// ```
            pub fn identifier(&self) -> &str {
                &self.0.identifier
            }

            /// The path of this member's node (whether or not it exists).
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($ty), ") {")]
            /// println!("{}", p.node_path());
            /// # }
            /// ```
            pub fn node_path(&self) -> String {
                self.0.node_path()
            }

            /// True after [`join`](Self::join) until [`leave`](Self::leave) (kazoo's
            /// `participating`). The node goes with the session, so this says what was asked,
            /// not what the server holds after a session loss.
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($ty), ") {")]
            /// assert!(!p.is_member());
            /// # }
            /// ```
            pub fn is_member(&self) -> bool {
                self.0.participating.load(Ordering::SeqCst)
            }

            /// Joins: creates this member's ephemeral node (and the party's path). Joining
            /// twice is harmless.
            ///
            /// ```no_run
            #[doc = concat!("# async fn f(p: kazoo_recipes::party::", stringify!($ty), ") -> kazoo_client::Result<()> {")]
            /// p.join().await?;
            /// # Ok(()) }
            /// ```
            pub async fn join(&self) -> Result<()> {
                self.0.join().await
            }

            /// Leaves: deletes this member's node. Returns whether it was there.
            ///
            /// ```no_run
            #[doc = concat!("# async fn f(p: kazoo_recipes::party::", stringify!($ty), ") -> kazoo_client::Result<()> {")]
            /// let was_member = p.leave().await?;
            /// # Ok(()) }
            /// ```
            pub async fn leave(&self) -> Result<bool> {
                self.0.leave().await
            }

            /// The identifiers of the current members, in no particular order (kazoo's
            /// iteration).
            ///
            /// ```no_run
            #[doc = concat!("# async fn f(p: kazoo_recipes::party::", stringify!($ty), ") -> kazoo_client::Result<()> {")]
            /// for member in p.members().await? { println!("{member}"); }
            /// # Ok(()) }
            /// ```
            pub async fn members(&self) -> Result<Vec<String>> {
                self.0.members().await
            }

            /// The number of members (kazoo's `len(party)`).
            ///
            /// ```no_run
            #[doc = concat!("# async fn f(p: kazoo_recipes::party::", stringify!($ty), ") -> kazoo_client::Result<()> {")]
            /// let n = p.count().await?;
            /// # Ok(()) }
            /// ```
            pub async fn count(&self) -> Result<usize> {
                self.0.count().await
            }

            /// Waits until the party has at least `count` members, at most `timeout` (`None`:
            /// no limit). `Ok(false)` on timeout; no watch is left behind either way.
            ///
            /// ```no_run
            #[doc = concat!("# async fn f(p: kazoo_recipes::party::", stringify!($ty), ") -> kazoo_client::Result<()> {")]
            /// let quorum = p.wait_for_members(3, Some(std::time::Duration::from_secs(10))).await?;
            /// # Ok(()) }
            /// ```
            pub async fn wait_for_members(
                &self,
                count: usize,
                timeout: Option<Duration>,
            ) -> Result<bool> {
                self.0.wait_for_members(count, timeout).await
            }
        }

        #[doc = concat!("Blocking form of [`", stringify!($ty), "`] (same guarantees): each method blocks the")]
        /// calling thread on the blocking client's runtime. Call it from plain threads.
        ///
        /// ```no_run
        #[doc = concat!("use kazoo_recipes::party::", stringify!($blocking), ";")]
        /// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
        #[doc = concat!("let party = ", stringify!($blocking), "::new(&zk, \"/workers\").with_identifier(\"me\");")]
        /// party.join()?;
        /// println!("{:?}", party.members()?);
        /// party.leave()?;
        /// # Ok::<(), kazoo_client::Error>(())
        /// ```
        #[derive(Debug)]
        pub struct $blocking {
            rt: tokio::runtime::Handle,
            inner: $ty,
        }

        impl $blocking {
            #[doc = concat!("See [`", stringify!($ty), "::new`].")]
            ///
            /// ```no_run
            /// # fn f(zk: &kazoo_client::blocking::Client) {
            #[doc = concat!("let p = kazoo_recipes::party::", stringify!($blocking), "::new(zk, \"/workers\");")]
            /// # }
            /// ```
            pub fn new(client: &kazoo_client::blocking::Client, path: &str) -> $blocking {
                $blocking {
                    rt: client.runtime_handle(),
                    inner: $ty::new(client.as_async(), path),
                }
            }

            #[doc = concat!("See [`", stringify!($ty), "::with_identifier`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") {")]
            /// let p = p.with_identifier("worker-1");
            /// # }
            /// ```
            pub fn with_identifier(mut self, identifier: &str) -> $blocking {
                self.inner = self.inner.with_identifier(identifier);
                self
            }

            #[doc = concat!("See [`", stringify!($ty), "::with_retry`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") {")]
            /// let p = p.with_retry(kazoo_client::RetryPolicy::new());
            /// # }
            /// ```
            pub fn with_retry(mut self, retry: RetryPolicy) -> $blocking {
                self.inner = self.inner.with_retry(retry);
                self
            }

            /// The async party underneath.
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") {")]
            /// println!("{}", p.as_async().node_path());
            /// # }
            /// ```
            pub fn as_async(&self) -> &$ty {
                &self.inner
            }

            #[doc = concat!("See [`", stringify!($ty), "::is_member`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") {")]
            /// p.is_member();
            /// # }
            /// ```
            pub fn is_member(&self) -> bool {
                self.inner.is_member()
            }

            #[doc = concat!("See [`", stringify!($ty), "::join`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") -> kazoo_client::Result<()> {")]
            /// p.join()?;
            /// # Ok(()) }
            /// ```
            pub fn join(&self) -> Result<()> {
                self.rt.block_on(self.inner.join())
            }

            #[doc = concat!("See [`", stringify!($ty), "::leave`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") -> kazoo_client::Result<()> {")]
            /// p.leave()?;
            /// # Ok(()) }
            /// ```
            pub fn leave(&self) -> Result<bool> {
                self.rt.block_on(self.inner.leave())
            }

            #[doc = concat!("See [`", stringify!($ty), "::members`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") -> kazoo_client::Result<()> {")]
            /// let members = p.members()?;
            /// # Ok(()) }
            /// ```
            pub fn members(&self) -> Result<Vec<String>> {
                self.rt.block_on(self.inner.members())
            }

            #[doc = concat!("See [`", stringify!($ty), "::count`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") -> kazoo_client::Result<()> {")]
            /// let n = p.count()?;
            /// # Ok(()) }
            /// ```
            pub fn count(&self) -> Result<usize> {
                self.rt.block_on(self.inner.count())
            }

            #[doc = concat!("See [`", stringify!($ty), "::wait_for_members`].")]
            ///
            /// ```no_run
            #[doc = concat!("# fn f(p: kazoo_recipes::party::", stringify!($blocking), ") -> kazoo_client::Result<()> {")]
            /// let quorum = p.wait_for_members(2, None)?;
            /// # Ok(()) }
            /// ```
            pub fn wait_for_members(&self, count: usize, timeout: Option<Duration>) -> Result<bool> {
                self.rt.block_on(self.inner.wait_for_members(count, timeout))
            }
        }
    };
}

/// A party (kazoo's `Party`): members are `{path}/{uuid}__party__` with the identifier as
/// data.
///
/// Guarantees: a member's node is ephemeral, so a member whose session ends leaves by itself;
/// [`members`](Party::members) and [`count`](Party::count) only count `__party__` nodes (other
/// children of the path are ignored, as kazoo does); joins and leaves ride out connection
/// losses (the node name is fixed, so a retried create cannot make a second member).
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::party::Party;
/// let party = Party::new(&zk, "/services/api").with_identifier("10.0.0.7:8080");
/// party.join().await?;
/// println!("{} members: {:?}", party.count().await?, party.members().await?);
/// party.leave().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Party(Core);

/// A shallow party (kazoo's `ShallowParty`): members are `{path}/{uuid}-{identifier}`, so
/// listing them is one request; the identifier must be usable in a node name (no `/`).
///
/// Guarantees: as [`Party`]; every child of the path counts as a member.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::party::ShallowParty;
/// let party = ShallowParty::new(&zk, "/services/api").with_identifier("host-7");
/// party.join().await?;
/// assert!(party.members().await?.contains(&"host-7".to_owned()));
/// party.leave().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ShallowParty(Core);

party_api!(Party, BlockingParty, Kind::Full, "party");
party_api!(
    ShallowParty,
    BlockingShallowParty,
    Kind::Shallow,
    "shallow party"
);
