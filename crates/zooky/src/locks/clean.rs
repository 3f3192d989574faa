//! `zooky locks clean [ROOT] [--dry-run]`: removes lock nodes nobody contends for.
//!
//! Only children of ROOT with no children at all are removed, and only those whose data is
//! empty (kazoo, Curator) or zktools' `lock` marker: a node holding other data is not a lock
//! node this tool knows, so it stays. The delete names the version just read, and ZooKeeper
//! refuses to delete a node that has children: a lock that gained a contender after the check
//! fails with NotEmpty and is kept, one whose data changed fails with BadVersion and is kept.

use super::short_name;
use crate::error::EXIT_OK;
use crate::output::table::Table;
use crate::output::Printer;
use kazoo::Client;
use serde_json::json;

/// What happened to one lock node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Removed,
    WouldRemove,
    Kept(String),
}

/// Cleans `root`.
pub async fn run(client: &Client, out: Printer, root: &str, dry_run: bool) -> anyhow::Result<u8> {
    let mut names = client.get_children(root).await?;
    names.sort();
    if root == "/" {
        names.retain(|n| n != "zookeeper");
    }
    let paths: Vec<String> = names
        .iter()
        .map(|n| kazoo::proto::path::join(root, n))
        .collect();
    // Data, stat and children in two pipelined rounds for every candidate.
    let gets: Vec<_> = paths.iter().map(|p| client.get(p)).collect();
    let lists: Vec<_> = paths.iter().map(|p| client.get_children(p)).collect();
    let mut results = Vec::new();
    for ((path, get), list) in paths.iter().zip(gets).zip(lists) {
        let (got, listed) = (get.await, list.await);
        let action = match (got, listed) {
            (Err(kazoo::Error::NoNode { .. }), _) | (_, Err(kazoo::Error::NoNode { .. })) => {
                continue
            }
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
            (Ok((data, stat)), Ok(children)) => {
                if !children.is_empty() {
                    Action::Kept(format!("{} contender(s) or children", children.len()))
                } else if stat.ephemeral_owner != 0 {
                    Action::Kept("ephemeral node, not a lock".into())
                } else if !(data.is_empty() || &data[..] == b"lock") {
                    Action::Kept("has data, not a lock node".into())
                } else if dry_run {
                    Action::WouldRemove
                } else {
                    match client.delete(path, Some(stat.version)).await {
                        Ok(()) => Action::Removed,
                        Err(kazoo::Error::NotEmpty { .. }) => {
                            Action::Kept("gained a contender meanwhile".into())
                        }
                        Err(kazoo::Error::BadVersion { .. }) => {
                            Action::Kept("changed meanwhile".into())
                        }
                        Err(kazoo::Error::NoNode { .. }) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        };
        results.push((path.clone(), action));
    }
    let removed = results
        .iter()
        .filter(|(_, a)| matches!(a, Action::Removed | Action::WouldRemove))
        .count();
    if out.json {
        let items: Vec<_> = results
            .iter()
            .map(|(path, a)| {
                let (action, reason) = describe(a);
                json!({ "name": short_name(path), "path": path, "action": action, "reason": reason })
            })
            .collect();
        out.json(&json!({
            "root": root,
            "dry_run": dry_run,
            "removed": removed,
            "locks": items,
        }))?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&["LOCK", "ACTION", "REASON"]);
    for (path, a) in &results {
        let (action, reason) = describe(a);
        t.row(vec![
            short_name(path).to_owned(),
            action.replace('_', " "),
            reason.unwrap_or_default(),
        ]);
    }
    out.table(&t)?;
    out.line(&format!(
        "{removed} empty lock(s) {} under {root}",
        if dry_run {
            "would be removed"
        } else {
            "removed"
        }
    ))?;
    Ok(EXIT_OK)
}

fn describe(a: &Action) -> (&'static str, Option<String>) {
    match a {
        Action::Removed => ("removed", None),
        Action::WouldRemove => ("would_remove", None),
        Action::Kept(why) => ("kept", Some(why.clone())),
    }
}
