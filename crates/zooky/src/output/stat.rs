//! A znode's [`Stat`] as text (ZooKeeper CLI's `key = value` lines) and as JSON (Java's field
//! names; zxids and session ids as hex strings).

use super::hex;
use chrono::{DateTime, SecondsFormat, Utc};
use kazoo::Stat;
use serde_json::{json, Value};

/// Milliseconds since the epoch as an RFC 3339 UTC time.
pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// The owner column: the session id, or `-` for a persistent node.
pub fn owner(stat: &Stat) -> String {
    if stat.ephemeral_owner == 0 {
        "-".into()
    } else {
        hex(stat.ephemeral_owner)
    }
}

/// The stat as aligned `key = value` lines, in the order ZooKeeper's CLI prints them.
pub fn text(stat: &Stat) -> String {
    let rows = [
        ("cZxid", hex(stat.czxid)),
        ("ctime", time(stat.ctime)),
        ("mZxid", hex(stat.mzxid)),
        ("mtime", time(stat.mtime)),
        ("pZxid", hex(stat.pzxid)),
        ("cversion", stat.cversion.to_string()),
        ("dataVersion", stat.version.to_string()),
        ("aclVersion", stat.aversion.to_string()),
        ("ephemeralOwner", hex(stat.ephemeral_owner)),
        ("dataLength", stat.data_length.to_string()),
        ("numChildren", stat.num_children.to_string()),
    ];
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{k:<14} = {v}\n"));
    }
    out
}

/// The stat as a JSON object.
pub fn json(stat: &Stat) -> Value {
    json!({
        "czxid": hex(stat.czxid),
        "mzxid": hex(stat.mzxid),
        "pzxid": hex(stat.pzxid),
        "ctime": stat.ctime,
        "mtime": stat.mtime,
        "version": stat.version,
        "cversion": stat.cversion,
        "aversion": stat.aversion,
        "ephemeralOwner": hex(stat.ephemeral_owner),
        "dataLength": stat.data_length,
        "numChildren": stat.num_children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        let s = Stat {
            czxid: 0x1a,
            ctime: 1_700_000_000_123,
            ephemeral_owner: 0x100,
            ..Stat::default()
        };
        let t = text(&s);
        assert!(t.starts_with("cZxid          = 0x1a\nctime          = 2023-11-14T22:13:20.123Z\n"));
        assert_eq!(json(&s)["ephemeralOwner"], "0x100");
        assert_eq!(owner(&s), "0x100");
        assert_eq!(owner(&Stat::default()), "-");
    }
}
