//! ZooKeeper's four-letter-word admin commands (`ruok`, `srvr`, `stat`, `mntr`, `wchc`, ...).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::error::{Result, TestkitError};

/// Replies larger than this are cut; no four-letter word answers with this much on a test server.
const MAX_REPLY: u64 = 16 * 1024 * 1024;

/// Sends a four-letter word to a server and returns its whole reply.
///
/// The server answers and closes the connection; `timeout` bounds the connect and the whole
/// exchange. The servers this kit starts allow every command (`4lw.commands.whitelist=*`).
///
/// # Errors
///
/// [`TestkitError::InvalidArgument`] unless `cmd` is four ASCII letters;
/// [`TestkitError::FourLetterWord`] when the server cannot be reached or does not answer in time.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// let server = kazoo_testkit::ZkServer::start()?;
/// let reply = kazoo_testkit::four_letter_word(server.addr(), "ruok", Duration::from_secs(2))?;
/// assert_eq!(reply, "imok");
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
pub fn four_letter_word(addr: SocketAddr, cmd: &str, timeout: Duration) -> Result<String> {
    if cmd.len() != 4 || !cmd.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(TestkitError::InvalidArgument(format!(
            "`{cmd}` is not a four-letter word"
        )));
    }
    let fail = |source| TestkitError::FourLetterWord {
        cmd: cmd.to_owned(),
        addr,
        source,
    };
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(fail)?;
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream.set_read_timeout(Some(remaining)).map_err(fail)?;
    stream.set_write_timeout(Some(remaining)).map_err(fail)?;
    stream.write_all(cmd.as_bytes()).map_err(fail)?;
    // Some servers wait for EOF on small commands before answering; harmless otherwise.
    let _ = stream.shutdown(Shutdown::Write);
    let mut reply = Vec::new();
    stream
        .take(MAX_REPLY)
        .read_to_end(&mut reply)
        .map_err(fail)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// The `Mode:` line of a `srvr`/`stat` reply: `standalone`, `leader`, `follower`, `observer`,
/// `read-only`.
pub(crate) fn mode_of(srvr: &str) -> Option<&str> {
    srvr.lines()
        .find_map(|l| l.strip_prefix("Mode:"))
        .map(str::trim)
        .filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mode() {
        let srvr = "Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n";
        assert_eq!(mode_of(srvr), Some("follower"));
        assert_eq!(
            mode_of("This ZooKeeper instance is not currently serving requests\n"),
            None
        );
    }

    #[test]
    fn rejects_bad_words() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        for bad in ["", "ruo", "ruokk", "ru k", "ruo\n"] {
            assert!(matches!(
                four_letter_word(addr, bad, Duration::from_millis(10)),
                Err(TestkitError::InvalidArgument(_))
            ));
        }
    }
}
