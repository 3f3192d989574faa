//! The harness alone (`harness/ct`): a "client" whose every request is answered at once, with
//! no encoding, no I/O and no server. Its figures are what the workload loop costs every
//! client: the pipelining `FuturesUnordered` (a task per request), W3's node names and the
//! loop itself. In W5, a client's instructions per op minus this one's are an upper bound of
//! the client's own cost: the harness's share of a real request is a little larger (its
//! future is woken through `FuturesUnordered`'s waker, which this one never needs). A request
//! that wakes itself once instead would overstate the harness: `FuturesUnordered` yields to
//! the runtime after two self-woken futures, which no real client's future causes. Canned
//! mode only (it never talks to the server).

use crate::drive::AsyncZk;
use anyhow::Result;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The harness's "client": no state.
#[derive(Debug, Default)]
pub struct Harness;

/// A request answered at once. Not `std::future::ready(Ok(()))`: that future carries its
/// value (an `Option<Result<()>>`) and cost the harness about 40 instructions more per op,
/// which this measurement of the bare loop would then attribute to the harness.
#[derive(Debug, Default)]
pub struct Answered;

impl Future for Answered {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncZk for Harness {
    fn get<'a>(&'a self, _path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        Answered
    }

    fn create<'a>(
        &'a self,
        _path: &str,
        _data: &'static [u8],
        _ephemeral: bool,
    ) -> impl Future<Output = Result<()>> + use<'a> {
        Answered
    }

    fn set<'a>(
        &'a self,
        _path: &'a str,
        _data: &'static [u8],
    ) -> impl Future<Output = Result<()>> + 'a {
        Answered
    }

    fn delete<'a>(&'a self, _path: &'a str) -> impl Future<Output = Result<()>> + 'a {
        Answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_answered_at_first_poll_without_a_wake_up() {
        let woken = std::sync::Arc::new(Counter::default());
        let waker = std::task::Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(Harness.create("/x", b"", true));
        assert!(matches!(f.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
        assert_eq!(woken.0.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    #[derive(Default)]
    struct Counter(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Counter {
        fn wake(self: std::sync::Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}
