//! Counter: an integer or float stored as text (kazoo) or as 4 bytes (Curator SharedCount).
//!
//! kazoo stores `repr(value)` as ASCII (`3`, `-2`, `2.5`, `1e+16`) and reads it back with the
//! default's type; empty data means the default. Curator's `SharedCount` stores a 4-byte
//! big-endian signed integer. A change reads the value with its version and writes it back
//! conditioned on that version, re-reading on a conflict.

use crate::barrier::support;
use kazoo_client::{Client, Error, RetryPolicy};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// What can go wrong with a counter.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CounterError {
    /// A ZooKeeper request failed. A connection loss during the conditional write leaves its
    /// outcome unknown: the error is returned rather than risking a second application.
    #[error(transparent)]
    Zk(#[from] Error),
    /// The node holds data this counter cannot read as its value type.
    #[error("counter {path}: stored data {data:?} is not a valid {kind}")]
    Malformed {
        /// The counter's path.
        path: String,
        /// The data found.
        data: Vec<u8>,
        /// What was expected.
        kind: &'static str,
    },
    /// The new value does not fit the value type (or Curator's 32 bits).
    #[error("counter {path}: {pre} + {delta} does not fit")]
    Overflow {
        /// The counter's path.
        path: String,
        /// The value read.
        pre: String,
        /// The change asked for.
        delta: String,
    },
    /// Conflicting writers kept winning until the conflict retry policy gave up.
    #[error("counter {path}: gave up after {tries} conflicting writes")]
    Conflict {
        /// The counter's path.
        path: String,
        /// How many writes were refused for a newer version.
        tries: usize,
    },
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// A counter's value type: `i64` (kazoo's `int`) or `f64` (kazoo's `float`).
///
/// ```
/// use kazoo_recipes::counter::CounterValue;
/// assert_eq!(2.5f64.to_repr(), "2.5");
/// assert_eq!(1e16f64.to_repr(), "1e+16");
/// assert_eq!((-2i64).to_repr(), "-2");
/// assert_eq!(f64::from_repr("3"), Some(3.0));
/// assert_eq!(i64::from_repr("2.5"), None);
/// ```
pub trait CounterValue:
    Copy + PartialEq + fmt::Debug + fmt::Display + Send + Sync + 'static + sealed::Sealed
{
    /// The type's name in errors.
    const KIND: &'static str;
    /// `self + other`, `None` when it does not fit.
    fn checked_add(self, other: Self) -> Option<Self>;
    /// `-self`, `None` when it does not fit.
    fn checked_neg(self) -> Option<Self>;
    /// Python's `repr(value)`.
    fn to_repr(self) -> String;
    /// Python's `int(text)` / `float(text)` for the texts kazoo writes.
    fn from_repr(text: &str) -> Option<Self>;
}

impl CounterValue for i64 {
    const KIND: &'static str = "integer";
    fn checked_add(self, other: i64) -> Option<i64> {
        i64::checked_add(self, other)
    }
    fn checked_neg(self) -> Option<i64> {
        i64::checked_neg(self)
    }
    fn to_repr(self) -> String {
        self.to_string()
    }
    fn from_repr(text: &str) -> Option<i64> {
        let t = text.trim();
        // Python's int() accepts `_` between digits; no other separators.
        if t.contains("__") || t.starts_with('_') || t.ends_with('_') {
            return None;
        }
        t.replace('_', "").parse().ok()
    }
}

impl CounterValue for f64 {
    const KIND: &'static str = "float";
    fn checked_add(self, other: f64) -> Option<f64> {
        Some(self + other)
    }
    fn checked_neg(self) -> Option<f64> {
        Some(-self)
    }
    fn to_repr(self) -> String {
        python_float_repr(self)
    }
    fn from_repr(text: &str) -> Option<f64> {
        text.trim().parse().ok()
    }
}

/// Python's `repr(float)`: the shortest digits that read back to the same value, in fixed
/// notation when the decimal exponent is in `-4..16` (with `.0` when integral), otherwise as
/// `d.ddde+XX` with at least two exponent digits.
fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` prints the shortest round-trip digits, but breaks a tie between two
    // candidates upwards where Python picks the nearest to the exact value (ties to even):
    // printing that many digits exactly gives Python's choice.
    let shortest = format!("{:e}", x.abs());
    let ndigits = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let sci = format!("{:.*e}", ndigits.saturating_sub(1), x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decpt = exp + 1;
    let body = if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.unsigned_abs())
    } else if decpt <= 0 {
        format!("0.{}{digits}", "0".repeat(decpt.unsigned_abs() as usize))
    } else {
        let point = decpt as usize;
        if point >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{body}")
}

/// How the value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// kazoo: ASCII `repr(value)`.
    Text,
    /// Curator `SharedCount`: 4-byte big-endian `i32`.
    Curator,
}

/// A shared counter (kazoo's `Counter`).
///
/// Guarantees:
/// - Every change is applied exactly once or reported as failed: the write is conditioned on
///   the version read, and a conflict re-reads and tries again (the conflict policy bounds
///   how often); a connection loss *during the write* is reported (its outcome is unknown),
///   never retried blindly.
/// - The stored text is exactly kazoo's (`repr`), so Python kazoo counters share the node;
///   with [`Counter::curator`] the node is Curator `SharedCount` compatible instead.
/// - After a successful change [`pre_value`](Counter::pre_value) and
///   [`post_value`](Counter::post_value) hold the values before and after it (as kazoo's
///   attributes).
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> Result<(), kazoo_recipes::counter::CounterError> {
/// use kazoo_recipes::counter::Counter;
/// let hits = Counter::new(&zk, "/stats/hits");
/// hits.add(2).await?;
/// hits.subtract(1).await?;
/// assert_eq!(hits.pre_value(), Some(2));
/// assert_eq!(hits.post_value(), Some(1));
///
/// let load = Counter::with_default(&zk, "/stats/load", 1.0);
/// assert_eq!(load.add(2.0).await?, 3.0);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Counter<V: CounterValue = i64> {
    client: Client,
    path: String,
    default: V,
    encoding: Encoding,
    retry: RetryPolicy,
    conflicts: RetryPolicy,
    ensured: AtomicBool,
    last: Mutex<(Option<V>, Option<V>)>,
}

impl Counter<i64> {
    /// An integer counter at `path` with default 0 (kazoo's `Counter(client, path)`).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let c = kazoo_recipes::counter::Counter::new(&zk, "/counter");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str) -> Counter<i64> {
        Counter::with_default(client, path, 0)
    }

    /// Stores the value as Curator's `SharedCount` does (4-byte big-endian `i32`) instead of
    /// text (kazoo's `support_curator=True`). Values outside `i32` fail with
    /// [`CounterError::Overflow`].
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let c = kazoo_recipes::counter::Counter::new(&zk, "/shared-count").curator();
    /// # }
    /// ```
    pub fn curator(mut self) -> Counter<i64> {
        self.encoding = Encoding::Curator;
        self
    }
}

impl<V: CounterValue> Counter<V> {
    /// A counter at `path` whose missing or empty node reads as `default`; the value type is
    /// the default's (kazoo's `default=`).
    ///
    /// ```no_run
    /// # fn f(zk: kazoo_client::Client) {
    /// let c = kazoo_recipes::counter::Counter::with_default(&zk, "/ratio", 0.5);
    /// # }
    /// ```
    pub fn with_default(client: &Client, path: &str, default: V) -> Counter<V> {
        Counter {
            client: client.clone(),
            path: path.to_owned(),
            default,
            encoding: Encoding::Text,
            retry: support::default_retry(),
            conflicts: RetryPolicy::new()
                .with_max_tries(None)
                .with_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(100)),
            ensured: AtomicBool::new(false),
            last: Mutex::new((None, None)),
        }
    }

    /// Uses `retry` for connection losses on reads and node creation (default: no limit).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) {
    /// let c = c.with_retry(kazoo_client::RetryPolicy::new().with_max_tries(3));
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> Counter<V> {
        self.retry = retry;
        self
    }

    /// Uses `policy` to pace and bound re-tries after a conflicting write (default: without
    /// limit, 1 ms doubling to 100 ms).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) {
    /// let c = c.with_conflict_retry(kazoo_client::RetryPolicy::new().with_max_tries(10));
    /// # }
    /// ```
    pub fn with_conflict_retry(mut self, policy: RetryPolicy) -> Counter<V> {
        self.conflicts = policy;
        self
    }

    /// The counter's path.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) { println!("{}", c.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value a missing or empty node stands for.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) { assert_eq!(c.default_value(), 0); }
    /// ```
    pub fn default_value(&self) -> V {
        self.default
    }

    /// The value before the last successful change (kazoo's `pre_value`).
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) { println!("{:?}", c.pre_value()); }
    /// ```
    pub fn pre_value(&self) -> Option<V> {
        self.lock_last().0
    }

    /// The value after the last successful change (kazoo's `post_value`); `None` also after a
    /// change that failed.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::Counter) { println!("{:?}", c.post_value()); }
    /// ```
    pub fn post_value(&self) -> Option<V> {
        self.lock_last().1
    }

    fn lock_last(&self) -> std::sync::MutexGuard<'_, (Option<V>, Option<V>)> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current value (creating the node, empty, if missing; kazoo's `value`).
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::counter::Counter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let v = c.value().await?;
    /// # Ok(()) }
    /// ```
    pub async fn value(&self) -> Result<V, CounterError> {
        self.read().await.map(|(v, _)| v)
    }

    /// Adds `delta` and returns the new value (kazoo's `counter += delta`).
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::counter::Counter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let now = c.add(5).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add(&self, delta: V) -> Result<V, CounterError> {
        let r = self.change(delta).await;
        if r.is_err() {
            self.lock_last().1 = None;
        }
        r
    }

    /// Subtracts `delta` and returns the new value (kazoo's `counter -= delta`).
    ///
    /// ```no_run
    /// # async fn f(c: kazoo_recipes::counter::Counter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let now = c.subtract(1).await?;
    /// # Ok(()) }
    /// ```
    pub async fn subtract(&self, delta: V) -> Result<V, CounterError> {
        let neg = delta.checked_neg().ok_or_else(|| CounterError::Overflow {
            path: self.path.clone(),
            pre: String::new(),
            delta: format!("-{delta}"),
        })?;
        self.add(neg).await
    }

    async fn change(&self, delta: V) -> Result<V, CounterError> {
        let mut pacing = self.conflicts.backoff_delays();
        let mut tries = 0;
        loop {
            let (pre, version) = self.read().await?;
            self.lock_last().0 = Some(pre);
            let post = pre
                .checked_add(delta)
                .ok_or_else(|| CounterError::Overflow {
                    path: self.path.clone(),
                    pre: pre.to_string(),
                    delta: delta.to_string(),
                })?;
            let data = self.encode(post)?;
            match self.client.set(&self.path, data, Some(version)).await {
                Ok(_) => {
                    self.lock_last().1 = Some(post);
                    return Ok(post);
                }
                Err(Error::BadVersion { .. }) => {
                    tries += 1;
                    match pacing.next_delay() {
                        Some(d) => tokio::time::sleep(d).await,
                        None => {
                            return Err(CounterError::Conflict {
                                path: self.path.clone(),
                                tries,
                            })
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn read(&self) -> Result<(V, i32), CounterError> {
        let c = &self.client;
        if !self.ensured.load(Ordering::SeqCst) {
            c.retry(&self.retry, || c.ensure_path(&self.path)).await?;
            self.ensured.store(true, Ordering::SeqCst);
        }
        let (data, stat) = c.retry(&self.retry, || c.get(&self.path)).await?;
        Ok((self.decode(&data)?, stat.version))
    }

    fn decode(&self, data: &[u8]) -> Result<V, CounterError> {
        if data.is_empty() {
            return Ok(self.default);
        }
        let malformed = |kind| CounterError::Malformed {
            path: self.path.clone(),
            data: data.to_vec(),
            kind,
        };
        match self.encoding {
            Encoding::Text => std::str::from_utf8(data)
                .ok()
                .filter(|t| t.is_ascii())
                .and_then(V::from_repr)
                .ok_or_else(|| malformed(V::KIND)),
            Encoding::Curator => {
                let bytes: [u8; 4] = data
                    .try_into()
                    .map_err(|_| malformed("4-byte big-endian integer"))?;
                V::from_repr(&i32::from_be_bytes(bytes).to_string())
                    .ok_or_else(|| malformed(V::KIND))
            }
        }
    }

    fn encode(&self, v: V) -> Result<Vec<u8>, CounterError> {
        let text = v.to_repr();
        match self.encoding {
            Encoding::Text => Ok(text.into_bytes()),
            Encoding::Curator => text
                .parse::<i32>()
                .map(|n| n.to_be_bytes().to_vec())
                .map_err(|_| CounterError::Overflow {
                    path: self.path.clone(),
                    pre: String::new(),
                    delta: text,
                }),
        }
    }
}

/// Blocking form of [`Counter`] (same guarantees): each method blocks the calling thread on
/// the blocking client's runtime. Call it from plain threads, not from async code.
///
/// ```no_run
/// use kazoo_recipes::counter::BlockingCounter;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let c = BlockingCounter::new(&zk, "/counter");
/// c.add(2)?;
/// println!("{}", c.value()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BlockingCounter<V: CounterValue = i64> {
    rt: tokio::runtime::Handle,
    inner: Counter<V>,
}

impl BlockingCounter<i64> {
    /// See [`Counter::new`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let c = kazoo_recipes::counter::BlockingCounter::new(zk, "/counter");
    /// # }
    /// ```
    pub fn new(client: &kazoo_client::blocking::Client, path: &str) -> BlockingCounter<i64> {
        BlockingCounter::with_default(client, path, 0)
    }

    /// See [`Counter::curator`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let c = kazoo_recipes::counter::BlockingCounter::new(zk, "/count").curator();
    /// # }
    /// ```
    pub fn curator(mut self) -> BlockingCounter<i64> {
        self.inner = self.inner.curator();
        self
    }
}

impl<V: CounterValue> BlockingCounter<V> {
    /// See [`Counter::with_default`].
    ///
    /// ```no_run
    /// # fn f(zk: &kazoo_client::blocking::Client) {
    /// let c = kazoo_recipes::counter::BlockingCounter::with_default(zk, "/f", 1.0);
    /// # }
    /// ```
    pub fn with_default(
        client: &kazoo_client::blocking::Client,
        path: &str,
        default: V,
    ) -> BlockingCounter<V> {
        BlockingCounter {
            rt: client.runtime_handle(),
            inner: Counter::with_default(client.as_async(), path, default),
        }
    }

    /// See [`Counter::with_retry`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) {
    /// let c = c.with_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_retry(mut self, retry: RetryPolicy) -> BlockingCounter<V> {
        self.inner = self.inner.with_retry(retry);
        self
    }

    /// See [`Counter::with_conflict_retry`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) {
    /// let c = c.with_conflict_retry(kazoo_client::RetryPolicy::new());
    /// # }
    /// ```
    pub fn with_conflict_retry(mut self, policy: RetryPolicy) -> BlockingCounter<V> {
        self.inner = self.inner.with_conflict_retry(policy);
        self
    }

    /// The async counter underneath.
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) { println!("{}", c.as_async().path()); }
    /// ```
    pub fn as_async(&self) -> &Counter<V> {
        &self.inner
    }

    /// See [`Counter::value`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let v = c.value()?;
    /// # Ok(()) }
    /// ```
    pub fn value(&self) -> Result<V, CounterError> {
        self.rt.block_on(self.inner.value())
    }

    /// See [`Counter::add`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let v = c.add(1)?;
    /// # Ok(()) }
    /// ```
    pub fn add(&self, delta: V) -> Result<V, CounterError> {
        self.rt.block_on(self.inner.add(delta))
    }

    /// See [`Counter::subtract`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) -> Result<(), kazoo_recipes::counter::CounterError> {
    /// let v = c.subtract(1)?;
    /// # Ok(()) }
    /// ```
    pub fn subtract(&self, delta: V) -> Result<V, CounterError> {
        self.rt.block_on(self.inner.subtract(delta))
    }

    /// See [`Counter::pre_value`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) { c.pre_value(); }
    /// ```
    pub fn pre_value(&self) -> Option<V> {
        self.inner.pre_value()
    }

    /// See [`Counter::post_value`].
    ///
    /// ```no_run
    /// # fn f(c: kazoo_recipes::counter::BlockingCounter) { c.post_value(); }
    /// ```
    pub fn post_value(&self) -> Option<V> {
        self.inner.post_value()
    }
}

#[cfg(test)]
mod tests {
    use super::{python_float_repr, CounterValue};

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (2.5, "2.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (3.0, "3.0"),
            (-2.0, "-2.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123.456, "123.456"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (1e300, "1e+300"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (0.1 + 0.2, "0.30000000000000004"),
            (18701126990941.0 + 0.0625, "18701126990941.062"),
        ];
        for (x, want) in cases {
            assert_eq!(python_float_repr(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn int_text_follows_python_int() {
        assert_eq!(i64::from_repr(" 42\n"), Some(42));
        assert_eq!(i64::from_repr("+7"), Some(7));
        assert_eq!(i64::from_repr("1_000"), Some(1000));
        assert_eq!(i64::from_repr("1__0"), None);
        assert_eq!(i64::from_repr("2.5"), None);
        assert_eq!(i64::from_repr(""), None);
        assert_eq!(f64::from_repr("1e+16"), Some(1e16));
        assert_eq!(f64::from_repr("-3"), Some(-3.0));
    }
}
