//! How a failure becomes an exit status: usage errors (bad arguments, bad configuration) exit
//! with 2, everything that went wrong while talking to ZooKeeper with 1.

use std::fmt;

/// Exit status for a command that ran and did what was asked.
pub const EXIT_OK: u8 = 0;
/// Exit status for an operation that failed (missing node, unreachable server...).
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a command line or configuration the tool cannot use (clap's own code too).
pub const EXIT_USAGE: u8 = 2;

/// The user asked for something that cannot work as written: a malformed host string, an
/// unknown profile, conflicting values. Reported with [`EXIT_USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand to fail with a [`UsageError`].
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// The exit status for an error that ended the command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return EXIT_USAGE;
        }
        if let Some(e) = cause.downcast_ref::<kazoo::Error>() {
            // The client refuses these before anything is sent: the input was wrong.
            if matches!(
                e,
                kazoo::Error::Config(_) | kazoo::Error::InvalidPath { .. }
            ) {
                return EXIT_USAGE;
            }
        }
    }
    EXIT_FAILED
}

/// True when the error is stdout having been closed by the reader (`zooky ls -R / | head`):
/// not worth a message.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// One line for the terminal: the error and its causes, newlines flattened so that a
/// multi-line server answer cannot break the one-line promise.
pub fn one_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_and_config_errors_exit_2_others_1() {
        assert_eq!(exit_code(&usage("bad")), EXIT_USAGE);
        let cfg: anyhow::Error = kazoo::Error::Config("x".into()).into();
        assert_eq!(exit_code(&cfg), EXIT_USAGE);
        let nonode: anyhow::Error = kazoo::Error::NoNode { path: "/a".into() }.into();
        assert_eq!(exit_code(&nonode), EXIT_FAILED);
        assert_eq!(exit_code(&nonode.context("reading /a")), EXIT_FAILED);
    }

    #[test]
    fn messages_are_one_line() {
        let e = anyhow::anyhow!("first\nsecond").context("ctx");
        assert_eq!(one_line(&e), "ctx: first second");
    }

    #[test]
    fn broken_pipe_is_recognised() {
        let e: anyhow::Error = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&usage("x")));
    }
}
