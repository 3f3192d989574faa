//! Subtree commands: `tree` (drawn with box characters, or nested JSON) and `ephemerals`.

use crate::cli::{EphemeralsArgs, TreeArgs};
use crate::error::{usage, EXIT_OK};
use crate::output::table::Table;
use crate::output::{hex, stat, Printer};
use crate::walk::{self, Tree};
use kazoo::proto::path::join;
use kazoo::Client;
use serde_json::{json, Value};

/// `tree PATH [--depth N]`.
pub async fn tree(c: &Client, out: Printer, a: TreeArgs) -> anyhow::Result<u8> {
    let t = walk::walk(c, &a.path, a.depth).await?;
    if out.json {
        out.json(&node_json(&t, &a.path))?;
        return Ok(EXIT_OK);
    }
    let mut lines = vec![a.path.clone()];
    draw(&t, &a.path, "", &mut lines);
    for l in lines {
        out.line(&l)?;
    }
    Ok(EXIT_OK)
}

/// Children of `path` as box-drawing lines under `prefix`. Nodes whose children were not
/// walked (the depth limit) say how many they have.
fn draw(t: &Tree, path: &str, prefix: &str, lines: &mut Vec<String>) {
    let Some(node) = t.nodes.get(path) else {
        return;
    };
    let shown: Vec<&String> = node
        .children
        .iter()
        .filter(|c| t.nodes.contains_key(&join(path, c)))
        .collect();
    for (i, name) in shown.iter().enumerate() {
        let last = i + 1 == shown.len();
        let child = join(path, name);
        let hidden = t.nodes.get(&child).map_or(0, |n| {
            n.children
                .iter()
                .filter(|c| !t.nodes.contains_key(&join(&child, c)))
                .count()
        });
        let note = if hidden > 0 {
            format!(" ({hidden} more below)")
        } else {
            String::new()
        };
        lines.push(format!(
            "{prefix}{}{name}{note}",
            if last { "└── " } else { "├── " }
        ));
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        draw(t, &child, &deeper, lines);
    }
}

fn node_json(t: &Tree, path: &str) -> Value {
    let Some(node) = t.nodes.get(path) else {
        return Value::Null;
    };
    let children: Vec<Value> = node
        .children
        .iter()
        .map(|c| join(path, c))
        .filter(|p| t.nodes.contains_key(p))
        .map(|p| node_json(t, &p))
        .collect();
    json!({
        "name": kazoo::proto::path::basename(path),
        "path": path,
        "num_children": node.stat.num_children,
        "children": children,
    })
}

/// `ephemerals [PREFIX] [--session ID]`: walks the tree below the prefix and lists ephemeral
/// nodes of every session. (getEphemerals only knows the asking session's own nodes, and
/// zooky's fresh session has none.)
pub async fn ephemerals(c: &Client, out: Printer, a: EphemeralsArgs) -> anyhow::Result<u8> {
    if !a.prefix.starts_with('/') {
        return Err(usage(format!(
            "prefix {:?} must start with / (e.g. /app/workers)",
            a.prefix
        )));
    }
    let session = a.session.as_deref().map(parse_session).transpose()?;
    // The deepest complete path at or above the prefix: "/app/wor" walks "/app".
    let start = if crate::args::znode_path(&a.prefix).is_ok() {
        a.prefix.clone()
    } else {
        let cut = a.prefix.rfind('/').unwrap_or(0);
        let parent = if cut == 0 { "/" } else { &a.prefix[..cut] };
        crate::args::znode_path(parent).map_err(|e| usage(format!("prefix {:?}: {e}", a.prefix)))?
    };
    let start = match c.exists(&start).await? {
        Some(_) => start,
        None => kazoo::proto::path::parent(&start).unwrap_or("/").to_owned(),
    };
    let t = walk::walk(c, &start, None).await?;
    let found: Vec<_> = t
        .depth_first()
        .into_iter()
        .filter(|n| n.stat.ephemeral_owner != 0 && n.path.starts_with(&a.prefix))
        .filter(|n| session.is_none() || session == Some(n.stat.ephemeral_owner))
        .collect();
    if out.json {
        let items: Vec<Value> = found
            .iter()
            .map(|n| json!({ "path": n.path, "owner": hex(n.stat.ephemeral_owner), "ctime": n.stat.ctime }))
            .collect();
        out.json(&json!({ "prefix": a.prefix, "ephemerals": items }))?;
    } else {
        let mut table = Table::new(&["PATH", "OWNER", "CREATED"]);
        for n in &found {
            table.row(vec![
                n.path.clone(),
                hex(n.stat.ephemeral_owner),
                stat::time(n.stat.ctime),
            ]);
        }
        out.table(&table)?;
    }
    Ok(EXIT_OK)
}

/// A session id as ZooKeeper prints it (`0x...`) or in decimal.
fn parse_session(s: &str) -> anyhow::Result<i64> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).map(|v| v as i64).ok(),
        None => s.parse::<i64>().ok(),
    };
    parsed.ok_or_else(|| usage(format!("session id {s:?} is not hex (0x...) or decimal")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids() {
        assert_eq!(parse_session("0x10").unwrap(), 16);
        assert_eq!(parse_session("16").unwrap(), 16);
        assert_eq!(parse_session("0xffffffffffffffff").unwrap(), -1);
        assert!(parse_session("zz").is_err());
    }
}
