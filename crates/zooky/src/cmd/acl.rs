//! `acl get PATH` and `acl set PATH ACL... [--version N]`.

use crate::args::{acl_list, show_perms};
use crate::cli::AclSetArgs;
use crate::error::{usage, EXIT_OK};
use crate::output::table::Table;
use crate::output::{stat, Printer};
use kazoo::{Acl, Client};
use serde_json::{json, Value};

fn acl_json(acl: &[Acl]) -> Vec<Value> {
    acl.iter()
        .map(|a| {
            json!({
                "scheme": a.id.scheme,
                "id": a.id.id,
                "perms": show_perms(a.perms),
                "perms_mask": a.perms.0,
            })
        })
        .collect()
}

/// `acl get PATH`.
pub async fn get(c: &Client, out: Printer, path: &str) -> anyhow::Result<u8> {
    let (acl, st) = c.get_acls(path).await?;
    if out.json {
        out.json(&json!({ "path": path, "acl": acl_json(&acl), "aversion": st.aversion }))?;
        return Ok(EXIT_OK);
    }
    let mut t = Table::new(&["SCHEME", "ID", "PERMS"]);
    for a in &acl {
        t.row(vec![
            a.id.scheme.clone(),
            a.id.id.clone(),
            show_perms(a.perms),
        ]);
    }
    out.table(&t)?;
    Ok(EXIT_OK)
}

/// `acl set PATH ACL... [--version N]`.
pub async fn set(c: &Client, out: Printer, a: AclSetArgs) -> anyhow::Result<u8> {
    let mut acl = Vec::new();
    for spec in &a.acl {
        acl.extend(acl_list(spec).map_err(usage)?);
    }
    let st = c.set_acls(&a.path, acl.clone(), a.version).await?;
    if out.json {
        out.json(&json!({ "path": a.path, "acl": acl_json(&acl), "stat": stat::json(&st) }))?;
    }
    Ok(EXIT_OK)
}
