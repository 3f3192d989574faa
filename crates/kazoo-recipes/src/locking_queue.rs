//! LockingQueue: entries taken under an ephemeral lock and consumed or released (kazoo's
//! `LockingQueue`, same znodes).
//!
//! Entries are `{path}/entries/entry-{ppp}-{seq}` (as [`crate::queue::Queue`]'s). Taking an
//! entry creates `{path}/taken/{entry name}`, ephemeral, whose data is this queue object's
//! id (32 hex digits, ASCII). [`LockingQueue::consume`] deletes the entry and its taken node
//! in one transaction; [`LockingQueue::release`] deletes the taken node only, so someone else
//! can take the entry; a consumer whose session ends releases by itself.

use crate::barrier::support::{self, Deadline};
use crate::queue::{entry_prefix, put_all_entries, QueueError};
use bytes::Bytes;
use kazoo_client::{Client, CreateOptions, Error, RetryPolicy, Watch};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A queue with reliable consumption (kazoo's `LockingQueue`).
///
/// Guarantees:
/// - An entry is processed by one consumer at a time: [`get`](LockingQueue::get) locks it
///   with an ephemeral node before returning it, and it stays in the queue until
///   [`consume`](LockingQueue::consume)d. If the consumer releases it, or its session ends,
///   the entry can be taken again.
/// - A taken node left by our own create that was retried after a connection loss is
///   recognised as ours (its data is our id), never mistaken for someone else's lock (kazoo
///   would leave the entry stuck until our session ends).
/// - [`get`](LockingQueue::get) returns the entry in hand until it is consumed or released
///   (kazoo's rule); it waits at most its timeout and leaves no watch behind.
/// - [`put_all`](LockingQueue::put_all) adds all values or none (one transaction);
///   [`consume`](LockingQueue::consume) removes entry and lock together or neither.
/// - [`holds_lock`](LockingQueue::holds_lock) syncs with the leader first, then checks that
///   the taken node still holds our id.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::queue::QueueError> {
/// use kazoo_recipes::locking_queue::LockingQueue;
/// use std::time::Duration;
/// let jobs = LockingQueue::new(&zk, "/jobs");
/// jobs.put(b"resize image 7".to_vec(), 100).await?;
/// if let Some(job) = jobs.get(Some(Duration::from_secs(5))).await? {
///     // ... process `job` ...
///     if jobs.consume().await? {
///         println!("done: {job:?}");
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LockingQueue {
    client: Client,
    path: String,
    entries: String,
    taken: String,
    id: String,
    /// The entry in hand: (name, data).
    processing: tokio::sync::Mutex<Option<(String, Bytes)>>,
    ensured: AtomicBool,
    retry: RetryPolicy,
}

impl LockingQueue {
    /// A locking queue at `path` (nothing is sent yet).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let q = kazoo_recipes::locking_queue::LockingQueue::new(&zk, "/jobs");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> LockingQueue {
        let path = path.trim_end_matches('/').to_owned();
        LockingQueue {
            client: client.clone(),
            entries: format!("{path}/entries"),
            taken: format!("{path}/taken"),
            path,
            id: support::uuid_hex(),
            processing: tokio::sync::Mutex::new(None),
            ensured: AtomicBool::new(false),
            retry: support::default_retry(),
        }
    }

    /// Uses `retry` for connection losses on everything but puts (default: no limit).
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::LockingQueue) {
    /// let q = q.with_retry(kazoo_client::RetryPolicy::new().with_max_tries(3));
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> LockingQueue {
        self.retry = retry;
        self
    }

    /// The queue's path.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::LockingQueue) { println!("{}", q.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This queue object's id: the data of the taken nodes it creates.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::LockingQueue) { assert_eq!(q.id().len(), 32); }
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    async fn ensure(&self) -> Result<(), QueueError> {
        if !self.ensured.load(Ordering::SeqCst) {
            let c = &self.client;
            c.retry(&self.retry, || c.ensure_path(&self.taken)).await?;
            c.retry(&self.retry, || c.ensure_path(&self.entries))
                .await?;
            self.ensured.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Adds `value` with `priority` (0 to 999, lower first) and returns the entry's path.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put(b"job".to_vec(), 100).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put(&self, value: impl Into<Bytes>, priority: u16) -> Result<String, QueueError> {
        let prefix = entry_prefix(&self.entries, priority)?;
        self.ensure().await?;
        let path = self
            .client
            .create(&prefix, value.into(), &CreateOptions::new().sequential())
            .await?;
        Ok(path)
    }

    /// Adds all `values` with `priority` in one transaction (all or none), in order.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put_all([b"a".to_vec(), b"b".to_vec()], 100).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put_all<I, V>(&self, values: I, priority: u16) -> Result<Vec<String>, QueueError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Bytes>,
    {
        let values: Vec<Bytes> = values.into_iter().map(Into::into).collect();
        entry_prefix(&self.entries, priority)?;
        self.ensure().await?;
        put_all_entries(&self.client, &self.entries, values, priority).await
    }

    /// Locks and returns the first entry nobody holds, waiting at most `timeout` (`None`: no
    /// limit) for one; `Ok(None)` on timeout. While an entry is in hand (not consumed or
    /// released) it is returned again.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let job = q.get(Some(std::time::Duration::from_secs(1))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, timeout: Option<Duration>) -> Result<Option<Bytes>, QueueError> {
        self.ensure().await?;
        let mut processing = self.processing.lock().await;
        if let Some((_, data)) = processing.as_ref() {
            return Ok(Some(data.clone()));
        }
        let deadline = Deadline::after(timeout);
        let c = &self.client;
        let mut entries_watch: Option<Watch> = None;
        let mut taken_watch: Option<Watch> = None;
        loop {
            // Only the side whose watch fired needs a new one.
            let entries = match entries_watch {
                Some(_) => {
                    c.retry(&self.retry, || c.get_children(&self.entries))
                        .await?
                }
                None => {
                    let (list, w) = c
                        .retry(&self.retry, || c.get_children_w(&self.entries))
                        .await?;
                    entries_watch = Some(w);
                    list
                }
            };
            let taken: HashSet<String> = match taken_watch {
                Some(_) => c.retry(&self.retry, || c.get_children(&self.taken)).await?,
                None => {
                    let (list, w) = c
                        .retry(&self.retry, || c.get_children_w(&self.taken))
                        .await?;
                    taken_watch = Some(w);
                    list
                }
            }
            .into_iter()
            .collect();
            let mut available: Vec<String> =
                entries.into_iter().filter(|e| !taken.contains(e)).collect();
            available.sort();
            for name in available {
                if let Some(data) = self.take(&name).await? {
                    *processing = Some((name, data.clone()));
                    return Ok(Some(data));
                }
            }
            let (Some(ew), Some(tw)) = (entries_watch.as_mut(), taken_watch.as_mut()) else {
                continue;
            };
            let fired = deadline
                .run(async {
                    tokio::select! {
                        e = ew => (true, e),
                        e = tw => (false, e),
                    }
                })
                .await;
            match fired {
                None => return Ok(None),
                Some((_, e)) if e.is_terminal() => return Err(support::terminal_error(&e).into()),
                Some((true, _)) => entries_watch = None,
                Some((false, _)) => taken_watch = None,
            }
        }
    }

    /// Locks entry `name`; its data, or `None` when someone else holds it or it is gone.
    async fn take(&self, name: &str) -> Result<Option<Bytes>, QueueError> {
        let c = &self.client;
        let lock = format!("{}/{name}", self.taken);
        let id = Bytes::from(self.id.clone());
        let created = c
            .retry(&self.retry, || {
                let f = c.create(&lock, id.clone(), &CreateOptions::new().ephemeral());
                async move {
                    match f.await {
                        Ok(_) => Ok(true),
                        Err(Error::NodeExists { .. }) => Ok(false),
                        Err(e) => Err(e),
                    }
                }
            })
            .await?;
        if !created && !self.owns(&lock).await? {
            return Ok(None);
        }
        let entry = format!("{}/{name}", self.entries);
        match c.retry(&self.retry, || c.get(&entry)).await {
            Ok((data, _)) => Ok(Some(data)),
            Err(Error::NoNode { .. }) => {
                // Consumed by its previous holder just now.
                self.delete_lock(&lock).await?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// True when the taken node `lock` exists and holds our id.
    async fn owns(&self, lock: &str) -> Result<bool, QueueError> {
        let c = &self.client;
        match c.retry(&self.retry, || c.get(lock)).await {
            Ok((data, _)) => Ok(data == self.id.as_bytes()),
            Err(Error::NoNode { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete_lock(&self, lock: &str) -> Result<(), QueueError> {
        let c = &self.client;
        match c.retry(&self.retry, || c.delete(lock, None)).await {
            Ok(()) | Err(Error::NoNode { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// True when an entry is in hand and its taken node still holds our id, as the leader
    /// sees it (a `sync` first).
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// if !q.holds_lock().await? { println!("lost the entry"); }
    /// # Ok(()) }
    /// ```
    pub async fn holds_lock(&self) -> Result<bool, QueueError> {
        let processing = self.processing.lock().await;
        self.holds(processing.as_ref()).await
    }

    async fn holds(&self, processing: Option<&(String, Bytes)>) -> Result<bool, QueueError> {
        let Some((name, _)) = processing else {
            return Ok(false);
        };
        let lock = format!("{}/{name}", self.taken);
        let c = &self.client;
        c.retry(&self.retry, || c.sync(&lock)).await?;
        self.owns(&lock).await
    }

    /// Removes the entry in hand from the queue (entry and taken node in one transaction).
    /// `Ok(false)` when no entry is in hand or its lock was lost (the entry stays queued for
    /// someone else then, and is no longer in hand).
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let done = q.consume().await?;
    /// # Ok(()) }
    /// ```
    pub async fn consume(&self) -> Result<bool, QueueError> {
        self.finish(true).await
    }

    /// Gives the entry in hand back to the queue (deletes its taken node). `Ok(false)` when no
    /// entry is in hand or its lock was lost.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn release(&self) -> Result<bool, QueueError> {
        self.finish(false).await
    }

    async fn finish(&self, consume: bool) -> Result<bool, QueueError> {
        let mut processing = self.processing.lock().await;
        let Some((name, _)) = processing.clone() else {
            return Ok(false);
        };
        if !self.holds(processing.as_ref()).await? {
            *processing = None;
            return Ok(false);
        }
        let lock = format!("{}/{name}", self.taken);
        let mut tx = self.client.transaction();
        if consume {
            tx.delete(&format!("{}/{name}", self.entries), None);
        }
        tx.delete(&lock, None);
        tx.commit().await?;
        *processing = None;
        Ok(true)
    }

    /// The number of entries, taken ones included (kazoo's `len(queue)`).
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// println!("{} queued", q.len().await?);
    /// # Ok(()) }
    /// ```
    pub async fn len(&self) -> Result<usize, QueueError> {
        self.ensure().await?;
        let c = &self.client;
        let (_, stat) = c.retry(&self.retry, || c.get(&self.entries)).await?;
        Ok(usize::try_from(stat.num_children).unwrap_or(0))
    }

    /// True when the queue has no entry.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::locking_queue::LockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let idle = q.is_empty().await?;
    /// # Ok(()) }
    /// ```
    pub async fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self.len().await? == 0)
    }
}

/// Blocking form of [`LockingQueue`] (same guarantees): each method blocks the calling thread
/// on the blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::locking_queue::BlockingLockingQueue;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let q = BlockingLockingQueue::new(&zk, "/jobs");
/// q.put(b"job".to_vec(), 100)?;
/// if let Some(job) = q.get(None)? {
///     q.consume()?;
/// }
/// # Ok::<(), kazoo_recipes::queue::QueueError>(())
/// ```
#[derive(Debug)]
pub struct BlockingLockingQueue {
    rt: tokio::runtime::Handle,
    inner: LockingQueue,
}

impl BlockingLockingQueue {
    /// See [`LockingQueue::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let q = kazoo_recipes::locking_queue::BlockingLockingQueue::new(zk, "/jobs");
    /// # }
    /// ```
    pub fn new(client: &kazoo_client::blocking::Client, path: &str) -> BlockingLockingQueue {
        BlockingLockingQueue {
            rt: client.runtime_handle(),
            inner: LockingQueue::new(client.as_async(), path),
        }
    }

    /// See [`LockingQueue::with_retry`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) {
    /// let q = q.with_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> BlockingLockingQueue {
        self.inner = self.inner.with_retry(retry);
        self
    }

    /// The async queue underneath.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) { println!("{}", q.as_async().id()); }
    /// ```
    pub fn as_async(&self) -> &LockingQueue {
        &self.inner
    }

    /// See [`LockingQueue::put`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put(b"job".to_vec(), 100)?;
    /// # Ok(()) }
    /// ```
    pub fn put(&self, value: impl Into<Bytes>, priority: u16) -> Result<String, QueueError> {
        self.rt.block_on(self.inner.put(value, priority))
    }

    /// See [`LockingQueue::put_all`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put_all([b"a".to_vec()], 100)?;
    /// # Ok(()) }
    /// ```
    pub fn put_all<I, V>(&self, values: I, priority: u16) -> Result<Vec<String>, QueueError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Bytes>,
    {
        self.rt.block_on(self.inner.put_all(values, priority))
    }

    /// See [`LockingQueue::get`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let job = q.get(Some(std::time::Duration::from_secs(1)))?;
    /// # Ok(()) }
    /// ```
    pub fn get(&self, timeout: Option<Duration>) -> Result<Option<Bytes>, QueueError> {
        self.rt.block_on(self.inner.get(timeout))
    }

    /// See [`LockingQueue::holds_lock`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let mine = q.holds_lock()?;
    /// # Ok(()) }
    /// ```
    pub fn holds_lock(&self) -> Result<bool, QueueError> {
        self.rt.block_on(self.inner.holds_lock())
    }

    /// See [`LockingQueue::consume`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.consume()?;
    /// # Ok(()) }
    /// ```
    pub fn consume(&self) -> Result<bool, QueueError> {
        self.rt.block_on(self.inner.consume())
    }

    /// See [`LockingQueue::release`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.release()?;
    /// # Ok(()) }
    /// ```
    pub fn release(&self) -> Result<bool, QueueError> {
        self.rt.block_on(self.inner.release())
    }

    /// See [`LockingQueue::len`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let n = q.len()?;
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> Result<usize, QueueError> {
        self.rt.block_on(self.inner.len())
    }

    /// See [`LockingQueue::is_empty`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::locking_queue::BlockingLockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let idle = q.is_empty()?;
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> Result<bool, QueueError> {
        self.rt.block_on(self.inner.is_empty())
    }
}
