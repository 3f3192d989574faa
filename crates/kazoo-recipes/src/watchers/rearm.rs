//! The loop behind DataWatch and ChildrenWatch: read with a one-shot watch, report the state
//! when it differs from the last one reported, wait for the watch, read again.
//!
//! Why this survives faults without extra work: while the session lives the client keeps the
//! armed watch and replays it with SetWatches2 after a reconnect, and the server fires it at
//! once for a change made while we were away (it compares the node's mzxid / pzxid with the
//! last zxid we saw). When the session expires the watch resolves with a terminal event; the
//! loop then waits for the client's next session and reads again. A read that failed with a
//! connection loss is repeated once connected. Reporting only states whose key differs from
//! the last reported one gives each distinct state once, also across those re-reads.

use super::control::{classify, fired, wait_for_session, Fired, Recovery, StopReason, RETRY_PAUSE};
use futures::future::BoxFuture;
use kazoo_client::{Client, Error, Watch, WatchedEvent};

/// One kind of read that leaves a one-shot watch.
pub(crate) trait Reader: Send + 'static {
    /// What a read returns.
    type State: Send + 'static;
    /// What tells two states apart (reported states differ in their key).
    type Key: PartialEq + Send + 'static;
    /// The watched path.
    fn path(&self) -> &str;
    /// Reads and arms the watch.
    fn read(&self, client: &Client) -> BoxFuture<'static, Result<(Self::State, Watch), Error>>;
    /// The state's key.
    fn key(state: &Self::State) -> Self::Key;
    /// What a failed read means; the default sorts it with [`classify`].
    fn on_error(&self, e: Error) -> Recovery {
        classify(e)
    }
}

/// The re-arming loop; `next` yields each distinct state with the event that led to it.
pub(crate) struct Rearm<R: Reader> {
    client: Client,
    reader: R,
    allow_session_lost: bool,
    armed: Option<Watch>,
    last: Option<R::Key>,
    cause: Option<WatchedEvent>,
    session: Option<i64>,
    stopped: Option<StopReason>,
}

impl<R: Reader> Rearm<R> {
    pub(crate) fn new(client: Client, reader: R, allow_session_lost: bool) -> Rearm<R> {
        Rearm {
            client,
            reader,
            allow_session_lost,
            armed: None,
            last: None,
            cause: None,
            session: None,
            stopped: None,
        }
    }

    /// The watched path.
    pub(crate) fn path(&self) -> &str {
        self.reader.path()
    }

    /// The next state that differs from the last one reported (the first call reports the
    /// current state), with the watch event that caused the read (`None` for the first read
    /// and for re-reads after a session expiry). Cancel-safe: dropping the future keeps the
    /// armed watch.
    pub(crate) async fn next(&mut self) -> Result<(R::State, Option<WatchedEvent>), StopReason> {
        if let Some(r) = &self.stopped {
            return Err(r.clone());
        }
        let r = self.run().await;
        if let Err(reason) = &r {
            self.stopped = Some(reason.clone());
            // Dropping an unfired watch removes it from the server.
            self.armed = None;
        }
        r
    }

    async fn run(&mut self) -> Result<(R::State, Option<WatchedEvent>), StopReason> {
        let mut failures = 0u32;
        loop {
            if let Some(w) = self.armed.as_mut() {
                let event = w.await;
                self.armed = None;
                match fired(event) {
                    Fired::Change(e) => self.cause = Some(e),
                    Fired::Removed => {}
                    Fired::ClientClosed => return Err(StopReason::ClientClosed),
                    Fired::SessionExpired => self.after_expiry().await?,
                }
            }
            self.session = self.client.session_id();
            match self.reader.read(&self.client).await {
                Ok((state, watch)) => {
                    failures = 0;
                    self.armed = Some(watch);
                    let key = R::key(&state);
                    if self.last.as_ref() != Some(&key) {
                        self.last = Some(key);
                        return Ok((state, self.cause.take()));
                    }
                    self.cause = None;
                }
                Err(e) => match self.reader.on_error(e) {
                    Recovery::Reconnect => {
                        if failures > 0 {
                            tokio::time::sleep(RETRY_PAUSE).await;
                        }
                        failures += 1;
                        wait_for_session(&self.client, None).await?;
                    }
                    Recovery::NewSession => self.after_expiry().await?,
                    Recovery::Stop(reason) => return Err(reason),
                },
            }
        }
    }

    async fn after_expiry(&mut self) -> Result<(), StopReason> {
        if !self.allow_session_lost {
            return Err(StopReason::SessionLost);
        }
        // The event that led here belongs to the old session; kazoo passes none after a
        // session loss.
        self.cause = None;
        wait_for_session(&self.client, self.session).await
    }
}
