//! Waiting inside an acquire: every await races the caller's deadline and the recipe's cancel
//! flag, and retries back off while the connection is down.

use super::LockError;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A recipe object's cancel flag (kazoo's `cancel`): set by `cancel`, consumed by the acquire
/// that sees it. A flag and a `Notify` rather than a `watch` channel: an acquire arms the
/// wake-up for each of its waits, and a `watch` channel's registration and send go through
/// its eight-way notifier, several thousand instructions per lock cycle (BENCHMARKS.md, W4).
#[derive(Debug, Default)]
pub(crate) struct CancelFlag {
    set: AtomicBool,
    wake: Notify,
}

impl CancelFlag {
    /// Sets the flag and wakes the acquire waiting, if any.
    pub(crate) fn cancel(&self) {
        self.set.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    /// Clears the flag (the semaphore forgets a cancel at the start of every acquire).
    pub(crate) fn reset(&self) {
        self.set.store(false, Ordering::SeqCst);
    }

    /// Clears the flag and says whether it was set.
    fn take(&self) -> bool {
        self.set.swap(false, Ordering::SeqCst)
    }
}

/// Waits until `done` holds, re-checked each time `wake` is notified (`notify_waiters`
/// after the state `done` reads changed). The wake-up is armed before each check, so a
/// change between the check and the wait is not missed.
pub(crate) async fn until(wake: &Notify, done: impl Fn() -> bool) {
    loop {
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if done() {
            return;
        }
        woken.await;
    }
}

/// The limits of one acquire call.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    path: &'a str,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    cancel: &'a CancelFlag,
    backoff: Duration,
}

const BACKOFF_START: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_millis(500);

impl<'a> Waiter<'a> {
    /// Limits for an acquire on `path` that gives up after `timeout` (none: waits forever)
    /// and stops when `cancel` is set.
    pub(crate) fn new(
        path: &'a str,
        timeout: Option<Duration>,
        cancel: &'a CancelFlag,
    ) -> Waiter<'a> {
        Waiter {
            path,
            timeout,
            deadline: timeout.map(|t| Instant::now() + t),
            cancel,
            backoff: BACKOFF_START,
        }
    }

    /// The error for a cancel that [`CancelFlag::take`] consumed (kazoo resets its flag too).
    fn cancelled(&self) -> LockError {
        LockError::Cancelled {
            path: self.path.to_owned(),
        }
    }

    fn timed_out(&self) -> LockError {
        LockError::Timeout {
            path: self.path.to_owned(),
            after: self.timeout.unwrap_or_default(),
        }
    }

    /// Fails if cancelled or past the deadline.
    pub(crate) fn check(&mut self) -> Result<(), LockError> {
        if self.cancel.take() {
            return Err(self.cancelled());
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(self.timed_out());
        }
        Ok(())
    }

    /// Runs `f` unless it is cancelled or the deadline passes first.
    pub(crate) async fn run<F: Future>(&mut self, f: F) -> Result<F::Output, LockError> {
        self.check()?;
        let deadline = self.deadline;
        let sleep = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(sleep, f);
        loop {
            // Armed before the flag is read again: a cancel between the two is not missed.
            let woken = self.cancel.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.cancel.take() {
                return Err(self.cancelled());
            }
            tokio::select! {
                biased;
                // Read the flag again: another acquire may have consumed this cancel.
                () = &mut woken => continue,
                _ = &mut sleep => return Err(self.timed_out()),
                out = &mut f => {
                    self.backoff = BACKOFF_START;
                    return Ok(out);
                }
            }
        }
    }

    /// Sleeps a little (longer each time until a call succeeds), within the limits.
    pub(crate) async fn back_off(&mut self) -> Result<(), LockError> {
        let d = self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        self.run(tokio::time::sleep(d)).await?;
        // The sleep succeeding must not reset the growing delay.
        self.backoff = (d * 2).min(BACKOFF_MAX);
        Ok(())
    }
}

/// True for errors after which an acquire tries again: the connection dropped (requests wait
/// for the next connection) or the session expired (the client starts a new one).
pub(crate) fn is_transient(e: &kazoo_client::Error) -> bool {
    e.is_retryable() || matches!(e, kazoo_client::Error::SessionExpired)
}
