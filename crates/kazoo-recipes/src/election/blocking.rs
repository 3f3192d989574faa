//! The blocking election: [`Election`] run on the blocking client's runtime, the leader's work
//! on the calling thread.

use super::Election;
use crate::fencing::Grant;
use crate::lock::{LockError, LockOptions};
use kazoo_client::blocking::Client;
use tokio::runtime::Handle;

/// A blocking [`Election`]. Clones share the candidate, so [`BlockingElection::cancel`] from
/// another thread stops a pending [`BlockingElection::run`].
///
/// ```no_run
/// use kazoo_recipes::election::BlockingElection;
/// let zk = kazoo_client::blocking::Client::connect("127.0.0.1:2181")?;
/// let election = BlockingElection::new(&zk, "/election/scheduler", "host-1");
/// election.run(|leadership| println!("leading with token {}", leadership.token()))?;
/// # Ok::<(), kazoo_recipes::lock::LockError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlockingElection {
    inner: Election,
    rt: Handle,
}

impl BlockingElection {
    /// A candidate named `identifier` in the election at `path`.
    pub fn new(client: &Client, path: &str, identifier: &str) -> BlockingElection {
        BlockingElection::with_options(client, path, LockOptions::new().identifier(identifier))
    }

    /// A candidate with the options of its underlying lock.
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> BlockingElection {
        BlockingElection {
            inner: Election::with_options(client.as_async(), path, options),
            rt: client.runtime_handle(),
        }
    }

    /// Waits to be elected, runs `leader` on this thread, then gives the leadership up (see
    /// [`Election::run`]). `Ok(None)` when cancelled before being elected.
    pub fn run<T>(&self, leader: impl FnOnce(&Grant) -> T) -> Result<Option<T>, LockError> {
        let guard = match self.rt.block_on(self.inner.lock.acquire()) {
            Ok(g) => g,
            Err(e) if e.is_cancelled() => return Ok(None),
            Err(e) => return Err(e),
        };
        let out = leader(guard.grant());
        if let Err(e) = self.rt.block_on(guard.release()) {
            tracing::warn!(path = %self.inner.lock.path(), error = %e, "giving the leadership up failed");
        }
        Ok(Some(out))
    }

    /// See [`Election::cancel`]; callable from any thread.
    pub fn cancel(&self) {
        self.inner.cancel()
    }

    /// See [`Election::contenders`].
    pub fn contenders(&self) -> Result<Vec<String>, LockError> {
        self.rt.block_on(self.inner.contenders())
    }

    /// See [`Election::is_leader`].
    pub fn is_leader(&self) -> bool {
        self.inner.is_leader()
    }

    /// The async election underneath.
    pub fn as_async(&self) -> &Election {
        &self.inner
    }
}
