//! Leader election built on the lock recipe, compatible with kazoo.
//!
//! An election on `{path}` is a [`Lock`] on `{path}` (kazoo's layout: contenders
//! `{path}/{uuid}__lock__{seq}` with the identifier as data); the holder is the leader. Rust
//! and Python kazoo candidates take part in the same election.

mod blocking;

pub use blocking::BlockingElection;

use crate::fencing::Grant;
use crate::lock::{Lock, LockError, LockOptions};
use kazoo_client::Client;
use std::future::Future;

/// A leader election (kazoo's `Election`).
///
/// [`Election::run`] waits until this candidate is elected, runs the leader's work, then
/// gives the leadership up. The work receives the [`Grant`] of its leadership: a fencing token
/// to hand to the resources it leads, and a lost signal to stop on (leadership ends with the
/// session, or when the candidate's node is deleted). Candidates are elected in the order they
/// joined.
///
/// ```no_run
/// # async fn f() -> Result<(), kazoo_recipes::lock::LockError> {
/// use kazoo_recipes::election::Election;
/// let client = kazoo_client::Client::connect("127.0.0.1:2181").await?;
/// let election = Election::new(&client, "/election/scheduler", "host-1");
/// let outcome = election
///     .run(|leadership| async move {
///         println!("leading with token {}", leadership.token());
///         tokio::select! {
///             reason = leadership.lost_signal().lost() => eprintln!("deposed: {reason}"),
///             _ = async { /* lead */ } => {}
///         }
///     })
///     .await?;
/// if outcome.is_none() {
///     println!("cancelled before being elected");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Election {
    lock: Lock,
}

impl Election {
    /// A candidate in the election at `path`, named `identifier` in
    /// [`Election::contenders`] (may be empty).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// let election = kazoo_recipes::election::Election::new(&client, "/election", "me");
    /// # }
    /// ```
    pub fn new(client: &Client, path: &str, identifier: &str) -> Election {
        Election::with_options(client, path, LockOptions::new().identifier(identifier))
    }

    /// A candidate with the options of its underlying lock (identifier, lost on suspend...).
    ///
    /// ```no_run
    /// # fn f(client: kazoo_client::Client) {
    /// use kazoo_recipes::{election::Election, lock::LockOptions};
    /// let opts = LockOptions::new().identifier("me").lost_on_suspend(true);
    /// let election = Election::with_options(&client, "/election", opts);
    /// # }
    /// ```
    pub fn with_options(client: &Client, path: &str, options: LockOptions) -> Election {
        Election {
            lock: Lock::with_options(client, path, options),
        }
    }

    /// Waits to be elected, then runs `leader` and gives the leadership up when it returns
    /// (kazoo's `run(func)`). `Ok(Some(output))` after leading, `Ok(None)` when
    /// [`Election::cancel`] stopped the wait. If `leader` panics or its future is dropped, the
    /// leadership is given up too.
    ///
    /// ```no_run
    /// # async fn f(election: kazoo_recipes::election::Election) -> Result<(), kazoo_recipes::lock::LockError> {
    /// let led = election.run(|grant| async move { grant.token() }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run<F, Fut, T>(&self, leader: F) -> Result<Option<T>, LockError>
    where
        F: FnOnce(Grant) -> Fut,
        Fut: Future<Output = T>,
    {
        let guard = match self.lock.acquire().await {
            Ok(g) => g,
            Err(e) if e.is_cancelled() => return Ok(None),
            Err(e) => return Err(e),
        };
        let out = leader(guard.grant().clone()).await;
        if let Err(e) = guard.release().await {
            tracing::warn!(path = %self.lock.path(), error = %e, "giving the leadership up failed");
        }
        Ok(Some(out))
    }

    /// Stops waiting to be elected (kazoo's `cancel()`): a pending [`Election::run`] returns
    /// `Ok(None)`. It does not interrupt a leader already running (watch the lost signal, or
    /// drop the future, for that). As in kazoo, called while nothing waits it cancels the next
    /// `run`.
    ///
    /// ```no_run
    /// # fn f(election: kazoo_recipes::election::Election) { election.cancel(); }
    /// ```
    pub fn cancel(&self) {
        self.lock.cancel()
    }

    /// The identifiers of the candidates, the leader first (kazoo's `contenders()`).
    ///
    /// ```no_run
    /// # async fn f(election: kazoo_recipes::election::Election) -> Result<(), kazoo_recipes::lock::LockError> {
    /// if let Some(leader) = election.contenders().await?.first() { println!("leader: {leader}"); }
    /// # Ok(()) }
    /// ```
    pub async fn contenders(&self) -> Result<Vec<String>, LockError> {
        self.lock.contenders().await
    }

    /// True while this candidate leads.
    ///
    /// ```no_run
    /// # fn f(election: kazoo_recipes::election::Election) { let _ = election.is_leader(); }
    /// ```
    pub fn is_leader(&self) -> bool {
        self.lock.is_acquired()
    }

    /// The lock underneath.
    ///
    /// ```no_run
    /// # fn f(election: kazoo_recipes::election::Election) { println!("{}", election.lock().path()); }
    /// ```
    pub fn lock(&self) -> &Lock {
        &self.lock
    }
}
