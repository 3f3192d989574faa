//! Retry policies with kazoo's `KazooRetry` semantics: re-run a closure of one or more
//! operations while it fails with a retryable error, sleeping with exponential backoff and
//! jitter between tries, until it succeeds, the tries or the deadline run out, or an interrupt
//! hook says stop.
//!
//! The rules, as kazoo applies them:
//!
//! - An attempt failing with an error for which [`RetryPolicy::should_retry`] holds (connection
//!   loss, timeouts, throttling, see [`Error::is_retryable`], plus [`Error::SessionExpired`] while
//!   `ignore_expire` is on) is retried; so is an attempt that returns
//!   [`AttemptError::ForceRetry`] (kazoo's `ForceRetryError`). Any other error is returned at once,
//!   unchanged.
//! - `max_tries` counts *retries*, as kazoo's does: `Some(0)` calls once, `Some(3)` calls up to four
//!   times, `None` (kazoo's `-1`) retries forever. When they are used up the result is
//!   [`Error::RetryFailed`] with the number of calls made and the last error.
//! - The n-th retry sleeps `min(delay * backoff^(n-1), max_delay)` with jitter applied (see
//!   [`Jitter`]).
//! - With a deadline, the run gives up with [`Error::RetryFailed`] instead of starting a sleep that
//!   would end at or past `start + deadline` (the start being the first call). A running attempt is
//!   not cut short: abandoning a ZooKeeper request midway leaves its outcome unknown.
//! - The interrupt hook is checked before each sleep and at least every 100 ms during it; when it
//!   returns `true` the run ends with [`Error::Interrupted`].
//!
//! A policy is immutable configuration: every run starts with fresh counters, so one policy can be
//! shared by any number of concurrent runs (kazoo's `reset()` and `copy()` are not needed).

use crate::error::{Error, Result};
use rand::Rng;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often the interrupt hook is polled during a sleep (kazoo's granularity).
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// The interrupt hook: returns `true` when the run should stop.
type InterruptFn = Arc<dyn Fn() -> bool + Send + Sync>;

/// Random variation applied to each retry delay so that many clients do not retry in lockstep.
///
/// kazoo changed its meaning over time: up to 2.5 (the version the seed documents, default
/// `max_jitter=0.8`) it *added* a random 0 to `max_jitter` seconds; since 2.6 it *multiplies* the
/// delay by a random factor in `1 ± max_jitter` (default 0.4). Both are offered; the default is
/// today's `Proportional(0.4)`, because a fixed 0.8 s dwarfs the 0.1 s initial delay. Jitter is
/// applied after the `max_delay` cap, as in kazoo, so a sleep may exceed `max_delay` by the jitter.
///
/// ```
/// use kazoo_client::retry::{Jitter, RetryPolicy};
/// use std::time::Duration;
/// // kazoo <= 2.5 behaviour:
/// let old = RetryPolicy::new()
///     .with_jitter(Jitter::Additive(Duration::from_millis(800)))
///     .with_max_delay(Duration::from_secs(3600));
/// assert_eq!(old.jitter(), Jitter::Additive(Duration::from_millis(800)));
/// assert_eq!(RetryPolicy::new().jitter(), Jitter::Proportional(0.4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// No jitter: sleeps are exactly the backoff delays.
    None,
    /// Multiply each delay by a uniform random factor in `[1 - f, 1 + f]`; `f` is clamped to
    /// `0.0..=1.0` (NaN counts as 0).
    Proportional(f64),
    /// Add a uniform random duration in `[0, max]` to each delay.
    Additive(Duration),
}

impl Jitter {
    fn apply(self, delay: Duration, rng: &mut impl Rng) -> Duration {
        match self {
            Jitter::None => delay,
            Jitter::Proportional(f) => {
                let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
                if f == 0.0 {
                    return delay;
                }
                scale(delay, rng.gen_range(1.0 - f..=1.0 + f))
            }
            // `gen::<f64>()` is in [0, 1), so the product never exceeds `max`.
            Jitter::Additive(max) => delay.saturating_add(max.mul_f64(rng.gen::<f64>())),
        }
    }
}

/// `d * factor` without panicking: overflow saturates, a negative or NaN factor gives zero.
fn scale(d: Duration, factor: f64) -> Duration {
    if d.is_zero() || factor.is_nan() || factor <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// How one attempt of a closure run by [`RetryPolicy::run_attempts`] failed.
///
/// Converting an [`Error`] (also with `?`) gives [`AttemptError::Error`], which the policy judges;
/// [`AttemptError::ForceRetry`] makes it retry regardless, like kazoo's `ForceRetryError`:
///
/// ```
/// use kazoo_client::retry::AttemptError;
/// use kazoo_client::Error;
/// let judged: AttemptError = Error::ConnectionLoss.into();
/// assert!(matches!(judged, AttemptError::Error(Error::ConnectionLoss)));
/// let forced = AttemptError::ForceRetry(Error::BadVersion { path: "/counter".into() });
/// assert!(matches!(forced.into_error(), Error::BadVersion { .. }));
/// ```
#[derive(Debug, Clone)]
pub enum AttemptError {
    /// The attempt failed with this error; it is retried only if the policy's
    /// [`should_retry`](RetryPolicy::should_retry) holds, otherwise returned as is.
    Error(Error),
    /// Retry this attempt whatever the error (kazoo's `ForceRetryError`), as long as tries and
    /// deadline allow. The error is what [`Error::RetryFailed`] reports as `last` if they run out.
    ForceRetry(Error),
}

impl AttemptError {
    /// The error inside, whichever the variant.
    ///
    /// ```
    /// use kazoo_client::retry::AttemptError;
    /// use kazoo_client::Error;
    /// assert!(matches!(AttemptError::ForceRetry(Error::Timeout).into_error(), Error::Timeout));
    /// ```
    pub fn into_error(self) -> Error {
        match self {
            AttemptError::Error(e) | AttemptError::ForceRetry(e) => e,
        }
    }
}

impl From<Error> for AttemptError {
    fn from(e: Error) -> AttemptError {
        AttemptError::Error(e)
    }
}

/// A retry policy: kazoo's `KazooRetry` (see the [module documentation](self) for the rules).
///
/// Built from [`RetryPolicy::new`] (kazoo's defaults) with `with_*` methods; the getters of the
/// same name without `with_` read the settings back.
///
/// ```
/// use kazoo_client::{Error, RetryPolicy};
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let policy = RetryPolicy::new()
///     .with_max_tries(3) // kazoo's KazooRetry(max_tries=3, ignore_expire=False)
///     .with_ignore_expire(false)
///     .with_delay(Duration::from_millis(1));
/// let mut calls = 0;
/// let value = policy
///     .run(|| {
///         calls += 1;
///         let result = if calls < 3 { Err(Error::ConnectionLoss) } else { Ok(calls) };
///         async move { result }
///     })
///     .await;
/// assert_eq!(value.unwrap(), 3);
/// # }
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_tries: Option<usize>,
    delay: Duration,
    backoff: f64,
    jitter: Jitter,
    max_delay: Duration,
    deadline: Option<Duration>,
    ignore_expire: bool,
    interrupt: Option<InterruptFn>,
}

impl Default for RetryPolicy {
    /// kazoo's `KazooRetry()` defaults: one retry, 0.1 s delay doubling each time, ±40 % jitter,
    /// at most 60 s, no deadline, session expiry retried, no interrupt hook.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_tries: Some(1),
            delay: Duration::from_millis(100),
            backoff: 2.0,
            jitter: Jitter::Proportional(0.4),
            max_delay: Duration::from_secs(60),
            deadline: None,
            ignore_expire: true,
            interrupt: None,
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_tries", &self.max_tries)
            .field("delay", &self.delay)
            .field("backoff", &self.backoff)
            .field("jitter", &self.jitter)
            .field("max_delay", &self.max_delay)
            .field("deadline", &self.deadline)
            .field("ignore_expire", &self.ignore_expire)
            .field("interrupt", &self.interrupt.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// A policy with kazoo's defaults (see [`Default`]).
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy::new();
    /// assert_eq!(p.max_tries(), Some(1));
    /// assert_eq!(p.delay(), Duration::from_millis(100));
    /// assert_eq!(p.backoff(), 2.0);
    /// assert_eq!(p.max_delay(), Duration::from_secs(60));
    /// assert_eq!(p.deadline(), None);
    /// assert!(p.ignore_expire());
    /// ```
    pub fn new() -> RetryPolicy {
        RetryPolicy::default()
    }

    /// Sets how many times to *retry* after the first call; `None` retries forever (kazoo's -1).
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// assert_eq!(RetryPolicy::new().with_max_tries(3).max_tries(), Some(3));
    /// assert_eq!(RetryPolicy::new().with_max_tries(None).max_tries(), None);
    /// ```
    pub fn with_max_tries(mut self, max_tries: impl Into<Option<usize>>) -> RetryPolicy {
        self.max_tries = max_tries.into();
        self
    }

    /// Sets the delay before the first retry.
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy::new().with_delay(Duration::from_millis(5));
    /// assert_eq!(p.delay(), Duration::from_millis(5));
    /// ```
    pub fn with_delay(mut self, delay: Duration) -> RetryPolicy {
        self.delay = delay;
        self
    }

    /// Sets the factor applied to the delay after each retry (2 doubles it; 1 keeps it constant).
    /// A negative or NaN factor is taken as 1.
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// assert_eq!(RetryPolicy::new().with_backoff(1.5).backoff(), 1.5);
    /// assert_eq!(RetryPolicy::new().with_backoff(f64::NAN).backoff(), 1.0);
    /// ```
    pub fn with_backoff(mut self, backoff: f64) -> RetryPolicy {
        self.backoff = if backoff.is_nan() || backoff < 0.0 {
            1.0
        } else {
            backoff
        };
        self
    }

    /// Sets the jitter (see [`Jitter`]).
    ///
    /// ```
    /// use kazoo_client::retry::{Jitter, RetryPolicy};
    /// assert_eq!(RetryPolicy::new().with_jitter(Jitter::None).jitter(), Jitter::None);
    /// ```
    pub fn with_jitter(mut self, jitter: Jitter) -> RetryPolicy {
        self.jitter = jitter;
        self
    }

    /// Sets the cap on the backoff delay (before jitter).
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy::new().with_max_delay(Duration::from_secs(3600));
    /// assert_eq!(p.max_delay(), Duration::from_secs(3600));
    /// ```
    pub fn with_max_delay(mut self, max_delay: Duration) -> RetryPolicy {
        self.max_delay = max_delay;
        self
    }

    /// Sets the overall time budget of a run, counted from its first call; `None` for no limit.
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy::new().with_deadline(Duration::from_secs(10));
    /// assert_eq!(p.deadline(), Some(Duration::from_secs(10)));
    /// ```
    pub fn with_deadline(mut self, deadline: impl Into<Option<Duration>>) -> RetryPolicy {
        self.deadline = deadline.into();
        self
    }

    /// Sets whether [`Error::SessionExpired`] is retried (kazoo's `ignore_expire`, default
    /// `true`). Retrying it makes sense when the client opens a new session by itself; the closure
    /// then runs again in that new session, so it must not rely on its earlier ephemeral nodes.
    ///
    /// ```
    /// use kazoo_client::{Error, RetryPolicy};
    /// let strict = RetryPolicy::new().with_ignore_expire(false);
    /// assert!(!strict.should_retry(&Error::SessionExpired));
    /// assert!(RetryPolicy::new().should_retry(&Error::SessionExpired));
    /// ```
    pub fn with_ignore_expire(mut self, ignore_expire: bool) -> RetryPolicy {
        self.ignore_expire = ignore_expire;
        self
    }

    /// Sets the interrupt hook, called before each sleep and at least every 100 ms during it; when
    /// it returns `true` the run stops with [`Error::Interrupted`]. A cancellation token works
    /// too: `.with_interrupt(move || token.is_cancelled())`. (An async run also stops when its
    /// future is dropped, e.g. by `tokio::select!`.)
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let flag = stop.clone();
    /// let p = RetryPolicy::new().with_interrupt(move || flag.load(Ordering::Relaxed));
    /// assert!(!p.is_interrupted());
    /// stop.store(true, Ordering::Relaxed);
    /// assert!(p.is_interrupted());
    /// ```
    pub fn with_interrupt(mut self, interrupt: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.interrupt = Some(Arc::new(interrupt));
        self
    }

    /// How many retries follow the first call; `None` means forever.
    ///
    /// ```
    /// assert_eq!(kazoo_client::RetryPolicy::new().max_tries(), Some(1));
    /// ```
    pub fn max_tries(&self) -> Option<usize> {
        self.max_tries
    }

    /// The delay before the first retry.
    ///
    /// ```
    /// # use std::time::Duration;
    /// assert_eq!(kazoo_client::RetryPolicy::new().delay(), Duration::from_millis(100));
    /// ```
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// The backoff multiplier.
    ///
    /// ```
    /// assert_eq!(kazoo_client::RetryPolicy::new().backoff(), 2.0);
    /// ```
    pub fn backoff(&self) -> f64 {
        self.backoff
    }

    /// The jitter.
    ///
    /// ```
    /// use kazoo_client::retry::{Jitter, RetryPolicy};
    /// assert_eq!(RetryPolicy::new().jitter(), Jitter::Proportional(0.4));
    /// ```
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The cap on the backoff delay.
    ///
    /// ```
    /// # use std::time::Duration;
    /// assert_eq!(kazoo_client::RetryPolicy::new().max_delay(), Duration::from_secs(60));
    /// ```
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The time budget of a run, if any.
    ///
    /// ```
    /// assert_eq!(kazoo_client::RetryPolicy::new().deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<std::time::Duration> {
        self.deadline
    }

    /// Whether session expiry is retried.
    ///
    /// ```
    /// assert!(kazoo_client::RetryPolicy::new().ignore_expire());
    /// ```
    pub fn ignore_expire(&self) -> bool {
        self.ignore_expire
    }

    /// Calls the interrupt hook; `false` when there is none.
    ///
    /// ```
    /// let p = kazoo_client::RetryPolicy::new();
    /// assert!(!p.is_interrupted());
    /// assert!(p.with_interrupt(|| true).is_interrupted());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|hook| hook())
    }

    /// Whether an attempt failing with `error` is retried: [`Error::is_retryable`], or
    /// [`Error::SessionExpired`] while `ignore_expire` is on.
    ///
    /// ```
    /// use kazoo_client::{Error, RetryPolicy};
    /// let p = RetryPolicy::new();
    /// assert!(p.should_retry(&Error::ConnectionLoss));
    /// assert!(p.should_retry(&Error::OperationTimeout));
    /// assert!(!p.should_retry(&Error::NoNode { path: "/a".into() }));
    /// assert!(!p.should_retry(&Error::Closed));
    /// ```
    pub fn should_retry(&self, error: &Error) -> bool {
        error.is_retryable() || (self.ignore_expire && matches!(error, Error::SessionExpired))
    }

    /// The sequence of sleeps this policy prescribes, for callers that drive their own loop (the
    /// reconnect cycle, for instance). It knows nothing of deadlines or interrupts.
    ///
    /// ```
    /// use kazoo_client::retry::{Jitter, RetryPolicy};
    /// use std::time::Duration;
    /// let ms = Duration::from_millis;
    /// let p = RetryPolicy::new().with_max_tries(4).with_jitter(Jitter::None).with_max_delay(ms(500));
    /// let mut b = p.backoff_delays();
    /// let delays: Vec<_> = std::iter::from_fn(|| b.next_delay()).collect();
    /// assert_eq!(delays, [ms(100), ms(200), ms(400), ms(500)]);
    /// assert_eq!(b.retries(), 4);
    /// ```
    pub fn backoff_delays(&self) -> Backoff {
        Backoff {
            max_tries: self.max_tries,
            first: self.delay.min(self.max_delay),
            backoff: self.backoff,
            jitter: self.jitter,
            max_delay: self.max_delay,
            retries: 0,
            next: self.delay.min(self.max_delay),
        }
    }

    /// Runs an async closure until it succeeds or the policy gives up (see the
    /// [module documentation](self)). The closure is called once per attempt and returns the
    /// attempt's future; capture what it needs by reference or clone and use `async move`.
    ///
    /// ```
    /// use kazoo_client::{Error, RetryPolicy};
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = RetryPolicy::new().with_max_tries(2).with_delay(Duration::from_millis(1));
    /// let err = policy.run(|| async { Err::<(), _>(Error::ConnectionLoss) }).await.unwrap_err();
    /// assert!(matches!(err, Error::RetryFailed { attempts: 3, .. }));
    /// let err = policy.run(|| async { Err::<(), _>(Error::NoNode { path: "/x".into() }) }).await;
    /// assert!(matches!(err, Err(Error::NoNode { .. }))); // not retryable: returned unchanged
    /// # }
    /// ```
    pub async fn run<T, F, Fut>(&self, mut f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_attempts(|| {
            let attempt = f();
            async move { attempt.await.map_err(AttemptError::Error) }
        })
        .await
    }

    /// Like [`run`](Self::run), for a closure that may force a retry with
    /// [`AttemptError::ForceRetry`]. `?` on a client call inside it converts the [`Error`].
    ///
    /// ```
    /// use kazoo_client::retry::{AttemptError, RetryPolicy};
    /// use kazoo_client::Error;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = RetryPolicy::new().with_max_tries(5).with_delay(Duration::from_millis(1));
    /// let mut version = 0;
    /// let result = policy
    ///     .run_attempts(|| {
    ///         version += 1;
    ///         let v = version;
    ///         async move {
    ///             if v < 3 {
    ///                 // a lost compare-and-set race: try again
    ///                 return Err(AttemptError::ForceRetry(Error::BadVersion { path: "/n".into() }));
    ///             }
    ///             Ok(v)
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(result.unwrap(), 3);
    /// # }
    /// ```
    pub async fn run_attempts<T, F, Fut>(&self, mut f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, AttemptError>>,
    {
        let start = tokio::time::Instant::now();
        let mut backoff = self.backoff_delays();
        let mut attempts = 0usize;
        loop {
            attempts = attempts.saturating_add(1);
            let error = match f().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let sleep = self.after_failure(&mut backoff, error, attempts, start.elapsed())?;
            self.pause(sleep).await?;
        }
    }

    /// Sleeps between two attempts, polling the interrupt hook if there is one.
    async fn pause(&self, sleep: Duration) -> Result<()> {
        if sleep.is_zero() {
            // Without a delay an always-failing attempt would otherwise never yield the thread.
            tokio::task::yield_now().await;
            return Ok(());
        }
        if self.interrupt.is_none() {
            tokio::time::sleep(sleep).await;
            return Ok(());
        }
        let mut remaining = sleep;
        while !remaining.is_zero() {
            let step = remaining.min(INTERRUPT_POLL);
            tokio::time::sleep(step).await;
            remaining -= step;
            if self.is_interrupted() {
                return Err(Error::Interrupted);
            }
        }
        Ok(())
    }

    /// Runs a blocking closure until it succeeds or the policy gives up, sleeping the thread
    /// between tries. Do not call it on an async runtime's thread; use [`run`](Self::run) there.
    ///
    /// ```
    /// use kazoo_client::{Error, RetryPolicy};
    /// use std::time::Duration;
    /// let policy = RetryPolicy::new().with_max_tries(None).with_delay(Duration::from_millis(1));
    /// let mut calls = 0;
    /// let n = policy.run_blocking(|| {
    ///     calls += 1;
    ///     if calls < 4 { Err(Error::ConnectionLoss) } else { Ok(calls) }
    /// });
    /// assert_eq!(n.unwrap(), 4);
    /// ```
    pub fn run_blocking<T, F>(&self, mut f: F) -> Result<T>
    where
        F: FnMut() -> Result<T>,
    {
        self.run_attempts_blocking(|| f().map_err(AttemptError::Error))
    }

    /// Like [`run_blocking`](Self::run_blocking), for a closure that may force a retry with
    /// [`AttemptError::ForceRetry`].
    ///
    /// ```
    /// use kazoo_client::retry::{AttemptError, RetryPolicy};
    /// use kazoo_client::Error;
    /// use std::time::Duration;
    /// let policy = RetryPolicy::new().with_max_tries(2).with_delay(Duration::from_millis(1));
    /// let result: Result<(), _> = policy.run_attempts_blocking(|| {
    ///     Err(AttemptError::ForceRetry(Error::NodeExists { path: "/lock".into() }))
    /// });
    /// match result {
    ///     Err(Error::RetryFailed { attempts, last }) => {
    ///         assert_eq!(attempts, 3);
    ///         assert!(matches!(*last, Error::NodeExists { .. }));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn run_attempts_blocking<T, F>(&self, mut f: F) -> Result<T>
    where
        F: FnMut() -> std::result::Result<T, AttemptError>,
    {
        let start = std::time::Instant::now();
        let mut backoff = self.backoff_delays();
        let mut attempts = 0usize;
        loop {
            attempts = attempts.saturating_add(1);
            let error = match f() {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let sleep = self.after_failure(&mut backoff, error, attempts, start.elapsed())?;
            self.pause_blocking(sleep)?;
        }
    }

    /// The blocking twin of [`pause`](Self::pause).
    fn pause_blocking(&self, sleep: Duration) -> Result<()> {
        if self.interrupt.is_none() {
            std::thread::sleep(sleep);
            return Ok(());
        }
        let mut remaining = sleep;
        while !remaining.is_zero() {
            let step = remaining.min(INTERRUPT_POLL);
            std::thread::sleep(step);
            remaining -= step;
            if self.is_interrupted() {
                return Err(Error::Interrupted);
            }
        }
        Ok(())
    }

    /// Decides what follows a failed attempt: the sleep before the next one, or the final error.
    fn after_failure(
        &self,
        backoff: &mut Backoff,
        error: AttemptError,
        attempts: usize,
        elapsed: Duration,
    ) -> Result<Duration> {
        let error = match error {
            AttemptError::ForceRetry(e) => e,
            AttemptError::Error(e) if self.should_retry(&e) => e,
            AttemptError::Error(e) => return Err(e),
        };
        let give_up = |error: Error| Error::RetryFailed {
            attempts,
            last: Box::new(error),
        };
        let Some(sleep) = backoff.next_delay() else {
            tracing::debug!(attempts, %error, "retries exhausted");
            return Err(give_up(error));
        };
        if let Some(deadline) = self.deadline {
            if elapsed.saturating_add(sleep) >= deadline {
                tracing::debug!(attempts, %error, ?deadline, "retry deadline reached");
                return Err(give_up(error));
            }
        }
        if self.is_interrupted() {
            return Err(Error::Interrupted);
        }
        tracing::debug!(attempts, %error, ?sleep, "retrying");
        Ok(sleep)
    }
}

/// The sleeps of one retry run, from [`RetryPolicy::backoff_delays`].
///
/// ```
/// use kazoo_client::retry::{Jitter, RetryPolicy};
/// use std::time::Duration;
/// let mut b = RetryPolicy::new().with_max_tries(1).with_jitter(Jitter::None).backoff_delays();
/// assert_eq!(b.next_delay(), Some(Duration::from_millis(100)));
/// assert_eq!(b.next_delay(), None); // max_tries used up
/// b.reset();
/// assert_eq!(b.next_delay(), Some(Duration::from_millis(100)));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    max_tries: Option<usize>,
    first: Duration,
    backoff: f64,
    jitter: Jitter,
    max_delay: Duration,
    retries: usize,
    next: Duration,
}

impl Backoff {
    /// The sleep before the next retry (jitter applied), or `None` when the policy's `max_tries`
    /// are used up.
    ///
    /// ```
    /// use kazoo_client::RetryPolicy;
    /// use std::time::Duration;
    /// let d = RetryPolicy::new().backoff_delays().next_delay().unwrap();
    /// // 100 ms with the default ±40 % jitter
    /// assert!(d >= Duration::from_millis(60) && d <= Duration::from_millis(140));
    /// ```
    pub fn next_delay(&mut self) -> Option<Duration> {
        self.next_delay_with(&mut rand::thread_rng())
    }

    fn next_delay_with(&mut self, rng: &mut impl Rng) -> Option<Duration> {
        if self.max_tries.is_some_and(|max| self.retries >= max) {
            return None;
        }
        self.retries = self.retries.saturating_add(1);
        let nominal = self.next;
        self.next = scale(nominal, self.backoff).min(self.max_delay);
        Some(self.jitter.apply(nominal, rng))
    }

    /// How many delays have been handed out since the start or the last [`reset`](Self::reset).
    ///
    /// ```
    /// let mut b = kazoo_client::RetryPolicy::new().backoff_delays();
    /// assert_eq!(b.retries(), 0);
    /// b.next_delay();
    /// assert_eq!(b.retries(), 1);
    /// ```
    pub fn retries(&self) -> usize {
        self.retries
    }

    /// Starts the sequence over (after a success, for instance).
    ///
    /// ```
    /// let mut b = kazoo_client::RetryPolicy::new().backoff_delays();
    /// b.next_delay();
    /// b.reset();
    /// assert_eq!(b.retries(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.retries = 0;
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const MS: Duration = Duration::from_millis(1);

    fn delays(policy: &RetryPolicy, rng: &mut StdRng, n: usize) -> Vec<Option<Duration>> {
        let mut b = policy.backoff_delays();
        (0..n).map(|_| b.next_delay_with(rng)).collect()
    }

    #[test]
    fn exponential_backoff_is_capped_and_counts_retries() {
        let p = RetryPolicy::new()
            .with_max_tries(6)
            .with_jitter(Jitter::None)
            .with_delay(100 * MS)
            .with_backoff(3.0)
            .with_max_delay(2000 * MS);
        let got = delays(&p, &mut StdRng::seed_from_u64(1), 7);
        let want = [100, 300, 900, 2000, 2000, 2000]
            .map(|ms| Some(ms * MS))
            .into_iter()
            .chain([None])
            .collect::<Vec<_>>();
        assert_eq!(got, want);
    }

    #[test]
    fn first_delay_is_capped_too() {
        let p = RetryPolicy::new()
            .with_jitter(Jitter::None)
            .with_delay(Duration::from_secs(10))
            .with_max_delay(Duration::from_secs(1));
        let mut b = p.backoff_delays();
        assert_eq!(b.next_delay(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn zero_tries_gives_no_delay_and_none_is_endless() {
        assert_eq!(
            RetryPolicy::new()
                .with_max_tries(0)
                .backoff_delays()
                .next_delay(),
            None
        );
        let p = RetryPolicy::new()
            .with_max_tries(None)
            .with_jitter(Jitter::None)
            .with_max_delay(MS);
        let mut b = p.backoff_delays();
        for _ in 0..10_000 {
            assert!(b.next_delay().is_some());
        }
        assert_eq!(b.retries(), 10_000);
    }

    #[test]
    fn proportional_jitter_stays_within_its_band_and_varies() {
        let p = RetryPolicy::new()
            .with_max_tries(None)
            .with_jitter(Jitter::Proportional(0.4))
            .with_backoff(1.0);
        let mut rng = StdRng::seed_from_u64(7);
        let got: Vec<Duration> = delays(&p, &mut rng, 1000).into_iter().flatten().collect();
        assert_eq!(got.len(), 1000);
        assert!(
            got.iter().all(|d| *d >= 60 * MS && *d <= 140 * MS),
            "{got:?}"
        );
        assert!(got.iter().any(|d| *d < 80 * MS));
        assert!(got.iter().any(|d| *d > 120 * MS));
    }

    #[test]
    fn jitter_does_not_compound_into_the_backoff() {
        // kazoo >= 2.6 multiplies the jittered sleep by the backoff; we keep the nominal sequence
        // exact, so the n-th delay is always within the band around delay * backoff^n.
        let p = RetryPolicy::new()
            .with_max_tries(None)
            .with_jitter(Jitter::Proportional(1.0))
            .with_max_delay(Duration::from_secs(1000));
        let mut rng = StdRng::seed_from_u64(3);
        for (n, d) in delays(&p, &mut rng, 12).into_iter().enumerate() {
            let nominal = 100 * MS * 2u32.pow(n as u32);
            assert!(d.unwrap() <= nominal * 2, "retry {n}: {d:?}");
        }
    }

    #[test]
    fn additive_jitter_adds_up_to_its_maximum() {
        let p = RetryPolicy::new()
            .with_max_tries(None)
            .with_jitter(Jitter::Additive(800 * MS))
            .with_backoff(1.0);
        let mut rng = StdRng::seed_from_u64(11);
        let got: Vec<Duration> = delays(&p, &mut rng, 1000).into_iter().flatten().collect();
        assert!(got.iter().all(|d| *d >= 100 * MS && *d < 900 * MS));
        assert!(got.iter().any(|d| *d < 200 * MS));
        assert!(got.iter().any(|d| *d > 800 * MS));
    }

    #[test]
    fn out_of_range_settings_do_not_panic() {
        for jitter in [
            Jitter::Proportional(f64::NAN),
            Jitter::Proportional(-3.0),
            Jitter::Proportional(f64::INFINITY),
            Jitter::Additive(Duration::MAX),
        ] {
            let p = RetryPolicy::new()
                .with_max_tries(200)
                .with_jitter(jitter)
                .with_backoff(f64::INFINITY)
                .with_delay(Duration::MAX)
                .with_max_delay(Duration::MAX);
            let mut b = p.backoff_delays();
            while b.next_delay().is_some() {}
        }
        assert_eq!(RetryPolicy::new().with_backoff(-2.0).backoff(), 1.0);
    }

    #[test]
    fn reset_restarts_the_sequence() {
        let p = RetryPolicy::new()
            .with_max_tries(3)
            .with_jitter(Jitter::None);
        let mut b = p.backoff_delays();
        let first: Vec<_> = std::iter::from_fn(|| b.next_delay()).collect();
        b.reset();
        let second: Vec<_> = std::iter::from_fn(|| b.next_delay()).collect();
        assert_eq!(first, [100 * MS, 200 * MS, 400 * MS]);
        assert_eq!(first, second);
    }

    #[test]
    fn debug_shows_settings_but_not_the_hook() {
        let text = format!("{:?}", RetryPolicy::new().with_interrupt(|| false));
        assert!(text.contains("max_tries: Some(1)") && text.contains("interrupt: true"));
    }

    proptest! {
        #[test]
        fn delays_never_exceed_the_cap_plus_jitter(
            delay_ms in 0u32..10_000,
            backoff in 0.0f64..100.0,
            max_ms in 0u32..100_000,
            f in 0.0f64..=1.0,
            seed: u64,
        ) {
            let p = RetryPolicy::new()
                .with_max_tries(30)
                .with_delay(delay_ms * MS)
                .with_backoff(backoff)
                .with_max_delay(max_ms * MS)
                .with_jitter(Jitter::Proportional(f));
            let mut rng = StdRng::seed_from_u64(seed);
            let got = delays(&p, &mut rng, 31);
            prop_assert_eq!(got[30], None);
            let cap = (max_ms * MS).mul_f64(1.0 + f) + MS;
            for d in got.into_iter().flatten() {
                prop_assert!(d <= cap, "{:?} > {:?}", d, cap);
            }
        }
    }
}
