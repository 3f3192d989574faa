//! The I/O tasks' deadlines (pings, read, connect and handshake timeouts, reconnect back-off),
//! kept on one thread shared by every client of the process rather than in the runtime's timer
//! wheel.
//!
//! Why: while a tokio timer is armed, every park of the runtime computes the wheel's next
//! expiration and sleeps in `epoll_wait` with a timeout (a kernel timer armed and cancelled per
//! sleep), then processes the wheel again on waking. A session's deadlines are seconds away
//! and move with every request, yet that cost was paid on every round trip: about 0.3 µs of a
//! 24 µs sequential round trip against the canned server (BENCHMARKS.md). Here an I/O task only
//! stores its deadline; the timer thread sleeps until the earliest one of all clients and
//! wakes the task that is due. The gain holds while nothing else in the runtime arms a tokio
//! timer.
//!
//! Should the thread fail to start, each alarm falls back to a tokio timer of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// One I/O task's deadline, fired by the shared timer thread (or, without one, by a tokio
/// timer of its own).
#[derive(Debug)]
pub(crate) struct Alarm {
    kind: Kind,
    /// The deadline armed (`None`: disarmed, or fired).
    at: Option<Instant>,
}

#[derive(Debug)]
enum Kind {
    Thread {
        slot: Arc<Mutex<Slot>>,
        thread: &'static Shared,
    },
    Tokio {
        sleep: Pin<Box<tokio::time::Sleep>>,
    },
}

#[derive(Debug, Default)]
struct Slot {
    deadline: Option<Instant>,
    fired: bool,
    waker: Option<Waker>,
}

/// The timer thread's view: every alarm, and when it wakes up next.
#[derive(Debug, Default)]
struct Registry {
    slots: Vec<Weak<Mutex<Slot>>>,
    /// What the thread sleeps until (`None`: until an alarm is set).
    wait_until: Option<Instant>,
}

#[derive(Debug, Default)]
struct Shared {
    registry: Mutex<Registry>,
    changed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The shared timer thread, started on first use; `None` if it could not be started.
fn shared() -> Option<&'static Shared> {
    static SHARED: OnceLock<Option<Arc<Shared>>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let shared = Arc::new(Shared::default());
            let for_thread = shared.clone();
            match std::thread::Builder::new()
                .name("kazoo-timer".into())
                .spawn(move || run(&for_thread))
            {
                Ok(_) => Some(shared),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start the timer thread: using tokio timers");
                    None
                }
            }
        })
        .as_deref()
}

/// The timer thread: fires what is due, then sleeps until the earliest deadline left.
fn run(shared: &Shared) {
    let mut reg = lock(&shared.registry);
    loop {
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        let mut due = Vec::new();
        reg.slots.retain(|w| w.strong_count() > 0);
        for slot in reg.slots.iter().filter_map(Weak::upgrade) {
            let mut s = lock(&slot);
            match s.deadline {
                Some(d) if d <= now => {
                    s.deadline = None;
                    s.fired = true;
                    due.extend(s.waker.take());
                }
                Some(d) => next = Some(next.map_or(d, |n| n.min(d))),
                None => {}
            }
        }
        reg.wait_until = next;
        if !due.is_empty() {
            // Woken outside the lock; then look again (time has passed).
            drop(reg);
            due.into_iter().for_each(Waker::wake);
            reg = lock(&shared.registry);
            continue;
        }
        reg = match next {
            Some(t) => {
                let wait = t.saturating_duration_since(now);
                shared
                    .changed
                    .wait_timeout(reg, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => shared.changed.wait(reg).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

impl Alarm {
    /// A disarmed alarm.
    pub(crate) fn new() -> Alarm {
        Alarm::on(shared())
    }

    /// A disarmed alarm fired by `thread`, or by a tokio timer without one.
    fn on(thread: Option<&'static Shared>) -> Alarm {
        let kind = match thread {
            Some(thread) => {
                let slot = Arc::new(Mutex::new(Slot::default()));
                lock(&thread.registry).slots.push(Arc::downgrade(&slot));
                Kind::Thread { slot, thread }
            }
            None => Kind::Tokio {
                sleep: Box::pin(tokio::time::sleep_until(tokio::time::Instant::now())),
            },
        };
        Alarm { kind, at: None }
    }

    /// Whether a deadline is armed (and has not fired yet).
    pub(crate) fn is_armed(&self) -> bool {
        self.at.is_some()
    }

    /// Makes the alarm fire no later than `deadline` (`None`: not at all), lazily: a later
    /// deadline than the one armed leaves it (every request and reply moves an I/O task's
    /// ping and read deadlines later, and nothing needs to know that; an alarm that fires
    /// early only makes the task check its clocks and arm it again). An earlier one moves it
    /// at once.
    pub(crate) fn no_later_than(&mut self, deadline: Option<Instant>) {
        match (deadline, self.at) {
            (Some(d), Some(armed)) if d >= armed => {}
            (None, None) => {}
            (d, _) => self.set(d),
        }
    }

    /// Arms the alarm at `at` (replacing what was set), or disarms it.
    pub(crate) fn set(&mut self, at: Option<Instant>) {
        self.at = at;
        match &mut self.kind {
            Kind::Thread { slot, thread } => {
                {
                    let mut s = lock(slot);
                    s.deadline = at;
                    s.fired = false;
                }
                let Some(at) = at else {
                    return;
                };
                let mut reg = lock(&thread.registry);
                if reg.wait_until.map_or(true, |w| at < w) {
                    reg.wait_until = Some(at);
                    thread.changed.notify_one();
                }
            }
            Kind::Tokio { sleep } => {
                if let Some(at) = at {
                    sleep.as_mut().reset(tokio::time::Instant::from_std(at));
                }
            }
        }
    }

    /// Ready once the armed deadline has passed (the alarm is then disarmed).
    pub(crate) fn poll_fired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let fired = match &mut self.kind {
            Kind::Thread { slot, .. } => {
                let mut s = lock(slot);
                if s.fired {
                    s.fired = false;
                    true
                } else {
                    match &s.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => s.waker = Some(cx.waker().clone()),
                    }
                    false
                }
            }
            Kind::Tokio { sleep } => self.at.is_some() && sleep.as_mut().poll(cx).is_ready(),
        };
        if fired {
            self.at = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Waits for the alarm to fire (failing the test after 5 s).
    async fn fired(alarm: &mut Alarm) {
        let fire = std::future::poll_fn(|cx| alarm.poll_fired(cx));
        tokio::time::timeout(Duration::from_secs(5), fire)
            .await
            .expect("the alarm fires");
    }

    /// Whether the alarm has fired, without waiting.
    fn has_fired(alarm: &mut Alarm) -> bool {
        let waker = futures::task::noop_waker();
        alarm
            .poll_fired(&mut Context::from_waker(&waker))
            .is_ready()
    }

    #[tokio::test]
    async fn an_alarm_fires_at_its_deadline_not_before() {
        let mut a = Alarm::new();
        let start = Instant::now();
        a.set(Some(start + Duration::from_millis(50)));
        fired(&mut a).await;
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert!(!a.is_armed(), "disarmed once fired");
    }

    #[tokio::test]
    async fn an_earlier_deadline_wakes_the_thread_and_a_disarmed_alarm_stays_quiet() {
        let mut far = Alarm::new();
        far.set(Some(Instant::now() + Duration::from_secs(3600)));
        let mut quiet = Alarm::new();
        quiet.set(Some(Instant::now() + Duration::from_millis(20)));
        quiet.set(None);
        let mut near = Alarm::new();
        let start = Instant::now();
        near.set(Some(start + Duration::from_millis(30)));
        fired(&mut near).await;
        assert!(start.elapsed() < Duration::from_secs(3));
        // Neither the far nor the disarmed one has fired.
        assert!(!has_fired(&mut far));
        assert!(!has_fired(&mut quiet));
    }

    #[tokio::test]
    async fn without_the_thread_a_tokio_timer_fires_it() {
        let mut a = Alarm::on(None);
        assert!(matches!(a.kind, Kind::Tokio { .. }));
        // Disarmed: nothing fires, although the fallback timer's own deadline has passed.
        assert!(!has_fired(&mut a));
        let start = Instant::now();
        a.set(Some(start + Duration::from_millis(30)));
        fired(&mut a).await;
        assert!(start.elapsed() >= Duration::from_millis(29));
        assert!(!has_fired(&mut a), "fires once per arming");
    }

    #[tokio::test]
    async fn later_deadlines_leave_the_alarm_and_earlier_ones_move_it() {
        let mut a = Alarm::on(None);
        let t = Instant::now() + Duration::from_secs(60);
        a.no_later_than(Some(t));
        assert_eq!(a.at, Some(t));
        a.no_later_than(Some(t + Duration::from_secs(1)));
        assert_eq!(
            a.at,
            Some(t),
            "a later deadline is left to the early firing"
        );
        a.no_later_than(Some(t - Duration::from_secs(1)));
        assert_eq!(a.at, Some(t - Duration::from_secs(1)));
        a.no_later_than(None);
        assert!(!a.is_armed());
    }

    #[tokio::test]
    async fn a_fired_alarm_can_be_armed_again() {
        let mut a = Alarm::new();
        for _ in 0..3 {
            a.set(Some(Instant::now() + Duration::from_millis(10)));
            fired(&mut a).await;
        }
    }
}
