//! Writing results: text for people, one JSON document per command for scripts. Every write
//! goes through here and returns its I/O error, so a closed pipe ends the command quietly
//! instead of panicking inside `println!`.

pub mod data;
pub mod stat;
pub mod table;

use serde_json::Value;
use std::io::Write;

/// Where a command's results go.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// JSON instead of text.
    pub json: bool,
}

impl Printer {
    /// Writes a line of text.
    pub fn line(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// Writes raw bytes as they are.
    pub fn bytes(&self, data: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(data)?;
        out.flush()
    }

    /// Writes one JSON document (pretty when stdout is a terminal, compact otherwise), then a
    /// newline.
    pub fn json(&self, doc: &Value) -> std::io::Result<()> {
        use std::io::IsTerminal;
        let text = if std::io::stdout().is_terminal() {
            serde_json::to_string_pretty(doc)
        } else {
            serde_json::to_string(doc)
        }
        .map_err(std::io::Error::other)?;
        self.line(&text)
    }

    /// Writes one JSON document on one line (a JSON Lines record: `watch` streams these).
    pub fn json_line(&self, doc: &Value) -> std::io::Result<()> {
        let text = serde_json::to_string(doc).map_err(std::io::Error::other)?;
        self.line(&text)
    }

    /// Writes a rendered table.
    pub fn table(&self, t: &table::Table) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(t.render().as_bytes())?;
        out.flush()
    }
}

/// Writes a line to stderr; a closed stderr is ignored (`eprintln!` would panic).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
}

/// Seconds since the epoch in milliseconds, now (for the "ago" columns).
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whole seconds from `then_ms` to `now_ms`, never negative (clocks of client and server
/// differ a little).
pub fn seconds_ago(now_ms: i64, then_ms: i64) -> i64 {
    (now_ms.saturating_sub(then_ms) / 1000).max(0)
}

/// A session id or zxid as ZooKeeper prints it (`0x1000a2b3c4d0000`). Also the JSON form:
/// these 64-bit values do not survive the doubles many JSON readers use.
pub fn hex(v: i64) -> String {
    format!("{v:#x}")
}
