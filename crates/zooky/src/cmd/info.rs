//! Session and ensemble information through the session: `whoami` and `config`.

use crate::error::EXIT_OK;
use crate::output::table::Table;
use crate::output::{stat, Printer};
use kazoo::Client;
use serde_json::{json, Map, Value};

/// `whoami`: the identities the server gives this session (3.7+).
pub async fn whoami(c: &Client, out: Printer) -> anyhow::Result<u8> {
    let ids = c.who_am_i().await?;
    if out.json {
        let items: Vec<Value> = ids
            .iter()
            .map(|i| json!({ "scheme": i.auth_scheme, "user": i.user }))
            .collect();
        out.json(&json!({ "identities": items }))?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&["SCHEME", "USER"]);
    for i in &ids {
        t.row(vec![i.auth_scheme.clone(), i.user.clone()]);
    }
    out.table(&t)?;
    Ok(EXIT_OK)
}

/// `config`: `/zookeeper/config` as text, or its `key=value` lines as a JSON object.
pub async fn config(c: &Client, out: Printer) -> anyhow::Result<u8> {
    let (data, st) = c.get_config().await?;
    let text = String::from_utf8_lossy(&data);
    if out.json {
        let mut entries = Map::new();
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                entries.insert(k.trim().to_owned(), json!(v.trim()));
            }
        }
        out.json(&json!({ "config": entries, "raw": text, "stat": stat::json(&st) }))?;
    } else if text.is_empty() {
        out.line(
            "(empty: the server keeps no dynamic configuration; standalone or reconfig disabled)",
        )?;
    } else {
        out.bytes(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.bytes(b"\n")?;
        }
    }
    Ok(EXIT_OK)
}
