//! `zooky locks list [ROOT]`: one line per lock node.

use super::{read_all, short_name, LockView};
use crate::error::EXIT_OK;
use crate::output::table::Table;
use crate::output::Printer;
use kazoo::Client;
use serde_json::{json, Value};

/// Lists the locks under `root`.
pub async fn run(client: &Client, out: Printer, root: &str) -> anyhow::Result<u8> {
    let locks = read_all(client, root).await?;
    if out.json {
        let items: Vec<Value> = locks.iter().map(summary_json).collect();
        out.json(&json!({ "root": root, "locks": items }))?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&[
        "LOCK", "STATUS", "MODE", ">HOLDERS", ">WAITERS", ">READERS", ">WRITERS", "LAYOUT",
    ]);
    for l in &locks {
        t.row(vec![
            short_name(&l.path).to_owned(),
            l.status().to_owned(),
            l.mode().unwrap_or("-").to_owned(),
            l.holders().to_string(),
            l.waiters().to_string(),
            l.readers().to_string(),
            l.writers().to_string(),
            l.layout().to_owned(),
        ]);
    }
    out.table(&t)?;
    Ok(EXIT_OK)
}

/// One lock as a JSON object.
pub fn summary_json(l: &LockView) -> Value {
    json!({
        "name": short_name(&l.path),
        "path": l.path,
        "status": l.status().to_lowercase(),
        "mode": l.mode(),
        "contenders": l.contenders.len(),
        "holders": l.holders(),
        "waiters": l.waiters(),
        "readers": l.readers(),
        "writers": l.writers(),
        "layout": l.layout(),
        "other_children": l.others,
    })
}
