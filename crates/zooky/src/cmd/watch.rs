//! `watch PATH [--recursive] [--count N]`: a persistent watch (ZooKeeper 3.6+) printed one
//! event per line (one JSON object per line with `--json`) until Ctrl-C or N events.

use crate::cli::WatchArgs;
use crate::error::{EXIT_FAILED, EXIT_OK};
use crate::output::Printer;
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
    // On stderr, so that stdout carries events only; scripts (and the tests) wait for it to
    // know the watch is in place.
    eprintln!(
        "zooky: watching {}{} (Ctrl-C to stop)",
        a.path,
        if a.recursive { " and below" } else { "" }
    );
    let mut seen = 0u64;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut interruptible = true;
    loop {
        let event = tokio::select! {
            e = w.recv() => e,
            r = &mut ctrl_c, if interruptible => match r {
                Ok(()) => return Ok(EXIT_OK),
                // No signal handling here: run until --count or the session ends.
                Err(_) => { interruptible = false; continue; }
            },
        };
        let Some(event) = event else {
            eprintln!("zooky: the watch ended (client closed)");
            return Ok(EXIT_FAILED);
        };
        if event.is_terminal() {
            eprintln!("zooky: the watch ended: session {:?}", event.keeper_state);
            return Ok(EXIT_FAILED);
        }
        if event.event_type == EventType::PersistentWatchRemoved {
            eprintln!("zooky: the watch was removed");
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
