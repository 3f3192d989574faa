//! Queue: a priority queue of entries, compatible with kazoo.
//!
//! Entries are `{path}/entry-{ppp}-{seq}`, persistent-sequential, where `ppp` is the priority
//! (0 to 999, lower first, 100 by default) as three digits; entries are served in the order
//! of their names. [`Queue::get`] reads and deletes the first entry; an entry that vanished
//! meanwhile (another consumer took it) is skipped. Also home of [`QueueError`] and the
//! priority rules that [`crate::locking_queue::LockingQueue`] shares.

use crate::barrier::support::{self, Deadline};
use bytes::Bytes;
use kazoo_client::{Client, CreateOptions, Error, OpResult, RetryPolicy};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// kazoo's default priority.
pub const DEFAULT_PRIORITY: u16 = 100;

/// The highest (least urgent) priority: priorities have three digits.
pub const MAX_PRIORITY: u16 = 999;

/// What can go wrong with a queue.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// A ZooKeeper request failed. A connection loss during a put leaves its outcome unknown
    /// (the entry may or may not exist); puts are not retried, so an entry is never doubled.
    #[error(transparent)]
    Zk(#[from] Error),
    /// The priority is above [`MAX_PRIORITY`].
    #[error("priority {0} is outside 0..=999")]
    InvalidPriority(u16),
}

/// `{entries}/entry-{ppp}-`: the prefix ZooKeeper appends the sequence number to.
pub(crate) fn entry_prefix(entries: &str, priority: u16) -> Result<String, QueueError> {
    if priority > MAX_PRIORITY {
        return Err(QueueError::InvalidPriority(priority));
    }
    Ok(format!("{entries}/entry-{priority:03}-"))
}

/// Creates every value as an entry in one transaction: all or none.
pub(crate) async fn put_all_entries(
    client: &Client,
    entries: &str,
    values: Vec<Bytes>,
    priority: u16,
) -> Result<Vec<String>, QueueError> {
    let prefix = entry_prefix(entries, priority)?;
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = client.transaction();
    for v in values {
        tx.create(&prefix, v, &CreateOptions::new().sequential());
    }
    let results = tx.commit().await?;
    Ok(results
        .into_iter()
        .filter_map(|r| match r {
            OpResult::Create { path } => Some(path),
            _ => None,
        })
        .collect())
}

/// A distributed priority queue (kazoo's `Queue`).
///
/// Guarantees:
/// - Each entry is handed to at most one consumer: taking an entry is deleting it, and only
///   the consumer whose delete succeeded returns it. As in kazoo, an entry is removed before
///   it is processed: a consumer that fails afterwards loses it (use
///   [`LockingQueue`](crate::locking_queue::LockingQueue) for reliable consumption).
/// - Entries come out by priority, then in the order they were put (ZooKeeper's sequence
///   numbers), because entries are served in the order of their names.
/// - [`Queue::put_all`] adds all values or none (one transaction).
/// - [`Queue::get_wait`] leaves no watch behind when it returns or is dropped.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::queue::QueueError> {
/// use kazoo_recipes::queue::{Queue, DEFAULT_PRIORITY};
/// let tasks = Queue::new(&zk, "/tasks");
/// tasks.put(&b"routine"[..], DEFAULT_PRIORITY).await?;
/// tasks.put(&b"urgent"[..], 1).await?;
/// assert_eq!(tasks.get().await?.as_deref(), Some(&b"urgent"[..]));
/// assert_eq!(tasks.len().await?, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Queue {
    client: Client,
    path: String,
    /// Entry names listed earlier and not yet taken (kazoo keeps the same cache).
    cache: tokio::sync::Mutex<VecDeque<String>>,
    ensured: AtomicBool,
    retry: RetryPolicy,
}

impl Queue {
    /// A queue at `path` (nothing is sent yet).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let q = kazoo_recipes::queue::Queue::new(&zk, "/tasks");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> Queue {
        Queue {
            client: client.clone(),
            path: path.trim_end_matches('/').to_owned(),
            cache: tokio::sync::Mutex::new(VecDeque::new()),
            ensured: AtomicBool::new(false),
            retry: support::default_retry(),
        }
    }

    /// Uses `retry` for connection losses on reads and deletes (default: no limit). Puts are
    /// never retried.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::Queue) {
    /// let q = q.with_retry(kazoo_client::RetryPolicy::new().with_max_tries(3));
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> Queue {
        self.retry = retry;
        self
    }

    /// The queue's path.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::Queue) { println!("{}", q.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    async fn ensure(&self) -> Result<(), QueueError> {
        if !self.ensured.load(Ordering::SeqCst) {
            let c = &self.client;
            c.retry(&self.retry, || c.ensure_path(&self.path)).await?;
            self.ensured.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Adds `value` with `priority` (0 to 999, lower first; [`DEFAULT_PRIORITY`] is kazoo's
    /// default) and returns the entry's path.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let entry = q.put(b"job".to_vec(), 50).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put(&self, value: impl Into<Bytes>, priority: u16) -> Result<String, QueueError> {
        let prefix = entry_prefix(&self.path, priority)?;
        self.ensure().await?;
        let path = self
            .client
            .create(&prefix, value.into(), &CreateOptions::new().sequential())
            .await?;
        Ok(path)
    }

    /// Adds all `values` with `priority` in one transaction (all or none), in order; returns
    /// the entries' paths.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put_all([b"a".to_vec(), b"b".to_vec()], 100).await?;
    /// # Ok(()) }
    /// ```
    pub async fn put_all<I, V>(&self, values: I, priority: u16) -> Result<Vec<String>, QueueError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Bytes>,
    {
        let values: Vec<Bytes> = values.into_iter().map(Into::into).collect();
        entry_prefix(&self.path, priority)?;
        self.ensure().await?;
        put_all_entries(&self.client, &self.path, values, priority).await
    }

    /// Takes the first entry: its data, or `None` when the queue is empty (kazoo's `get`).
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// while let Some(job) = q.get().await? {
    ///     println!("{job:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self) -> Result<Option<Bytes>, QueueError> {
        self.ensure().await?;
        let mut cache = self.cache.lock().await;
        loop {
            if cache.is_empty() {
                let c = &self.client;
                let mut children = c.retry(&self.retry, || c.get_children(&self.path)).await?;
                children.sort();
                cache.extend(children);
            }
            let Some(name) = cache.front().cloned() else {
                return Ok(None);
            };
            if let Some(data) = self.take(&name).await? {
                cache.pop_front();
                return Ok(Some(data));
            }
            // Someone else took it: list again.
            cache.clear();
        }
    }

    /// Reads and deletes one entry; `None` when it vanished first.
    async fn take(&self, name: &str) -> Result<Option<Bytes>, QueueError> {
        let c = &self.client;
        let p = format!("{}/{name}", self.path);
        let data = match c.retry(&self.retry, || c.get(&p)).await {
            Ok((data, _)) => data,
            Err(Error::NoNode { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // A delete retried after a connection loss may find the node gone because the first
        // try went through; the entry cannot be told apart from one another consumer took,
        // so it is treated as lost to us (at most once, never twice).
        match c.retry(&self.retry, || c.delete(&p, None)).await {
            Ok(()) => Ok(Some(data)),
            Err(Error::NoNode { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the first entry, waiting at most `timeout` (`None`: no limit) for one to be put.
    /// `Ok(None)` on timeout.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// if let Some(job) = q.get_wait(Some(std::time::Duration::from_secs(5))).await? {
    ///     println!("{job:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_wait(&self, timeout: Option<Duration>) -> Result<Option<Bytes>, QueueError> {
        let deadline = Deadline::after(timeout);
        loop {
            if let Some(data) = self.get().await? {
                return Ok(Some(data));
            }
            let c = &self.client;
            let (children, watch) = c
                .retry(&self.retry, || c.get_children_w(&self.path))
                .await?;
            if !children.is_empty() {
                continue;
            }
            match deadline.wait(watch).await {
                None => return Ok(None),
                Some(e) if e.is_terminal() => return Err(support::terminal_error(&e).into()),
                Some(_) => {}
            }
        }
    }

    /// The number of entries (kazoo's `len(queue)`).
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// println!("{} waiting", q.len().await?);
    /// # Ok(()) }
    /// ```
    pub async fn len(&self) -> Result<usize, QueueError> {
        self.ensure().await?;
        let c = &self.client;
        let (_, stat) = c.retry(&self.retry, || c.get(&self.path)).await?;
        Ok(usize::try_from(stat.num_children).unwrap_or(0))
    }

    /// True when the queue has no entry.
    ///
    /// ```no_run
    /// # async fn f(q: kazoo_recipes::queue::Queue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// if q.is_empty().await? { println!("idle"); }
    /// # Ok(()) }
    /// ```
    pub async fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self.len().await? == 0)
    }
}

/// Blocking form of [`Queue`] (same guarantees): each method blocks the calling thread on the
/// blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::queue::{BlockingQueue, DEFAULT_PRIORITY};
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let q = BlockingQueue::new(&zk, "/tasks");
/// q.put(b"job".to_vec(), DEFAULT_PRIORITY)?;
/// assert_eq!(q.get()?.as_deref(), Some(&b"job"[..]));
/// # Ok::<(), kazoo_recipes::queue::QueueError>(())
/// ```
#[derive(Debug)]
pub struct BlockingQueue {
    rt: tokio::runtime::Handle,
    inner: Queue,
}

impl BlockingQueue {
    /// See [`Queue::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let q = kazoo_recipes::queue::BlockingQueue::new(zk, "/tasks");
    /// # }
    /// ```
    pub fn new(client: &kazoo_client::blocking::Client, path: &str) -> BlockingQueue {
        BlockingQueue {
            rt: client.runtime_handle(),
            inner: Queue::new(client.as_async(), path),
        }
    }

    /// See [`Queue::with_retry`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) {
    /// let q = q.with_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> BlockingQueue {
        self.inner = self.inner.with_retry(retry);
        self
    }

    /// The async queue underneath.
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) { println!("{}", q.as_async().path()); }
    /// ```
    pub fn as_async(&self) -> &Queue {
        &self.inner
    }

    /// See [`Queue::put`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put(b"job".to_vec(), 100)?;
    /// # Ok(()) }
    /// ```
    pub fn put(&self, value: impl Into<Bytes>, priority: u16) -> Result<String, QueueError> {
        self.rt.block_on(self.inner.put(value, priority))
    }

    /// See [`Queue::put_all`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// q.put_all([b"a".to_vec(), b"b".to_vec()], 100)?;
    /// # Ok(()) }
    /// ```
    pub fn put_all<I, V>(&self, values: I, priority: u16) -> Result<Vec<String>, QueueError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Bytes>,
    {
        self.rt.block_on(self.inner.put_all(values, priority))
    }

    /// See [`Queue::get`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let next = q.get()?;
    /// # Ok(()) }
    /// ```
    pub fn get(&self) -> Result<Option<Bytes>, QueueError> {
        self.rt.block_on(self.inner.get())
    }

    /// See [`Queue::get_wait`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let next = q.get_wait(Some(std::time::Duration::from_secs(1)))?;
    /// # Ok(()) }
    /// ```
    pub fn get_wait(&self, timeout: Option<Duration>) -> Result<Option<Bytes>, QueueError> {
        self.rt.block_on(self.inner.get_wait(timeout))
    }

    /// See [`Queue::len`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let n = q.len()?;
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> Result<usize, QueueError> {
        self.rt.block_on(self.inner.len())
    }

    /// See [`Queue::is_empty`].
    ///
    /// ```no_run
    /// # fn f(q: kazoo_recipes::queue::BlockingQueue) -> Result<(), kazoo_recipes::queue::QueueError> {
    /// let idle = q.is_empty()?;
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> Result<bool, QueueError> {
        self.rt.block_on(self.inner.is_empty())
    }
}
