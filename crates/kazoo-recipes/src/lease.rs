//! NonBlockingLease and MultiNonBlockingLease: time-bounded leases (kazoo's, same znodes).
//!
//! A lease at `{path}` is the node `{path}/lease_holder` (persistent) whose data is the JSON
//! text `{"version": 1, "holder": "<id>", "end": "<UTC %Y-%m-%dT%H:%M:%S>"}`, written with
//! Python's default separators and ASCII escaping, exactly as kazoo's `json.dumps` does. A
//! lock on `{path}` itself (contenders `{path}/{uuid}__lock__{seq}`) guards reading and
//! rewriting it. The lease is obtained when there is no holder, the holder is us (a renewal),
//! or the recorded end has passed. Times come from client clocks (UTC), so they must be
//! roughly synchronised; the clock is injectable for tests.

use crate::barrier::support;
use crate::fencing::{lost_channel, FencingToken, Grant, GrantOptions, LostReason, LostSignal};
use crate::lock::{Lock, LockError, LockOptions};
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use kazoo_client::{Client, CreateOptions, Error};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The storage format version kazoo writes (and the only one it accepts).
const VERSION: i64 = 1;

/// kazoo's `_date_format`.
const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// The clock a lease reads "now" from.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What can go wrong with a lease.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// A ZooKeeper request failed.
    #[error(transparent)]
    Zk(#[from] Error),
    /// Taking the guard lock failed.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The clock, or the clock plus the duration, is outside the dates a record can hold.
    #[error("lease {path}: the time is out of range")]
    TimeOutOfRange {
        /// The lease path.
        path: String,
    },
    /// The holder record is not what kazoo writes (kazoo raises there too).
    #[error("lease {path}: unreadable holder record {data:?}: {reason}")]
    Malformed {
        /// The holder node.
        path: String,
        /// Its data.
        data: Vec<u8>,
        /// What is wrong with it.
        reason: String,
    },
}

/// A lease holder record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    version: i64,
    holder: String,
    end: NaiveDateTime,
}

/// `json.dumps(s)` of a string: ASCII only, `\uXXXX` (lowercase, UTF-16) for the rest.
fn python_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

impl Record {
    /// kazoo's `json.dumps({"version": 1, "holder": ..., "end": ...})`, byte for byte.
    fn encode(&self) -> Vec<u8> {
        let mut out = format!("{{\"version\": {}, \"holder\": ", self.version);
        python_json_string(&self.holder, &mut out);
        out.push_str(", \"end\": ");
        python_json_string(&self.end.format(DATE_FORMAT).to_string(), &mut out);
        out.push('}');
        out.into_bytes()
    }

    /// Reads a record; `Err` says why it is not one. A record of another version is returned
    /// as such (the caller leaves it alone, as kazoo does) as long as its end is readable.
    fn decode(data: &[u8]) -> Result<Record, String> {
        let v: serde_json::Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
        let version = v
            .get("version")
            .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)))
            .ok_or("no integer \"version\"")?;
        if version != VERSION {
            return Ok(Record {
                version,
                holder: String::new(),
                end: NaiveDateTime::MIN,
            });
        }
        let holder = v
            .get("holder")
            .and_then(|h| h.as_str())
            .ok_or("no string \"holder\"")?
            .to_owned();
        let end = v
            .get("end")
            .and_then(|e| e.as_str())
            .ok_or("no string \"end\"")?;
        let end = NaiveDateTime::parse_from_str(end, DATE_FORMAT).map_err(|e| e.to_string())?;
        Ok(Record {
            version,
            holder,
            end,
        })
    }
}

/// `t` as a naive UTC date and time, `None` outside chrono's range.
fn naive_utc(t: SystemTime) -> Option<NaiveDateTime> {
    let (secs, nanos) = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let secs = -i64::try_from(d.as_secs()).ok()?;
            match d.subsec_nanos() {
                0 => (secs, 0),
                n => (secs - 1, 1_000_000_000 - n),
            }
        }
    };
    DateTime::<Utc>::from_timestamp(secs, nanos).map(|d| d.naive_utc())
}

/// An obtained lease: who, until when, its fencing token and lost signal.
///
/// The lost signal fires with [`LostReason::Released`] when the lease's end (by the lease's
/// clock) has passed, and with the grant's reason when the holder record is deleted or
/// rewritten (another holder took over after the end, or a
/// renewal by anyone, ourselves included, replaced it), or after [`Lease::release`]. The
/// token is the holder record's creation zxid: every new record gets a larger one.
#[derive(Clone)]
pub struct Lease {
    path: String,
    holder: String,
    end: SystemTime,
    grant: Grant,
    lost: LostSignal,
    _watcher: Arc<Watcher>,
    inner: Arc<NonBlockingLeaseInner>,
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("path", &self.path)
            .field("holder", &self.holder)
            .field("end", &self.end)
            .field("token", &self.grant.token())
            .field("lost", &self.lost.reason())
            .finish()
    }
}

impl Lease {
    /// The lease path (the parent of `lease_holder`).
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::Lease) { println!("{}", l.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Our identifier, as recorded.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::Lease) { println!("{}", l.holder()); }
    /// ```
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The recorded end (whole seconds, UTC, as kazoo records it).
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::Lease) { println!("{:?}", l.end()); }
    /// ```
    pub fn end(&self) -> SystemTime {
        self.end
    }

    /// The fencing token: the holder record's creation zxid.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::Lease) { println!("token {}", l.token()); }
    /// ```
    pub fn token(&self) -> FencingToken {
        self.grant.token()
    }

    /// The holder record's grant (token, and transactions checking the record).
    ///
    /// ```no_run
    /// # async fn f(l: kazoo_recipes::lease::Lease) -> kazoo_client::Result<()> {
    /// let mut t = l.grant().transaction();
    /// t.set_data("/jobs/hourly/last-run", b"now".to_vec(), None);
    /// t.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The lease's lost signal (see the type's documentation).
    ///
    /// ```no_run
    /// # async fn f(l: kazoo_recipes::lease::Lease) {
    /// let reason = l.lost_signal().lost().await;
    /// # }
    /// ```
    pub fn lost_signal(&self) -> LostSignal {
        self.lost.clone()
    }

    /// True once the lost signal fired.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::Lease) { if l.is_lost() { /* stop */ } }
    /// ```
    pub fn is_lost(&self) -> bool {
        self.lost.is_lost()
    }

    /// Gives the lease up before its end (not in kazoo): under the guard lock, deletes the
    /// holder record if it is still ours. Returns whether it was.
    ///
    /// ```no_run
    /// # async fn f(l: kazoo_recipes::lease::Lease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// l.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn release(&self) -> Result<bool, LeaseError> {
        let inner = &self.inner;
        let guard = inner.lock().acquire().await?;
        let r = self.release_locked().await;
        guard.release().await?;
        r
    }

    async fn release_locked(&self) -> Result<bool, LeaseError> {
        let c = &self.inner.client;
        let holder = self.inner.holder_path();
        let (_, stat) = match c.get(&holder).await {
            Ok(r) => r,
            Err(Error::NoNode { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if FencingToken::from_stat(&stat) != self.token() {
            return Ok(false);
        }
        match c.delete(&holder, Some(stat.version)).await {
            Ok(()) => Ok(true),
            Err(Error::NoNode { .. }) | Err(Error::BadVersion { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// Settings and client of a lease, shared by the leases it hands out.
struct NonBlockingLeaseInner {
    client: Client,
    path: String,
    duration: Duration,
    identifier: String,
    clock: Clock,
}

impl NonBlockingLeaseInner {
    fn holder_path(&self) -> String {
        format!("{}/lease_holder", self.path)
    }

    fn lock(&self) -> Lock {
        Lock::with_options(
            &self.client,
            &self.path,
            LockOptions::new().identifier(self.identifier.clone()),
        )
    }
}

/// An exclusive lease that does not wait for the lease (kazoo's `NonBlockingLease`): one
/// attempt, which obtains it or not.
///
/// Guarantees: at most one identifier holds the lease at a time, as long as the clients'
/// clocks agree (the holder record is read and rewritten under a lock, and a record is only
/// replaced by another identifier after its end). Obtaining it again with the same identifier
/// renews it. The guard lock is released before [`NonBlockingLease::try_obtain`] returns, and
/// it leaves no watch behind; the holder record stays (it *is* the lease) until another
/// holder replaces it or [`Lease::release`] deletes it.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::lease::LeaseError> {
/// use kazoo_recipes::lease::NonBlockingLease;
/// use std::time::Duration;
/// let lease = NonBlockingLease::new(&zk, "/db_leases/hourly_cleanup", Duration::from_secs(70 * 60))
///     .with_identifier("DB hourly cleanup on host-7");
/// if let Some(held) = lease.try_obtain().await? {
///     // do_hourly_database_cleanup(), stopping if held.lost_signal() fires
/// #   let _ = held;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NonBlockingLease {
    inner: Arc<NonBlockingLeaseInner>,
}

impl fmt::Debug for NonBlockingLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonBlockingLease")
            .field("path", &self.inner.path)
            .field("duration", &self.inner.duration)
            .field("identifier", &self.inner.identifier)
            .finish_non_exhaustive()
    }
}

impl NonBlockingLease {
    /// A lease at `path` lasting `duration` once obtained; the identifier defaults to the
    /// host name (kazoo's default) and the clock to the system clock.
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// use std::time::Duration;
    /// let lease = kazoo_recipes::lease::NonBlockingLease::new(&zk, "/leases/job", Duration::from_secs(60));
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str, duration: Duration) -> NonBlockingLease {
        NonBlockingLease {
            inner: Arc::new(NonBlockingLeaseInner {
                client: client.clone(),
                path: path.trim_end_matches('/').to_owned(),
                duration,
                identifier: support::host_name(),
                clock: Arc::new(SystemTime::now),
            }),
        }
    }

    fn map(self, f: impl FnOnce(&mut NonBlockingLeaseInner)) -> NonBlockingLease {
        let mut inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(shared) => NonBlockingLeaseInner {
                client: shared.client.clone(),
                path: shared.path.clone(),
                duration: shared.duration,
                identifier: shared.identifier.clone(),
                clock: shared.clock.clone(),
            },
        };
        f(&mut inner);
        NonBlockingLease {
            inner: Arc::new(inner),
        }
    }

    /// Sets the identifier recorded as holder; reuse it to renew the lease.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::NonBlockingLease) {
    /// let l = l.with_identifier("cleanup on host-7");
    /// # }
    /// ```
    pub fn with_identifier(self, identifier: &str) -> NonBlockingLease {
        let identifier = identifier.to_owned();
        self.map(|i| i.identifier = identifier)
    }

    /// Reads "now" from `clock` instead of the system clock (kazoo's `utcnow=`, for tests).
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::NonBlockingLease) {
    /// use std::time::{Duration, SystemTime};
    /// let fixed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let l = l.with_clock(move || fixed);
    /// # }
    /// ```
    pub fn with_clock(
        self,
        clock: impl Fn() -> SystemTime + Send + Sync + 'static,
    ) -> NonBlockingLease {
        let clock: Clock = Arc::new(clock);
        self.map(|i| i.clock = clock)
    }

    /// The lease path.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::NonBlockingLease) { println!("{}", l.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The identifier recorded as holder.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::NonBlockingLease) { println!("{}", l.identifier()); }
    /// ```
    pub fn identifier(&self) -> &str {
        &self.inner.identifier
    }

    /// One attempt (kazoo's constructor): `Some(lease)` when obtained or renewed, `None` when
    /// another identifier holds it until later (or its record has another format version).
    ///
    /// ```no_run
    /// # async fn f(l: kazoo_recipes::lease::NonBlockingLease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// match l.try_obtain().await? {
    ///     Some(lease) => println!("ours until {:?}", lease.end()),
    ///     None => println!("someone else's"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn try_obtain(&self) -> Result<Option<Lease>, LeaseError> {
        let inner = &self.inner;
        let c = &inner.client;
        c.retry(&support::default_retry(), || c.ensure_path(&inner.path))
            .await?;
        let guard = inner.lock().acquire().await?;
        let r = self.obtain_locked().await;
        let released = guard.release().await;
        let lease = r?;
        released?;
        Ok(lease)
    }

    async fn obtain_locked(&self) -> Result<Option<Lease>, LeaseError> {
        let inner = &self.inner;
        let c = &inner.client;
        let holder_path = inner.holder_path();
        let now = (inner.clock)();
        let out_of_range = || LeaseError::TimeOutOfRange {
            path: inner.path.clone(),
        };
        let now_utc = naive_utc(now).ok_or_else(out_of_range)?;
        // Whole seconds: the record holds no more, and peers judge by the record.
        let end = now
            .checked_add(inner.duration)
            .and_then(naive_utc)
            .and_then(|t| t.with_nanosecond(0))
            .ok_or_else(out_of_range)?;
        let record = Record {
            version: VERSION,
            holder: inner.identifier.clone(),
            end,
        };
        let data = Bytes::from(record.encode());
        let mut tx = c.transaction();
        match c.get(&holder_path).await {
            Ok((old, stat)) => {
                let old = Record::decode(&old).map_err(|reason| LeaseError::Malformed {
                    path: holder_path.clone(),
                    data: old.to_vec(),
                    reason,
                })?;
                if old.version != VERSION {
                    // A newer format: let someone who understands it take the lease.
                    return Ok(None);
                }
                if old.holder != inner.identifier && now_utc < old.end {
                    return Ok(None);
                }
                // Replace in one transaction (kazoo deletes, then creates): a crash in
                // between cannot leave the lease without a record.
                tx.delete(&holder_path, Some(stat.version));
            }
            Err(Error::NoNode { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        tx.create(&holder_path, data.clone(), &CreateOptions::new());
        tx.commit().await?;
        let (written, stat) = c.get(&holder_path).await?;
        if written != data {
            // Someone ignoring the guard lock wrote meanwhile: not ours.
            return Ok(None);
        }
        let path = holder_path;
        let end_time = SystemTime::from(record.end.and_utc());
        let grant = Grant::monitor(c, &path, &stat, GrantOptions::new()).await;
        let (lost, watcher) = lease_lost_signal(&grant, end_time, inner.clock.clone());
        Ok(Some(Lease {
            path: inner.path.clone(),
            holder: record.holder,
            end: end_time,
            grant,
            lost,
            _watcher: Arc::new(watcher),
            inner: inner.clone(),
        }))
    }
}

/// Stops the task behind a lease's lost signal when the last clone of the lease goes.
#[derive(Debug)]
struct Watcher(Option<tokio::task::JoinHandle<()>>);

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// A signal firing when `grant` is lost, or with [`LostReason::Released`] when the lease's
/// end passes by `clock`.
fn lease_lost_signal(grant: &Grant, end: SystemTime, clock: Clock) -> (LostSignal, Watcher) {
    let (trigger, signal) = lost_channel();
    let grant_lost = grant.lost_signal();
    if let Some(r) = grant_lost.reason() {
        trigger.fire(r);
        return (signal, Watcher(None));
    }
    let task = tokio::spawn(async move {
        let ended = async {
            // The injected clock may run at any pace: look again at least every second.
            loop {
                match end.duration_since(clock()) {
                    Ok(left) if !left.is_zero() => {
                        tokio::time::sleep(left.min(Duration::from_secs(1))).await
                    }
                    _ => return,
                }
            }
        };
        tokio::select! {
            r = grant_lost.lost() => { trigger.fire(r); }
            () = ended => { trigger.fire(LostReason::Released); }
        }
    });
    (signal, Watcher(Some(task)))
}

/// A lease for up to `count` holders (kazoo's `MultiNonBlockingLease`): tries the leases
/// `{path}/0` to `{path}/{count-1}` in order and keeps the first one obtained.
///
/// Guarantees: those of [`NonBlockingLease`], for each of the `count` slots.
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::lease::LeaseError> {
/// use kazoo_recipes::lease::MultiNonBlockingLease;
/// use std::time::Duration;
/// let leases = MultiNonBlockingLease::new(&zk, 3, "/leases/crawler", Duration::from_secs(600));
/// if let Some((slot, lease)) = leases.try_obtain().await? {
///     println!("crawler slot {slot} until {:?}", lease.end());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MultiNonBlockingLease {
    slots: Vec<NonBlockingLease>,
}

impl MultiNonBlockingLease {
    /// `count` leases under `path`, each lasting `duration` once obtained.
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// use std::time::Duration;
    /// let l = kazoo_recipes::lease::MultiNonBlockingLease::new(&zk, 2, "/leases/x", Duration::from_secs(60));
    /// # }
    /// ```
    pub fn new(
        client: &Client,
        count: usize,
        path: &str,
        duration: Duration,
    ) -> MultiNonBlockingLease {
        let path = path.trim_end_matches('/');
        MultiNonBlockingLease {
            slots: (0..count)
                .map(|i| NonBlockingLease::new(client, &format!("{path}/{i}"), duration))
                .collect(),
        }
    }

    /// Sets the identifier of every slot.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::MultiNonBlockingLease) {
    /// let l = l.with_identifier("crawler on host-3");
    /// # }
    /// ```
    pub fn with_identifier(self, identifier: &str) -> MultiNonBlockingLease {
        MultiNonBlockingLease {
            slots: self
                .slots
                .into_iter()
                .map(|s| s.with_identifier(identifier))
                .collect(),
        }
    }

    /// Sets the clock of every slot (see [`NonBlockingLease::with_clock`]).
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::MultiNonBlockingLease) {
    /// let l = l.with_clock(std::time::SystemTime::now);
    /// # }
    /// ```
    pub fn with_clock(
        self,
        clock: impl Fn() -> SystemTime + Send + Sync + 'static,
    ) -> MultiNonBlockingLease {
        let clock: Clock = Arc::new(clock);
        MultiNonBlockingLease {
            slots: self
                .slots
                .into_iter()
                .map(|s| {
                    let clock = clock.clone();
                    s.with_clock(move || clock())
                })
                .collect(),
        }
    }

    /// Tries the slots in order: the first obtained (slot index and lease), or `None`.
    ///
    /// ```no_run
    /// # async fn f(l: kazoo_recipes::lease::MultiNonBlockingLease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// let obtained = l.try_obtain().await?.is_some();
    /// # Ok(()) }
    /// ```
    pub async fn try_obtain(&self) -> Result<Option<(usize, Lease)>, LeaseError> {
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(lease) = slot.try_obtain().await? {
                return Ok(Some((i, lease)));
            }
        }
        Ok(None)
    }
}

/// Blocking form of [`NonBlockingLease`] (same guarantees): blocks the calling thread on the
/// blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::lease::BlockingNonBlockingLease;
/// use std::time::Duration;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let lease = BlockingNonBlockingLease::new(&zk, "/leases/job", Duration::from_secs(60));
/// if let Some(held) = lease.try_obtain()? {
///     println!("until {:?}", held.end());
/// }
/// # Ok::<(), kazoo_recipes::lease::LeaseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingNonBlockingLease {
    rt: tokio::runtime::Handle,
    inner: NonBlockingLease,
}

impl BlockingNonBlockingLease {
    /// See [`NonBlockingLease::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// use std::time::Duration;
    /// let l = kazoo_recipes::lease::BlockingNonBlockingLease::new(zk, "/leases/job", Duration::from_secs(60));
    /// # }
    /// ```
    pub fn new(
        client: &kazoo_client::blocking::Client,
        path: &str,
        duration: Duration,
    ) -> BlockingNonBlockingLease {
        BlockingNonBlockingLease {
            rt: client.runtime_handle(),
            inner: NonBlockingLease::new(client.as_async(), path, duration),
        }
    }

    /// See [`NonBlockingLease::with_identifier`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingNonBlockingLease) {
    /// let l = l.with_identifier("me");
    /// # }
    /// ```
    pub fn with_identifier(mut self, identifier: &str) -> BlockingNonBlockingLease {
        self.inner = self.inner.with_identifier(identifier);
        self
    }

    /// See [`NonBlockingLease::with_clock`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingNonBlockingLease) {
    /// let l = l.with_clock(std::time::SystemTime::now);
    /// # }
    /// ```
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> SystemTime + Send + Sync + 'static,
    ) -> BlockingNonBlockingLease {
        self.inner = self.inner.with_clock(clock);
        self
    }

    /// The async lease underneath.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingNonBlockingLease) { println!("{}", l.as_async().path()); }
    /// ```
    pub fn as_async(&self) -> &NonBlockingLease {
        &self.inner
    }

    /// See [`NonBlockingLease::try_obtain`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingNonBlockingLease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// let obtained = l.try_obtain()?.is_some();
    /// # Ok(()) }
    /// ```
    pub fn try_obtain(&self) -> Result<Option<Lease>, LeaseError> {
        self.rt.block_on(self.inner.try_obtain())
    }

    /// [`Lease::release`], blocking.
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingNonBlockingLease, lease: kazoo_recipes::lease::Lease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// l.release(&lease)?;
    /// # Ok(()) }
    /// ```
    pub fn release(&self, lease: &Lease) -> Result<bool, LeaseError> {
        self.rt.block_on(lease.release())
    }
}

/// Blocking form of [`MultiNonBlockingLease`] (same guarantees).
///
/// ```no_run
/// use kazoo_recipes::lease::BlockingMultiNonBlockingLease;
/// use std::time::Duration;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let leases = BlockingMultiNonBlockingLease::new(&zk, 2, "/leases/x", Duration::from_secs(60));
/// let obtained = leases.try_obtain()?.is_some();
/// # Ok::<(), kazoo_recipes::lease::LeaseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingMultiNonBlockingLease {
    rt: tokio::runtime::Handle,
    inner: MultiNonBlockingLease,
}

impl BlockingMultiNonBlockingLease {
    /// See [`MultiNonBlockingLease::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// use std::time::Duration;
    /// let l = kazoo_recipes::lease::BlockingMultiNonBlockingLease::new(zk, 2, "/l", Duration::from_secs(9));
    /// # }
    /// ```
    pub fn new(
        client: &kazoo_client::blocking::Client,
        count: usize,
        path: &str,
        duration: Duration,
    ) -> BlockingMultiNonBlockingLease {
        BlockingMultiNonBlockingLease {
            rt: client.runtime_handle(),
            inner: MultiNonBlockingLease::new(client.as_async(), count, path, duration),
        }
    }

    /// See [`MultiNonBlockingLease::with_identifier`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingMultiNonBlockingLease) {
    /// let l = l.with_identifier("me");
    /// # }
    /// ```
    pub fn with_identifier(mut self, identifier: &str) -> BlockingMultiNonBlockingLease {
        self.inner = self.inner.with_identifier(identifier);
        self
    }

    /// See [`MultiNonBlockingLease::with_clock`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingMultiNonBlockingLease) {
    /// let l = l.with_clock(std::time::SystemTime::now);
    /// # }
    /// ```
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> SystemTime + Send + Sync + 'static,
    ) -> BlockingMultiNonBlockingLease {
        self.inner = self.inner.with_clock(clock);
        self
    }

    /// See [`MultiNonBlockingLease::try_obtain`].
    ///
    /// ```no_run
    /// # fn f(l: kazoo_recipes::lease::BlockingMultiNonBlockingLease) -> Result<(), kazoo_recipes::lease::LeaseError> {
    /// let slot = l.try_obtain()?.map(|(i, _)| i);
    /// # Ok(()) }
    /// ```
    pub fn try_obtain(&self) -> Result<Option<(usize, Lease)>, LeaseError> {
        self.rt.block_on(self.inner.try_obtain())
    }
}

#[cfg(test)]
mod tests {
    use super::{python_json_string, Record, DATE_FORMAT};
    use chrono::NaiveDateTime;

    #[test]
    fn records_are_kazoos_json_byte_for_byte() {
        let end = NaiveDateTime::parse_from_str("2024-03-01T12:00:05", DATE_FORMAT).unwrap();
        let r = Record {
            version: 1,
            holder: "host-7".into(),
            end,
        };
        assert_eq!(
            String::from_utf8(r.encode()).unwrap(),
            r#"{"version": 1, "holder": "host-7", "end": "2024-03-01T12:00:05"}"#
        );
        assert_eq!(Record::decode(&r.encode()), Ok(r));
    }

    #[test]
    fn strings_are_escaped_as_python_json_dumps() {
        let mut out = String::new();
        python_json_string("a\"b\\c\nd\u{1}é😀", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\u0001\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn bad_records_are_errors_other_versions_are_recognised() {
        assert!(Record::decode(b"not json").is_err());
        assert!(Record::decode(br#"{"version": 1, "holder": "x"}"#).is_err());
        assert!(Record::decode(br#"{"version": 1, "holder": "x", "end": "soon"}"#).is_err());
        assert_eq!(Record::decode(br#"{"version": 2}"#).unwrap().version, 2);
    }
}
