//! Showing node data: a short escaped preview for tables, a lossless form for JSON.

use base64::Engine as _;
use serde_json::{json, Value};

/// At most `max` characters of the data, control characters escaped, `…` when cut.
pub fn preview(data: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(data);
    let mut out = String::new();
    for (n, ch) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `{"data": ..., "data_encoding": "utf-8" | "base64"}`: text when the bytes are UTF-8,
/// base64 otherwise, so that no byte is lost.
pub fn json_fields(data: &[u8]) -> serde_json::Map<String, Value> {
    let (text, encoding) = match std::str::from_utf8(data) {
        Ok(s) => (s.to_owned(), "utf-8"),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(data),
            "base64",
        ),
    };
    let mut m = serde_json::Map::new();
    m.insert("data".into(), json!(text));
    m.insert("data_encoding".into(), json!(encoding));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_escape_and_cut() {
        assert_eq!(preview(b"a\nb", 10), "a\\nb");
        assert_eq!(preview(b"abcdef", 3), "abc…");
        assert_eq!(preview(&[0xff, b'x'], 10), "\u{fffd}x");
    }

    #[test]
    fn json_keeps_every_byte() {
        assert_eq!(json_fields(b"hi")["data"], "hi");
        let m = json_fields(&[0xff, 0]);
        assert_eq!(m["data_encoding"], "base64");
        assert_eq!(m["data"], "/wA=");
    }
}
