//! The one error type of the test kit, and its `Result` alias.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong while starting, controlling or talking to a test server.
///
/// Every variant carries enough context to act on it from a test log: start
/// failures include the tail of the server's own log.
///
/// # Example
///
/// ```no_run
/// use kazoo_testkit::{TestkitError, ZkServer};
///
/// match ZkServer::start() {
///     Ok(server) => println!("serving on {}", server.connect_string()),
///     Err(TestkitError::ZooKeeperNotFound(why)) => eprintln!("install ZooKeeper: {why}"),
///     Err(other) => panic!("{other}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestkitError {
    /// No ZooKeeper jars were found; the message says where the kit looked.
    #[error(
        "ZooKeeper was not found ({0}). Install it with `apt-get install zookeeper`, or set \
         ZOOKEEPER_CLASSPATH to a full Java classpath, or ZOOKEEPER_PATH to a folder holding the \
         ZooKeeper jars"
    )]
    ZooKeeperNotFound(String),

    /// The `java` executable (or the `sh` used as a watchdog) could not be run.
    #[error(
        "could not run `{program}`: {source}. Install a Java runtime (e.g. `apt-get install \
         zookeeper`, which pulls one in) or set JAVA_HOME"
    )]
    Spawn {
        /// The program that failed to start.
        program: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A file system or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What the kit was doing.
        context: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A server process did not come up, or exited while starting.
    #[error(
        "ZooKeeper server on {addr} failed to start: {reason}\n--- last lines of {log} (set \
         KAZOO_TESTKIT_KEEP_DIRS=1 to keep it) ---\n{tail}"
    )]
    StartFailed {
        /// The client address the server was meant to serve.
        addr: SocketAddr,
        /// Why the kit gave up.
        reason: String,
        /// The server's log file; removed with the server's directory unless
        /// `KAZOO_TESTKIT_KEEP_DIRS` is set.
        log: PathBuf,
        /// The last lines of that log.
        tail: String,
    },

    /// Something awaited did not happen in time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long the kit waited.
        timeout: Duration,
    },

    /// An ensemble member index was out of range.
    #[error("no member {index} in an ensemble of {size}")]
    NoSuchMember {
        /// The index asked for.
        index: usize,
        /// The ensemble's size.
        size: usize,
    },

    /// The operation needs a running server but it is stopped.
    #[error("the server on {0} is not running")]
    NotRunning(SocketAddr),

    /// A builder or command argument was not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The process-wide shared server failed to start (the message is that start's error).
    #[error("the shared test server could not start: {0}")]
    SharedServer(String),

    /// A four-letter-word command failed.
    #[error("four-letter word `{cmd}` to {addr} failed: {source}")]
    FourLetterWord {
        /// The command sent.
        cmd: String,
        /// The server asked.
        addr: SocketAddr,
        /// The socket error.
        #[source]
        source: io::Error,
    },
}

/// The test kit's `Result`, with [`TestkitError`] as the default error.
pub type Result<T, E = TestkitError> = std::result::Result<T, E>;

impl TestkitError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        TestkitError::Io {
            context: context.into(),
            source,
        }
    }
}
