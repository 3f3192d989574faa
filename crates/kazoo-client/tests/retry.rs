//! Retry runs against tokio's paused clock: exact delays, attempt counts, deadlines, interrupts.

use kazoo_client::retry::{AttemptError, Jitter, RetryPolicy};
use kazoo_client::Error;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// A policy without jitter, so that every sleep is known exactly.
fn exact(max_tries: impl Into<Option<usize>>) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_tries(max_tries)
        .with_jitter(Jitter::None)
}

/// Runs `policy` over a closure failing with `fail(n)` for call n (from 1) until it returns
/// `None`; returns the result and the start time of every call, relative to the run's start.
async fn run_recorded(
    policy: &RetryPolicy,
    fail: impl Fn(usize) -> Option<Error>,
) -> (Result<usize, Error>, Vec<Duration>) {
    let start = Instant::now();
    let mut calls = Vec::new();
    let result = policy
        .run(|| {
            calls.push(start.elapsed());
            let n = calls.len();
            let outcome = match fail(n) {
                Some(e) => Err(e),
                None => Ok(n),
            };
            async move { outcome }
        })
        .await;
    (result, calls)
}

fn expect_retry_failed(result: Result<usize, Error>, attempts: usize) -> Error {
    match result {
        Err(Error::RetryFailed { attempts: a, last }) => {
            assert_eq!(a, attempts);
            *last
        }
        other => panic!("expected RetryFailed after {attempts} attempts, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn success_on_the_first_call_does_not_wait() {
    let (result, calls) = run_recorded(&exact(3), |_| None).await;
    assert_eq!(result.unwrap(), 1);
    assert_eq!(calls, [Duration::ZERO]);
}

#[tokio::test(start_paused = true)]
async fn retries_with_exponential_backoff_then_gives_up() {
    let (result, calls) = run_recorded(&exact(3), |_| Some(Error::ConnectionLoss)).await;
    // max_tries counts retries, as kazoo's does: 1 call + 3 retries, sleeping 100, 200, 400 ms.
    assert_eq!(calls, [0, 100, 300, 700].map(|ms| ms * MS));
    assert!(matches!(
        expect_retry_failed(result, 4),
        Error::ConnectionLoss
    ));
}

#[tokio::test(start_paused = true)]
async fn the_delay_is_capped_by_max_delay() {
    let policy = exact(4)
        .with_delay(Duration::from_secs(1))
        .with_backoff(10.0)
        .with_max_delay(Duration::from_secs(5));
    let (result, calls) = run_recorded(&policy, |_| Some(Error::OperationTimeout)).await;
    assert_eq!(calls, [0, 1, 6, 11, 16].map(Duration::from_secs));
    expect_retry_failed(result, 5);
}

#[tokio::test(start_paused = true)]
async fn returns_the_value_once_an_attempt_succeeds() {
    let (result, calls) = run_recorded(&exact(5), |n| (n < 3).then_some(Error::Timeout)).await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(calls, [0, 100, 300].map(|ms| ms * MS));
}

#[tokio::test(start_paused = true)]
async fn zero_tries_means_a_single_call() {
    let (result, calls) = run_recorded(&exact(0), |_| Some(Error::ConnectionLoss)).await;
    assert_eq!(calls, [Duration::ZERO]);
    expect_retry_failed(result, 1);
}

#[tokio::test(start_paused = true)]
async fn non_retryable_errors_are_returned_at_once_unchanged() {
    for error in [
        Error::NoNode { path: "/a".into() },
        Error::Closed,
        Error::AuthFailed,
        Error::BadVersion { path: "/b".into() },
    ] {
        let e = error.clone();
        let (result, calls) = run_recorded(&exact(None), move |_| Some(e.clone())).await;
        assert_eq!(calls, [Duration::ZERO]);
        assert_eq!(
            format!("{:?}", result.unwrap_err()),
            format!("{error:?}"),
            "returned unchanged"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn session_expiry_is_retried_only_with_ignore_expire() {
    let expired = |n: usize| (n < 3).then_some(Error::SessionExpired);
    let (result, calls) = run_recorded(&exact(5), expired).await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(calls.len(), 3);

    let strict = exact(5).with_ignore_expire(false);
    let (result, calls) = run_recorded(&strict, expired).await;
    assert!(matches!(result, Err(Error::SessionExpired)));
    assert_eq!(calls, [Duration::ZERO]);
}

#[tokio::test(start_paused = true)]
async fn infinite_tries_keep_going_until_success() {
    let policy = exact(None).with_max_delay(Duration::from_secs(1));
    let (result, calls) =
        run_recorded(&policy, |n| (n <= 500).then_some(Error::ConnectionLoss)).await;
    assert_eq!(result.unwrap(), 501);
    // 100, 200, 400, 800 ms, then 1 s for each of the remaining 496 retries.
    assert_eq!(*calls.last().unwrap(), 1500 * MS + Duration::from_secs(496));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_stops_before_a_sleep_that_would_reach_it() {
    let policy = exact(None)
        .with_delay(Duration::from_secs(1))
        .with_backoff(1.0)
        .with_deadline(3500 * MS);
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    assert_eq!(calls, [0, 1, 2, 3].map(Duration::from_secs));
    expect_retry_failed(result, 4);

    // kazoo's comparison is `>=`: a sleep ending exactly at the deadline is not started.
    let policy = policy.with_deadline(Duration::from_secs(3));
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    assert_eq!(calls, [0, 1, 2].map(Duration::from_secs));
    expect_retry_failed(result, 3);
}

#[tokio::test(start_paused = true)]
async fn time_spent_in_attempts_counts_against_the_deadline() {
    let policy = exact(None)
        .with_delay(100 * MS)
        .with_backoff(1.0)
        .with_deadline(Duration::from_secs(1));
    let start = Instant::now();
    let calls = AtomicUsize::new(0);
    let result: Result<(), Error> = policy
        .run(|| {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(300 * MS).await;
                Err(Error::ConnectionLoss)
            }
        })
        .await;
    // Calls start at 0, 400 and 800 ms; the third fails at 1100 ms, past the deadline.
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(start.elapsed(), 1100 * MS);
    assert!(matches!(
        result,
        Err(Error::RetryFailed { attempts: 3, .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_during_a_sleep_ends_the_run_within_100_ms() {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let policy = exact(None)
        .with_delay(Duration::from_secs(10))
        .with_interrupt(move || flag.load(Ordering::SeqCst));
    tokio::spawn(async move {
        tokio::time::sleep(250 * MS).await;
        stop.store(true, Ordering::SeqCst);
    });
    let start = Instant::now();
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    assert!(matches!(result, Err(Error::Interrupted)), "{result:?}");
    assert_eq!(calls, [Duration::ZERO]);
    assert_eq!(start.elapsed(), 300 * MS);
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_is_seen_before_sleeping_even_without_delay() {
    let policy = exact(None)
        .with_delay(Duration::ZERO)
        .with_interrupt(|| true);
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    assert!(matches!(result, Err(Error::Interrupted)));
    assert_eq!(calls, [Duration::ZERO]);
}

#[tokio::test(start_paused = true)]
async fn an_unfired_interrupt_hook_does_not_change_the_timing() {
    let checks = Arc::new(AtomicUsize::new(0));
    let counter = checks.clone();
    let policy = exact(2).with_delay(250 * MS).with_interrupt(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        false
    });
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    assert_eq!(calls, [0, 250, 750].map(|ms| ms * MS));
    expect_retry_failed(result, 3);
    // Per sleep: one check before it, then one per chunk of at most 100 ms (3 for 250, 5 for 500).
    assert_eq!(checks.load(Ordering::SeqCst), 1 + 3 + 1 + 5);
}

#[tokio::test(start_paused = true)]
async fn force_retry_retries_any_error() {
    let policy = exact(4);
    let start = Instant::now();
    let mut calls = Vec::new();
    let result = policy
        .run_attempts(|| {
            calls.push(start.elapsed());
            let n = calls.len();
            async move {
                if n < 3 {
                    return Err(AttemptError::ForceRetry(Error::NodeExists {
                        path: "/lock".into(),
                    }));
                }
                Ok(n)
            }
        })
        .await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(calls, [0, 100, 300].map(|ms| ms * MS));

    let result: Result<(), Error> = exact(1)
        .run_attempts(|| async { Err(AttemptError::ForceRetry(Error::Closed)) })
        .await;
    match result {
        Err(Error::RetryFailed { attempts: 2, last }) => assert!(matches!(*last, Error::Closed)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn plain_errors_in_run_attempts_follow_the_policy() {
    async fn get(fail: bool) -> Result<u32, Error> {
        if fail {
            Err(Error::NoNode { path: "/x".into() })
        } else {
            Ok(7)
        }
    }
    let policy = exact(3);
    let calls = AtomicUsize::new(0);
    let result: Result<u32, Error> = policy
        .run_attempts(|| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok(get(true).await?) }
        })
        .await;
    assert!(matches!(result, Err(Error::NoNode { .. })));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let ok = policy
        .run_attempts(|| async { Ok(get(false).await?) })
        .await;
    assert_eq!(ok.unwrap(), 7);
}

#[tokio::test(start_paused = true)]
async fn every_run_starts_fresh_and_runs_may_overlap() {
    let policy = exact(2);
    let fail_twice = |n: usize| (n < 3).then_some(Error::ConnectionLoss);
    let ((a, a_calls), (b, b_calls)) = tokio::join!(
        run_recorded(&policy, fail_twice),
        run_recorded(&policy, fail_twice)
    );
    assert_eq!((a.unwrap(), b.unwrap()), (3, 3));
    assert_eq!(a_calls, b_calls);
    let (c, c_calls) = run_recorded(&policy, fail_twice).await;
    assert_eq!(c.unwrap(), 3);
    assert_eq!(c_calls, a_calls);
}

#[tokio::test(start_paused = true)]
async fn jittered_sleeps_stay_within_the_band() {
    let policy = RetryPolicy::new()
        .with_max_tries(20)
        .with_backoff(1.0)
        .with_delay(Duration::from_secs(1))
        .with_jitter(Jitter::Proportional(0.5));
    let (result, calls) = run_recorded(&policy, |_| Some(Error::ConnectionLoss)).await;
    expect_retry_failed(result, 21);
    for pair in calls.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= 500 * MS && gap <= 1500 * MS, "{gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn run_futures_are_send_for_spawning() {
    let policy = exact(1).with_interrupt(|| false);
    let handle = tokio::spawn(async move {
        policy
            .run(|| async { Err::<(), _>(Error::ConnectionLoss) })
            .await
    });
    let result = handle.await.unwrap();
    assert!(matches!(
        result,
        Err(Error::RetryFailed { attempts: 2, .. })
    ));
}

#[test]
fn blocking_runs_sleep_the_backoff_and_count_attempts() {
    let policy = exact(3).with_delay(5 * MS);
    let start = std::time::Instant::now();
    let mut calls = 0;
    let result: Result<(), Error> = policy.run_blocking(|| {
        calls += 1;
        Err(Error::ConnectionLoss)
    });
    assert!(matches!(
        result,
        Err(Error::RetryFailed { attempts: 4, .. })
    ));
    assert_eq!(calls, 4);
    // The thread slept 5 + 10 + 20 ms at least; the upper bound is the scheduler's business.
    assert!(start.elapsed() >= 35 * MS);

    let mut calls = 0;
    let value = policy.run_blocking(|| {
        calls += 1;
        if calls < 2 {
            Err(Error::SessionExpired)
        } else {
            Ok("done")
        }
    });
    assert_eq!(value.unwrap(), "done");
    let unchanged: Result<(), Error> =
        policy.run_blocking(|| Err(Error::NotEmpty { path: "/n".into() }));
    assert!(matches!(unchanged, Err(Error::NotEmpty { .. })));
}

#[test]
fn blocking_runs_honour_interrupts_and_deadlines() {
    let calls = Mutex::new(0);
    let interrupted = exact(None)
        .with_delay(Duration::from_secs(3600))
        .with_interrupt(|| true);
    let result: Result<(), Error> = interrupted.run_blocking(|| {
        *calls.lock().unwrap() += 1;
        Err(Error::ConnectionLoss)
    });
    assert!(matches!(result, Err(Error::Interrupted)));
    assert_eq!(*calls.lock().unwrap(), 1);

    let bounded = exact(None)
        .with_delay(Duration::from_secs(3600))
        .with_deadline(Duration::from_secs(60));
    let start = std::time::Instant::now();
    let result: Result<(), Error> = bounded.run_blocking(|| Err(Error::ConnectionLoss));
    assert!(matches!(
        result,
        Err(Error::RetryFailed { attempts: 1, .. })
    ));
    assert!(start.elapsed() < Duration::from_secs(60));

    let forced: Result<(), Error> = exact(2)
        .with_delay(MS)
        .run_attempts_blocking(|| Err(AttemptError::ForceRetry(Error::ApiError)));
    assert!(matches!(
        forced,
        Err(Error::RetryFailed { attempts: 3, .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn zero_delay_retries_let_other_tasks_run() {
    // On a single thread, a retry loop that never yielded would starve the flag setter; bounded
    // tries make that a failure (RetryFailed) rather than a hang.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let setter = tokio::spawn(async move { stop.store(true, Ordering::SeqCst) });
    let result: Result<(), Error> = exact(10_000)
        .with_delay(Duration::ZERO)
        .run(|| {
            let done = flag.load(Ordering::SeqCst);
            async move {
                if done {
                    Err(Error::Closed)
                } else {
                    Err(Error::ConnectionLoss)
                }
            }
        })
        .await;
    assert!(matches!(result, Err(Error::Closed)));
    setter.await.unwrap();
}
