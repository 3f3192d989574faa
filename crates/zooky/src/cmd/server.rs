//! Server commands, sent to every host of the list without a session: `srvr`, `4lw WORD`,
//! `ensemble status`.

use crate::error::{usage, EXIT_FAILED, EXIT_OK};
use crate::fourlw::{self, Answer};
use crate::output::table::Table;
use crate::output::Printer;
use crate::settings::Settings;
use kazoo::HostList;
use serde_json::{json, Value};

fn hosts(s: &Settings) -> anyhow::Result<HostList> {
    HostList::parse(&s.hosts).map_err(|e| usage(format!("bad host string {:?}: {e}", s.hosts)))
}

/// `4lw WORD` (and `srvr`): each host's answer under a `== host ==` header; exits 1 when a
/// host did not answer.
pub async fn four_letter(s: &Settings, out: Printer, word: &str) -> anyhow::Result<u8> {
    let list = hosts(s)?;
    let answers = fourlw::ask_all(&list.hosts, word, s.timeout).await;
    let failed = answers.iter().any(|a| a.result.is_err());
    if out.json {
        let items: Vec<Value> = answers.iter().map(answer_json).collect();
        out.json(&json!({ "command": word, "servers": items }))?;
    } else {
        for a in &answers {
            out.line(&format!("== {} ==", a.host))?;
            match &a.result {
                Ok(text) if text.is_empty() => out.line(&format!(
                    "(no answer: is {word} in the server's 4lw.commands.whitelist?)"
                ))?,
                Ok(text) => {
                    out.bytes(text.as_bytes())?;
                    if !text.ends_with('\n') {
                        out.bytes(b"\n")?;
                    }
                }
                Err(e) => out.line(&format!("error: {e}"))?,
            }
        }
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}

fn answer_json(a: &Answer) -> Value {
    match &a.result {
        Ok(text) => json!({ "host": a.host, "ok": true, "output": text }),
        Err(e) => json!({ "host": a.host, "ok": false, "error": e }),
    }
}

/// `ensemble status`: mode, zxid, latency and connections of every host; exits 1 when no
/// host serves (all down, or none with a quorum).
pub async fn ensemble_status(s: &Settings, out: Printer) -> anyhow::Result<u8> {
    let list = hosts(s)?;
    let answers = fourlw::ask_all(&list.hosts, "srvr", s.timeout).await;
    let mut rows = Vec::new();
    for a in &answers {
        let (mode, info, note) = match &a.result {
            Err(e) => ("down".to_owned(), None, Some(e.clone())),
            Ok(text) if text.is_empty() => (
                "unknown".to_owned(),
                None,
                Some("empty answer: srvr not in 4lw.commands.whitelist?".to_owned()),
            ),
            Ok(text) => {
                let p = fourlw::parse_srvr(text);
                if p.not_serving {
                    (
                        "not serving".to_owned(),
                        Some(p),
                        Some("no quorum".to_owned()),
                    )
                } else {
                    (
                        p.mode.clone().unwrap_or_else(|| "unknown".into()),
                        Some(p),
                        None,
                    )
                }
            }
        };
        rows.push((a.host.clone(), mode, info, note));
    }
    let serving = rows.iter().any(|(_, mode, _, _)| {
        matches!(
            mode.as_str(),
            "leader" | "follower" | "observer" | "standalone" | "read-only"
        )
    });
    if out.json {
        let items: Vec<Value> = rows
            .iter()
            .map(|(host, mode, p, note)| {
                let p = p.clone().unwrap_or_default();
                json!({
                    "host": host,
                    "mode": mode,
                    "zxid": p.zxid,
                    "latency_min_avg_max": p.latency,
                    "connections": p.connections,
                    "outstanding": p.outstanding,
                    "node_count": p.node_count,
                    "version": p.version,
                    "error": note,
                })
            })
            .collect();
        out.json(&json!({ "servers": items, "serving": serving }))?;
    } else {
        let mut t = Table::new(&[
            "HOST",
            "MODE",
            "ZXID",
            "LATENCY(min/avg/max)",
            ">CONNECTIONS",
            ">NODES",
            "VERSION",
            "NOTE",
        ]);
        let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        for (host, mode, p, note) in &rows {
            let p = p.clone().unwrap_or_default();
            t.row(vec![
                host.clone(),
                mode.clone(),
                dash(p.zxid),
                dash(p.latency),
                dash(p.connections.map(|c| c.to_string())),
                dash(p.node_count.map(|c| c.to_string())),
                dash(p.version),
                note.clone().unwrap_or_default(),
            ]);
        }
        out.table(&t)?;
    }
    Ok(if serving { EXIT_OK } else { EXIT_FAILED })
}
