//! PatientChildrenWatch: the children of a node once they have stayed the same for a while
//! (what SetPartitioner waits for before it divides work).

use super::control::{classify, fired, wait_for_session, Fired, Recovery, StopReason, RETRY_PAUSE};
use super::task::start_error;
use kazoo_client::{Client, Error, Result, Watch};
use std::time::Duration;

/// Waits until the children of a node have not changed for `time_boundary`, then gives them
/// with a [`Watch`] that fires on their next change (kazoo's `PatientChildrenWatch`, whose
/// `start()` returns an async result of `(children, async_result)`).
///
/// A change restarts the wait. Connection losses are ridden out; after a session expiry the
/// wait starts over on the next session. The node must exist ([`Error::NoNode`] otherwise).
///
/// ```no_run
/// # async fn f(client: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_recipes::watchers::PatientChildrenWatch;
/// use std::time::Duration;
/// let patient = PatientChildrenWatch::new(&client, "/party", Duration::from_secs(5));
/// let (members, changed) = patient.start().await?;
/// println!("stable membership: {members:?}");
/// changed.await; // the membership changed again
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PatientChildrenWatch {
    client: Client,
    path: String,
    time_boundary: Duration,
}

impl PatientChildrenWatch {
    /// A watch on the children of `path` that waits for `time_boundary` without change
    /// (kazoo's default is 30 s).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let p = kazoo_recipes::watchers::PatientChildrenWatch::new(&client, "/party", std::time::Duration::from_secs(30));
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str, time_boundary: Duration) -> PatientChildrenWatch {
        PatientChildrenWatch {
            client: client.clone(),
            path: path.to_owned(),
            time_boundary,
        }
    }

    /// The watched path.
    ///
    /// ```no_run
    /// # fn f(p: kazoo_recipes::watchers::PatientChildrenWatch) { println!("{}", p.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Waits for `time_boundary` without a change and returns the children and a watch on
    /// their next change. Dropping the watch removes it from the server.
    ///
    /// ```no_run
    /// # async fn f(p: kazoo_recipes::watchers::PatientChildrenWatch) -> kazoo_client::Result<()> {
    /// let (children, next_change) = p.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self) -> Result<(Vec<String>, Watch)> {
        let mut failures = 0u32;
        loop {
            let session = self.client.session_id();
            let (children, mut watch) = match self.client.get_children_w(&self.path).await {
                Ok(r) => r,
                Err(e @ Error::NoNode { .. }) => return Err(e),
                Err(e) => {
                    match classify(e) {
                        Recovery::Reconnect => {
                            if failures > 0 {
                                tokio::time::sleep(RETRY_PAUSE).await;
                            }
                            failures += 1;
                            self.wait(None).await?;
                        }
                        Recovery::NewSession => self.wait(session).await?,
                        Recovery::Stop(r) => return Err(start_error(r, &self.path)),
                    }
                    continue;
                }
            };
            failures = 0;
            match tokio::time::timeout(self.time_boundary, &mut watch).await {
                Err(_quiet) => return Ok((children, watch)),
                Ok(event) => match fired(event) {
                    Fired::Change(_) | Fired::Removed => {}
                    Fired::SessionExpired => self.wait(session).await?,
                    Fired::ClientClosed => return Err(Error::Closed),
                },
            }
        }
    }

    async fn wait(&self, not: Option<i64>) -> Result<()> {
        wait_for_session(&self.client, not)
            .await
            .map_err(|r: StopReason| start_error(r, &self.path))
    }
}
