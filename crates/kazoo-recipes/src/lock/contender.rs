//! The contender algorithm shared by [`super::Lock`], [`super::ReadLock`] and
//! [`super::WriteLock`]: create our sequential node (finding it by its unique prefix after a
//! connection loss instead of creating a second one), wait for the blocking contender right
//! before us, turn the grant into a watched [`Grant`], and delete our node on every way out
//! that is not a grant, until it is really gone.

use super::delete::{delete_confirmed, delete_until_gone};
use super::guard::LockGuard;
use super::names::{ordered, position, Matcher, Position};
use super::wait::{is_transient, until, CancelFlag, Waiter};
use super::LockError;
use crate::fencing::{Grant, GrantOptions, LostReason};
use bytes::Bytes;
use kazoo_client::{Client, CreateOptions, Error, Stat, WatcherType};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::Notify;

/// How long a failed acquire waits for the deletion of its node before returning (the
/// deletion carries on in the background after that).
const CLEANUP_WAIT: Duration = Duration::from_secs(2);
/// How long a cancelled wait waits for the removal of its watch.
const UNWATCH_WAIT: Duration = Duration::from_secs(1);

/// Which contenders a lock kind creates and which ones block it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// Our node's name between the uuid and the sequence.
    pub(crate) node_name: &'static str,
    /// The names of earlier contenders that block us.
    pub(crate) blockers: &'static [&'static str],
}

/// The settings of one lock object.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) identifier: Bytes,
    pub(crate) extra_patterns: Vec<String>,
    pub(crate) ephemeral: bool,
    pub(crate) lost_on_suspend: bool,
}

/// One lock object: its settings, the grant it holds, and its cancel flag.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) client: Client,
    pub(crate) path: String,
    data: Bytes,
    ephemeral: bool,
    lost_on_suspend: bool,
    node_name: &'static str,
    blockers: Matcher,
    all: Matcher,
    /// Serialises acquire calls on this object (kazoo's `_acquire_method_lock`).
    acquiring: tokio::sync::Mutex<()>,
    held: Mutex<Option<Held>>,
    /// Woken when a grant is released: a second acquire on this object waits for it.
    released: Notify,
    /// The cancel flag: set by `cancel`, consumed by the acquire that sees it.
    pub(crate) cancel: CancelFlag,
    generation: AtomicU64,
    /// The lock path is known to exist (kazoo's `assured_path`): acquires skip
    /// `ensure_path` until a `NoNode` says otherwise.
    assured_path: AtomicBool,
}

#[derive(Debug)]
struct Held {
    node: String,
    grant: Grant,
    generation: u64,
}

/// Our node, once created or found.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    stat: Stat,
}

/// `parent/child`, also for the root as parent.
pub(crate) use kazoo_proto::path::join;

/// A new contender uuid (version 4): 32 lowercase hex digits. The random bytes come from the
/// thread's generator (seeded from the OS), not from a `getrandom` call per uuid: one system
/// call less per lock acquire.
pub(crate) fn new_uuid() -> String {
    uuid_then("")
}

/// A new contender uuid followed by `suffix` (a lock node's prefix: uuid, then the node
/// name), written into one exactly sized string without going through `format!`.
fn uuid_then(suffix: &str) -> String {
    let mut hex = [0u8; uuid::fmt::Simple::LENGTH];
    let hex = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .simple()
        .encode_lower(&mut hex);
    let mut s = String::with_capacity(hex.len() + suffix.len());
    s.push_str(hex);
    s.push_str(suffix);
    s
}

impl Core {
    pub(crate) fn new(client: &Client, path: &str, kind: Kind, settings: Settings) -> Core {
        let blockers: Vec<String> = kind
            .blockers
            .iter()
            .map(|s| s.to_string())
            .chain(settings.extra_patterns.iter().cloned())
            .collect();
        let all = blockers
            .iter()
            .cloned()
            .chain(std::iter::once(kind.node_name.to_owned()));
        Core {
            client: client.clone(),
            path: path.to_owned(),
            data: settings.identifier,
            ephemeral: settings.ephemeral,
            lost_on_suspend: settings.lost_on_suspend,
            node_name: kind.node_name,
            blockers: Matcher::new(blockers.iter().cloned()),
            all: Matcher::new(all),
            acquiring: tokio::sync::Mutex::new(()),
            held: Mutex::new(None),
            released: Notify::new(),
            cancel: CancelFlag::default(),
            generation: AtomicU64::new(0),
            assured_path: AtomicBool::new(false),
        }
    }

    fn lock_held(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True while this object holds the lock.
    pub(crate) fn is_held(&self) -> bool {
        self.lock_held().is_some()
    }

    /// The current grant, if held.
    pub(crate) fn grant(&self) -> Option<Grant> {
        self.lock_held().as_ref().map(|h| h.grant.clone())
    }

    /// Sets the cancel flag (kazoo's `cancel`).
    pub(crate) fn cancel(&self) {
        self.cancel.cancel();
    }

    /// kazoo's `acquire(blocking, timeout)`: `Ok(None)` when not acquired without waiting.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        blocking: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<LockGuard>, LockError> {
        let mut w = Waiter::new(&self.path, timeout, &self.cancel);
        let _serial = if blocking {
            w.run(self.acquiring.lock()).await?
        } else {
            match self.acquiring.try_lock() {
                Ok(g) => g,
                Err(_) => return Ok(None),
            }
        };
        // Not re-entrant, as kazoo: a second acquire waits until the first grant is released
        // (or returns at once when not blocking).
        if self.is_held() {
            if !blocking {
                return Ok(None);
            }
            w.run(until(&self.released, || !self.is_held())).await?;
        }
        let rt = Handle::current();
        let mut attempt = Attempt {
            client: self.client.clone(),
            parent: self.path.clone(),
            prefix: uuid_then(self.node_name),
            ephemeral: self.ephemeral,
            node: None,
            create_tried: false,
            armed: true,
            rt: rt.clone(),
        };
        match self.contend(&mut attempt, &mut w, blocking).await {
            Ok(Some((node, grant))) => {
                attempt.armed = false;
                let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
                *self.lock_held() = Some(Held {
                    node,
                    grant: grant.clone(),
                    generation,
                });
                Ok(Some(LockGuard::new(self.clone(), generation, grant, rt)))
            }
            Ok(None) => {
                attempt.clean_up().await;
                Ok(None)
            }
            Err(e) => {
                attempt.clean_up().await;
                Err(e)
            }
        }
    }

    fn create_options(&self) -> CreateOptions {
        let opts = CreateOptions::new().sequential();
        if self.ephemeral {
            opts.ephemeral()
        } else {
            opts
        }
    }

    /// Our node found by its prefix, with its stat.
    async fn find(&self, prefix: &str) -> Result<Option<Node>, Error> {
        let children = self.client.get_children(&self.path).await?;
        let Some(name) = children.into_iter().find(|c| c.starts_with(prefix)) else {
            return Ok(None);
        };
        match self.client.get(&join(&self.path, &name)).await {
            Ok((_, stat)) => Ok(Some(Node { name, stat })),
            Err(Error::NoNode { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes our watch on `path` after an interrupted wait (the server keeps it otherwise).
    async fn unwatch(&self, path: &str) {
        let removal = self.client.remove_watches(path, WatcherType::Data, false);
        let _ = tokio::time::timeout(UNWATCH_WAIT, removal).await;
    }

    /// The loop of kazoo's `_inner_acquire`, with its retries folded in.
    async fn contend(
        &self,
        a: &mut Attempt,
        w: &mut Waiter<'_>,
        blocking: bool,
    ) -> Result<Option<(String, Grant)>, LockError> {
        let mut path_ready = self.assured_path.load(Ordering::Relaxed);
        // A listing sent right behind a request whose outcome decides that we need one (our
        // create, the read of our predecessor), before its reply: ZooKeeper answers a
        // session's requests in order, so the listing already shows that request's effect
        // and saves a round trip. Used by the next look at the children, or dropped unread.
        let mut listing = None;
        loop {
            w.check()?;
            if !path_ready {
                match w.run(self.client.ensure_path(&self.path)).await? {
                    Ok(()) => {
                        path_ready = true;
                        self.assured_path.store(true, Ordering::Relaxed);
                    }
                    Err(e) if is_transient(&e) => {
                        w.back_off().await?;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if a.node.is_none() {
                if a.create_tried {
                    // The create may have succeeded without us hearing the reply: look for
                    // our prefix before creating a second node.
                    match w.run(self.find(&a.prefix)).await? {
                        Ok(found) => a.node = found,
                        Err(Error::NoNode { .. }) => {
                            path_ready = false;
                            self.assured_path.store(false, Ordering::Relaxed);
                            continue;
                        }
                        Err(e) if is_transient(&e) => {
                            w.back_off().await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                if a.node.is_none() {
                    a.create_tried = true;
                    // Both requests are queued when called, in this order.
                    let create = self.client.create_with_stat(
                        &join(&self.path, &a.prefix),
                        self.data.clone(),
                        &self.create_options(),
                    );
                    let children = self.client.get_children(&self.path);
                    // On every failure of the create the listing is dropped unread: it says
                    // nothing about a node we do not know.
                    match w.run(create).await? {
                        Ok((path, stat)) => {
                            let name = path.rsplit('/').next().unwrap_or_default().to_owned();
                            a.node = Some(Node { name, stat });
                            listing = Some(children);
                        }
                        Err(Error::NoNode { .. }) => {
                            path_ready = false;
                            self.assured_path.store(false, Ordering::Relaxed);
                            continue;
                        }
                        Err(e) if is_transient(&e) => {
                            w.back_off().await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            let Some(node) = a.node.clone() else {
                continue;
            };
            let children = listing
                .take()
                .unwrap_or_else(|| self.client.get_children(&self.path));
            let children = match w.run(children).await? {
                Ok(c) => c,
                Err(Error::NoNode { .. }) => {
                    a.node = None;
                    path_ready = false;
                    self.assured_path.store(false, Ordering::Relaxed);
                    continue;
                }
                Err(e) if is_transient(&e) => {
                    w.back_off().await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            match position(&children, &node.name, &a.prefix, &self.blockers) {
                // Our node is gone (its session expired, or someone deleted it): contend again.
                Position::Missing => a.node = None,
                // The listing, sent after our create (or the read that found our node), shows
                // the node: the grant's task can set its watch after we return, and fires the
                // lost signal if the node is gone or not ours by then.
                Position::First => {
                    let path = join(&self.path, &node.name);
                    let opts = GrantOptions::new().lost_on_suspend(self.lost_on_suspend);
                    let grant = Grant::monitor_verified(&self.client, &path, &node.stat, opts);
                    match grant.lost_reason() {
                        None => return Ok(Some((path, grant))),
                        Some(LostReason::Closed) => return Err(Error::Closed.into()),
                        // Not connected right now: try again once we are.
                        Some(LostReason::Suspended) => w.back_off().await?,
                        Some(_) => a.node = None,
                    }
                }
                Position::After(pred) => {
                    if !blocking {
                        return Ok(None);
                    }
                    let pred = join(&self.path, &pred);
                    let read = self.client.get_w(&pred);
                    // Often the predecessor is gone by now (it held the lock and released it):
                    // then this listing, sent after the read, is the next one to look at.
                    let children = self.client.get_children(&self.path);
                    let watch = match w.run(read).await {
                        Err(stop) => {
                            self.unwatch(&pred).await;
                            return Err(stop);
                        }
                        Ok(Ok((_, _, watch))) => watch,
                        Ok(Err(Error::NoNode { .. })) => {
                            listing = Some(children);
                            continue;
                        }
                        Ok(Err(e)) if is_transient(&e) => {
                            w.back_off().await?;
                            continue;
                        }
                        Ok(Err(e)) => return Err(e.into()),
                    };
                    // Any event (deletion, a data change, our watch removed by another user
                    // of this client, the session's end) means: look again.
                    if let Err(stop) = w.run(watch).await {
                        self.unwatch(&pred).await;
                        return Err(stop);
                    }
                }
            }
        }
    }

    /// kazoo's `release`: deletes our node (until it is gone) and ends the grant. `Ok(false)`
    /// when nothing was held (or, with `generation`, when that grant is over already).
    pub(crate) async fn release(&self, generation: Option<u64>) -> Result<bool, LockError> {
        let held = {
            let mut h = self.lock_held();
            match h.as_ref() {
                Some(x) if generation.map_or(true, |g| g == x.generation) => h.take(),
                _ => None,
            }
        };
        let Some(held) = held else {
            return Ok(false);
        };
        held.grant.end(LostReason::Released);
        self.released.notify_waiters();
        delete_confirmed(&self.client, held.node, self.ephemeral)
            .await
            .map(|()| true)
            .map_err(LockError::from)
    }

    /// kazoo's `contenders()`: the identifiers of every contender, in order.
    pub(crate) async fn contenders(&self) -> Result<Vec<String>, LockError> {
        if !self.assured_path.load(Ordering::Relaxed) {
            self.client.ensure_path(&self.path).await?;
            self.assured_path.store(true, Ordering::Relaxed);
        }
        let children = self.client.get_children(&self.path).await?;
        let mut out = Vec::new();
        for name in ordered(&children, &self.all) {
            match self.client.get(&join(&self.path, &name)).await {
                Ok((data, _)) => out.push(String::from_utf8_lossy(&data).into_owned()),
                Err(Error::NoNode { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}

/// One acquire's node: deleted on every way out but a grant, also when the acquire future is
/// dropped (then by a task spawned on the acquire's runtime).
#[derive(Debug)]
struct Attempt {
    client: Client,
    parent: String,
    prefix: String,
    ephemeral: bool,
    node: Option<Node>,
    create_tried: bool,
    armed: bool,
    rt: Handle,
}

impl Attempt {
    /// The cleanup to run, once.
    fn take_cleanup(&mut self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        if !self.armed || !self.create_tried {
            return None;
        }
        self.armed = false;
        Some(remove_contender(
            self.client.clone(),
            self.parent.clone(),
            self.prefix.clone(),
            self.node.as_ref().map(|n| n.name.clone()),
            self.ephemeral,
        ))
    }

    /// Deletes our node; waits a little for it, then lets a task finish the job.
    async fn clean_up(&mut self) {
        if let Some(cleanup) = self.take_cleanup() {
            let task = tokio::spawn(cleanup);
            let _ = tokio::time::timeout(CLEANUP_WAIT, task).await;
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(cleanup) = self.take_cleanup() {
            self.rt.spawn(cleanup);
        }
    }
}

/// Deletes the contender node of a failed acquire until it is gone (kazoo's best-effort
/// cleanup gives up on the first error and leaves a lock nobody can take: its issue #732).
/// Without its name (the create's reply was lost) the node is found by its unique prefix: the
/// listing is sent after the create, so it sees the create's effect if there was one.
async fn remove_contender(
    client: Client,
    parent: String,
    prefix: String,
    known: Option<String>,
    ephemeral: bool,
) {
    let mut delay = Duration::from_millis(20);
    loop {
        let name = match &known {
            Some(n) => n.clone(),
            None => match client.get_children(&parent).await {
                Ok(children) => match children.into_iter().find(|c| c.starts_with(&prefix)) {
                    Some(n) => n,
                    None => return,
                },
                Err(Error::NoNode { .. }) => return,
                Err(e) if ephemeral && e.is_session_terminal() => return,
                Err(Error::Closed) => {
                    tracing::warn!(%parent, %prefix, "client closed: a persistent contender node may remain");
                    return;
                }
                Err(e) => {
                    tracing::debug!(%parent, error = %e, "retrying the search for our contender node");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        let path = join(&parent, &name);
        match delete_until_gone(client.clone(), path.clone(), ephemeral).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(%path, error = %e, "could not delete an abandoned contender node");
                return;
            }
        }
    }
}

/// Deletes one known node (an ephemeral one we may have created) on every way out but
/// success, also when the future that owns it is dropped.
#[derive(Debug)]
pub(crate) struct NodeCleanup {
    client: Client,
    path: String,
    rt: Handle,
    armed: bool,
}

impl NodeCleanup {
    /// Arms the cleanup of the ephemeral node `path`. Must run inside a tokio runtime.
    pub(crate) fn new(client: &Client, path: &str) -> NodeCleanup {
        NodeCleanup {
            client: client.clone(),
            path: path.to_owned(),
            rt: Handle::current(),
            armed: true,
        }
    }

    /// The node is ours to keep: no cleanup.
    pub(crate) fn disarm(mut self) {
        self.armed = false;
    }

    /// Deletes the node now; waits a little for it, then lets a task finish the job.
    pub(crate) async fn run(mut self) {
        self.armed = false;
        let task = tokio::spawn(self.deletion());
        let _ = tokio::time::timeout(CLEANUP_WAIT, task).await;
    }

    fn deletion(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (client, path) = (self.client.clone(), self.path.clone());
        async move {
            if let Err(e) = delete_until_gone(client, path.clone(), true).await {
                tracing::warn!(%path, error = %e, "could not delete an abandoned node");
            }
        }
    }
}

impl Drop for NodeCleanup {
    fn drop(&mut self) {
        if self.armed {
            self.rt.spawn(self.deletion());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_prefix_is_a_uuid_then_the_node_name() {
        let p = uuid_then("__lock__");
        assert_eq!(p.len(), 32 + "__lock__".len());
        assert!(p.ends_with("__lock__"), "{p}");
        assert_eq!(
            uuid::Uuid::parse_str(&p[..32]).unwrap().get_version_num(),
            4
        );
        assert_eq!(p.capacity(), p.len(), "sized once");
    }

    #[test]
    fn contender_uuids_are_version_4_lowercase_hex_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_uuid()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), 32, "{id}");
            assert!(
                id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "{id}"
            );
            let u = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(u.get_version_num(), 4, "{id}");
        }
    }

    #[test]
    fn join_handles_the_root_and_plain_parents() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/locks/x", "n-0000000001"), "/locks/x/n-0000000001");
    }
}
