//! `watch PATH [--recursive] [--count N]`: a persistent watch (ZooKeeper 3.6+) printed one
//! event per line (one JSON object per line with `--json`) until Ctrl-C or N events.

use crate::cli::WatchArgs;
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::output::{note, Printer};
use kazoo::{AddWatchMode, Client, EventType};
use serde_json::json;

/// Runs the watch.
pub async fn watch(c: &Client, out: Printer, a: WatchArgs) -> anyhow::Result<u8> {
    let mode = if a.recursive {
        AddWatchMode::PersistentRecursive
    } else {
        AddWatchMode::Persistent
    };
    if a.count == Some(0) {
        return Ok(EXIT_OK);
    }
    let mut w = c.add_watch(&a.path, mode).await?;
    // Listening for Ctrl-C starts before the "watching" line, so that a signal sent as soon
    // as it appears ends the watch cleanly instead of killing the process.
    let mut stop = Interrupt::new();
    // On stderr, so that stdout carries events only; scripts (and the tests) wait for it to
    // know the watch is in place.
    note(&format!(
        "zooky: watching {}{} (Ctrl-C to stop)",
        a.path,
        if a.recursive { " and below" } else { "" }
    ));
    let mut seen = 0u64;
    loop {
        let event = tokio::select! {
            e = w.recv() => e,
            () = stop.wait() => return Ok(EXIT_OK),
        };
        let Some(event) = event else {
            note("zooky: the watch ended (client closed)");
            return Ok(EXIT_FAILED);
        };
        if event.is_terminal() {
            note(&format!(
                "zooky: the watch ended: session {:?}",
                event.keeper_state
            ));
            return Ok(EXIT_FAILED);
        }
        if event.event_type == EventType::PersistentWatchRemoved {
            note("zooky: the watch was removed");
            return Ok(EXIT_FAILED);
        }
        let kind = format!("{:?}", event.event_type);
        if out.json {
            out.json_line(&json!({ "event": kind, "path": event.path }))?;
        } else {
            out.line(&format!("{kind} {}", event.path))?;
        }
        seen += 1;
        if a.count.is_some_and(|n| seen >= n) {
            return Ok(EXIT_OK);
        }
    }
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, registered when created. Without signal support it
/// never fires: the watch then runs until `--count` or the session ends.
struct Interrupt {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupt {
    #[cfg(unix)]
    fn new() -> Interrupt {
        use tokio::signal::unix::{signal, SignalKind};
        Interrupt {
            signals: signal(SignalKind::interrupt())
                .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                .ok(),
        }
    }

    #[cfg(not(unix))]
    fn new() -> Interrupt {
        Interrupt {}
    }

    #[cfg(unix)]
    async fn wait(&mut self) {
        match &mut self.signals {
            Some((int, term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            None => std::future::pending().await,
        }
    }

    #[cfg(not(unix))]
    async fn wait(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
