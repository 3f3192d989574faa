//! `zooky locks show LOCK`: the holder(s) and waiters of one lock in queue order, with each
//! contender's data, owner session and age (zktools' `created_ago` / `modified_ago`).

use super::layout::{self, Kind};
use super::{read, Entry};
use crate::error::EXIT_OK;
use crate::output::table::Table;
use crate::output::{data, hex, now_millis, seconds_ago, stat, Printer};
use kazoo::{Client, Stat};
use serde_json::{json, Value};

/// Data previews in the table are cut to this many characters (JSON has it all).
const DATA_PREVIEW: usize = 40;

/// A contender with its data and stat.
struct Row {
    entry: Entry,
    data: Vec<u8>,
    stat: Stat,
}

/// Shows the lock at `path`.
pub async fn run(client: &Client, out: Printer, path: &str) -> anyhow::Result<u8> {
    let view = read(client, path).await?;
    let calls: Vec<_> = view
        .contenders
        .iter()
        .map(|e| client.get(&kazoo::proto::path::join(path, &e.name)))
        .collect();
    let mut rows = Vec::new();
    for (entry, call) in view.contenders.iter().zip(calls) {
        match call.await {
            Ok((data, stat)) => rows.push(Row {
                entry: entry.clone(),
                data: data.to_vec(),
                stat,
            }),
            // Released between the listing and the read.
            Err(kazoo::Error::NoNode { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Who holds it is worked out again on what is still there.
    let kinds: Vec<Kind> = rows.iter().map(|r| r.entry.contender.kind).collect();
    for (r, holds) in rows.iter_mut().zip(layout::holders(&kinds)) {
        r.entry.holds = holds;
    }
    let now = now_millis();
    if out.json {
        let items: Vec<Value> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| row_json(path, i, r, now))
            .collect();
        let status = if rows.is_empty() { "free" } else { "locked" };
        out.json(&json!({
            "lock": path,
            "status": status,
            "contenders": items,
            "other_children": view.others,
        }))?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&[
        ">POS",
        "ROLE",
        "NODE",
        "KIND",
        "DATA",
        "OWNER",
        ">CREATED_AGO",
        ">MODIFIED_AGO",
    ]);
    for (i, r) in rows.iter().enumerate() {
        t.row(vec![
            i.to_string(),
            role(&r.entry).to_owned(),
            r.entry.name.clone(),
            r.entry.contender.kind.name().to_owned(),
            data::preview(&r.data, DATA_PREVIEW),
            stat::owner(&r.stat),
            seconds_ago(now, r.stat.ctime).to_string(),
            seconds_ago(now, r.stat.mtime).to_string(),
        ]);
    }
    for name in &view.others {
        t.row(vec!["-".into(), "other".into(), name.clone()]);
    }
    let holders = rows.iter().filter(|r| r.entry.holds).count();
    out.line(&format!(
        "{path}: {} ({holders} holding, {} waiting)",
        if rows.is_empty() { "Free" } else { "Locked" },
        rows.len() - holders
    ))?;
    if !t.is_empty() {
        out.table(&t)?;
    }
    Ok(EXIT_OK)
}

fn role(e: &Entry) -> &'static str {
    if e.holds {
        "holder"
    } else {
        "waiter"
    }
}

fn row_json(lock: &str, position: usize, r: &Row, now: i64) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("position".into(), json!(position));
    m.insert("role".into(), json!(role(&r.entry)));
    m.insert("name".into(), json!(r.entry.name));
    m.insert(
        "path".into(),
        json!(kazoo::proto::path::join(lock, &r.entry.name)),
    );
    m.insert("kind".into(), json!(r.entry.contender.kind));
    m.insert("layout".into(), json!(r.entry.contender.layout));
    m.insert("seq".into(), json!(r.entry.contender.seq));
    m.extend(data::json_fields(&r.data));
    m.insert(
        "owner".into(),
        match r.stat.ephemeral_owner {
            0 => Value::Null,
            id => json!(hex(id)),
        },
    );
    m.insert("created_ago".into(), json!(seconds_ago(now, r.stat.ctime)));
    m.insert("modified_ago".into(), json!(seconds_ago(now, r.stat.mtime)));
    m.insert("stat".into(), stat::json(&r.stat));
    Value::Object(m)
}
