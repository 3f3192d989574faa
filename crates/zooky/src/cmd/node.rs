//! Node commands: `ls`, `get`, `stat`, `set`, `create`, `rm`, `count`, `sync`.

use crate::cli::{CreateArgs, GetArgs, LsArgs, RmArgs, SetArgs};
use crate::error::{usage, EXIT_OK};
use crate::output::table::Table;
use crate::output::{data, stat, Printer};
use crate::walk;
use kazoo::proto::path::join;
use kazoo::{Client, CreateMode, CreateOptions, Stat};
use serde_json::{json, Value};
use std::io::Read;

/// `ls [-R] [--stat] PATH`.
pub async fn ls(c: &Client, out: Printer, a: LsArgs) -> anyhow::Result<u8> {
    if a.recursive {
        let tree = walk::walk(c, &a.path, None).await?;
        let nodes = tree.depth_first();
        if out.json {
            let items: Vec<Value> = nodes
                .iter()
                .map(|n| {
                    if a.stat {
                        json!({ "path": n.path, "stat": stat::json(&n.stat) })
                    } else {
                        json!(n.path)
                    }
                })
                .collect();
            out.json(&json!({ "path": a.path, "nodes": items }))?;
        } else if a.stat {
            let rows: Vec<(String, Stat)> =
                nodes.iter().map(|n| (n.path.clone(), n.stat)).collect();
            out.table(&stat_table("PATH", &rows))?;
        } else {
            for n in nodes {
                out.line(&n.path)?;
            }
        }
        return Ok(EXIT_OK);
    }
    let mut children = c.get_children(&a.path).await?;
    children.sort();
    if !a.stat {
        if out.json {
            out.json(&json!({ "path": a.path, "children": children }))?;
        } else {
            for name in &children {
                out.line(name)?;
            }
        }
        return Ok(EXIT_OK);
    }
    let calls: Vec<_> = children
        .iter()
        .map(|n| c.exists(&join(&a.path, n)))
        .collect();
    let mut rows = Vec::new();
    for (name, call) in children.into_iter().zip(calls) {
        // None: deleted since the listing.
        if let Some(s) = call.await? {
            rows.push((name, s));
        }
    }
    if out.json {
        let items: Vec<Value> = rows
            .iter()
            .map(|(n, s)| json!({ "name": n, "stat": stat::json(s) }))
            .collect();
        out.json(&json!({ "path": a.path, "children": items }))?;
    } else {
        out.table(&stat_table("NAME", &rows))?;
    }
    Ok(EXIT_OK)
}

fn stat_table(first: &str, rows: &[(String, Stat)]) -> Table {
    let mut t = Table::new(&[
        first,
        ">VERSION",
        ">CHILDREN",
        ">DATA_LENGTH",
        "OWNER",
        "MODIFIED",
    ]);
    for (name, s) in rows {
        t.row(vec![
            name.clone(),
            s.version.to_string(),
            s.num_children.to_string(),
            s.data_length.to_string(),
            stat::owner(s),
            stat::time(s.mtime),
        ]);
    }
    t
}

/// `get [--stat] PATH`: the data byte for byte (a newline is added only on a terminal).
pub async fn get(c: &Client, out: Printer, a: GetArgs) -> anyhow::Result<u8> {
    let (value, st) = c.get(&a.path).await?;
    if out.json {
        let mut m = serde_json::Map::new();
        m.insert("path".into(), json!(a.path));
        m.extend(data::json_fields(&value));
        if a.stat {
            m.insert("stat".into(), stat::json(&st));
        }
        out.json(&Value::Object(m))?;
        return Ok(EXIT_OK);
    }
    out.bytes(&value)?;
    use std::io::IsTerminal;
    let needs_newline = !value.is_empty() && !value.ends_with(b"\n");
    if needs_newline && (a.stat || std::io::stdout().is_terminal()) {
        out.bytes(b"\n")?;
    }
    if a.stat {
        out.bytes(stat::text(&st).as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// `stat PATH`.
pub async fn stat(c: &Client, out: Printer, path: &str) -> anyhow::Result<u8> {
    let st = c.exists(path).await?.ok_or_else(|| kazoo::Error::NoNode {
        path: path.to_owned(),
    })?;
    if out.json {
        out.json(&json!({ "path": path, "stat": stat::json(&st) }))?;
    } else {
        out.bytes(stat::text(&st).as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// The data argument: the text itself, or stdin for `-`.
fn value_bytes(value: &str) -> anyhow::Result<Vec<u8>> {
    if value == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| anyhow::anyhow!("cannot read the value from stdin: {e}"))?;
        Ok(buf)
    } else {
        Ok(value.as_bytes().to_vec())
    }
}

/// `set PATH VALUE|- [--version N]`.
pub async fn set(c: &Client, out: Printer, a: SetArgs) -> anyhow::Result<u8> {
    let value = value_bytes(&a.value)?;
    let st = c.set(&a.path, value, a.version).await?;
    if out.json {
        out.json(&json!({ "path": a.path, "stat": stat::json(&st) }))?;
    }
    Ok(EXIT_OK)
}

/// `create PATH [VALUE] [--ephemeral] [--sequential] [--container] [--ttl D] [--parents]`:
/// prints the created path (with its sequence number).
pub async fn create(c: &Client, out: Printer, a: CreateArgs) -> anyhow::Result<u8> {
    if !a.sequential {
        crate::args::znode_path(&a.path).map_err(|e| {
            usage(format!(
                "{:?}: {e} (a trailing / needs --sequential)",
                a.path
            ))
        })?;
    }
    let value = match &a.value {
        Some(v) => value_bytes(v)?,
        None => Vec::new(),
    };
    let mut opts = CreateOptions::new();
    if a.container {
        opts = opts.mode(CreateMode::Container);
    }
    if a.ephemeral {
        opts = opts.ephemeral();
    }
    if a.sequential {
        opts = opts.sequential();
    }
    if let Some(ttl) = a.ttl {
        opts = opts.ttl(ttl);
    }
    if a.parents {
        opts = opts.makepath();
    }
    let created = c.create(&a.path, value, &opts).await.map_err(|e| match e {
        kazoo::Error::Unimplemented { .. } if a.ttl.is_some() => anyhow::anyhow!(
            "the server refused a TTL node: it needs ZooKeeper 3.5.3+ with extendedTypesEnabled=true"
        ),
        other => other.into(),
    })?;
    if out.json {
        out.json(&json!({ "path": created }))?;
    } else {
        out.line(&created)?;
    }
    Ok(EXIT_OK)
}

/// `rm [-R] [--version N] PATH`.
pub async fn rm(c: &Client, out: Printer, a: RmArgs) -> anyhow::Result<u8> {
    if a.recursive {
        if a.path == "/" {
            return Err(usage(
                "refusing to delete / recursively; delete its children one by one",
            ));
        }
        // delete_recursive treats a missing node as done; `rm` should say it was missing.
        if c.exists(&a.path).await?.is_none() {
            return Err(kazoo::Error::NoNode { path: a.path }.into());
        }
        c.delete_recursive(&a.path).await?;
    } else {
        c.delete(&a.path, a.version).await?;
    }
    if out.json {
        out.json(&json!({ "path": a.path, "deleted": true }))?;
    }
    Ok(EXIT_OK)
}

/// `count PATH`: every node below, all levels.
pub async fn count(c: &Client, out: Printer, path: &str) -> anyhow::Result<u8> {
    let n = c.get_all_children_number(path).await?;
    if out.json {
        out.json(&json!({ "path": path, "count": n }))?;
    } else {
        out.line(&n.to_string())?;
    }
    Ok(EXIT_OK)
}

/// `sync [PATH]`.
pub async fn sync(c: &Client, out: Printer, path: &str) -> anyhow::Result<u8> {
    c.sync(path).await?;
    if out.json {
        out.json(&json!({ "path": path, "synced": true }))?;
    }
    Ok(EXIT_OK)
}
