//! Waiting inside an acquire: every await races the caller's deadline and the recipe's cancel
//! flag, and retries back off while the connection is down.

use super::LockError;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The limits of one acquire call.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    path: &'a str,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    cancel_tx: &'a watch::Sender<bool>,
    cancel: watch::Receiver<bool>,
    backoff: Duration,
}

const BACKOFF_START: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_millis(500);

impl<'a> Waiter<'a> {
    /// Limits for an acquire on `path` that gives up after `timeout` (none: waits forever)
    /// and stops when `cancel_tx` is set.
    pub(crate) fn new(
        path: &'a str,
        timeout: Option<Duration>,
        cancel_tx: &'a watch::Sender<bool>,
    ) -> Waiter<'a> {
        Waiter {
            path,
            timeout,
            deadline: timeout.map(|t| Instant::now() + t),
            cancel_tx,
            cancel: cancel_tx.subscribe(),
            backoff: BACKOFF_START,
        }
    }

    fn cancelled(&self) -> LockError {
        // A cancel is consumed by the acquire that sees it (kazoo resets its flag too).
        self.cancel_tx.send_replace(false);
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
        if *self.cancel.borrow_and_update() {
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
        let mut cancel = self.cancel.clone();
        // The borrow `wait_for` returns must end before `cancelled` writes the flag.
        let cancelled = async move {
            let _ = cancel.wait_for(|c| *c).await;
        };
        tokio::select! {
            biased;
            () = cancelled => Err(self.cancelled()),
            _ = sleep => Err(self.timed_out()),
            out = f => {
                self.backoff = BACKOFF_START;
                Ok(out)
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
