//! Runs the parsed command: server commands talk to each host directly, everything else opens
//! one session, does its work and closes the session again.

mod acl;
mod info;
mod node;
mod server;
mod tree;
mod watch;

use crate::cli::{AclCommand, Cli, Command, EnsembleCommand, LocksCommand};
use crate::error::usage;
use crate::locks;
use crate::output::Printer;
use crate::session;
use crate::settings::Settings;
use kazoo::Client;

/// Runs `cli` with `settings`; returns the exit status.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<u8> {
    let out = Printer {
        json: cli.global.json,
    };
    match cli.command {
        Command::Srvr => server::four_letter(&settings, out, "srvr").await,
        Command::FourLetter(a) => server::four_letter(&settings, out, &a.word).await,
        Command::Ensemble(EnsembleCommand::Status) => server::ensemble_status(&settings, out).await,
        command => {
            let client = session::connect(&settings).await?;
            let result = with_session(&client, &settings, out, command).await;
            client.close().await;
            result
        }
    }
}

async fn with_session(
    c: &Client,
    settings: &Settings,
    out: Printer,
    command: Command,
) -> anyhow::Result<u8> {
    match command {
        Command::Ls(a) => node::ls(c, out, a).await,
        Command::Get(a) => node::get(c, out, a).await,
        Command::Stat(a) => node::stat(c, out, &a.path).await,
        Command::Set(a) => node::set(c, out, a).await,
        Command::Create(a) => node::create(c, out, a).await,
        Command::Rm(a) => node::rm(c, out, a).await,
        Command::Count(a) => node::count(c, out, &a.path).await,
        Command::Sync(a) => node::sync(c, out, &a.path).await,
        Command::Tree(a) => tree::tree(c, out, a).await,
        Command::Ephemerals(a) => tree::ephemerals(c, out, a).await,
        Command::Watch(a) => watch::watch(c, out, a).await,
        Command::Acl(AclCommand::Get(a)) => acl::get(c, out, &a.path).await,
        Command::Acl(AclCommand::Set(a)) => acl::set(c, out, a).await,
        Command::Whoami => info::whoami(c, out).await,
        Command::Config => info::config(c, out).await,
        Command::Locks(LocksCommand::List(a)) => {
            let defaulted = a.root.is_none();
            let root = a.root.unwrap_or_else(|| settings.lock_root.clone());
            hint_root(locks::list::run(c, out, &root).await, &root, defaulted)
        }
        Command::Locks(LocksCommand::Show(a)) => {
            let root = a.root.unwrap_or_else(|| settings.lock_root.clone());
            let path = lock_path(&root, &a.lock)?;
            locks::show::run(c, out, &path).await
        }
        Command::Locks(LocksCommand::Clean(a)) => {
            let defaulted = a.root.is_none();
            let root = a.root.unwrap_or_else(|| settings.lock_root.clone());
            hint_root(
                locks::clean::run(c, out, &root, a.dry_run).await,
                &root,
                defaulted,
            )
        }
        Command::Srvr | Command::FourLetter(_) | Command::Ensemble(_) => {
            unreachable_server_command()
        }
    }
}

/// Server commands are dispatched before a session is opened; reaching here is a bug, reported
/// as an error rather than a panic.
fn unreachable_server_command() -> anyhow::Result<u8> {
    Err(anyhow::anyhow!(
        "internal error: server command dispatched to a session"
    ))
}

/// A missing default lock root says how to name another.
fn hint_root(r: anyhow::Result<u8>, root: &str, defaulted: bool) -> anyhow::Result<u8> {
    r.map_err(|e| {
        let missing_root = matches!(
            e.downcast_ref::<kazoo::Error>(),
            Some(kazoo::Error::NoNode { path }) if path == root
        );
        if missing_root && defaulted {
            e.context(format!(
                "no lock root {root} (the default); name one, e.g. `zooky locks list /locks`, or set lock_root in a profile"
            ))
        } else {
            e
        }
    })
}

/// `locks show` takes an absolute path, or a name under the lock root.
fn lock_path(root: &str, lock: &str) -> anyhow::Result<String> {
    let path = if lock.starts_with('/') {
        lock.to_owned()
    } else {
        kazoo::proto::path::join(root, lock)
    };
    crate::args::znode_path(&path).map_err(|e| usage(format!("lock {lock:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_resolve_under_the_root() {
        assert_eq!(lock_path("/locks", "fred").unwrap(), "/locks/fred");
        assert_eq!(lock_path("/locks", "/other/x").unwrap(), "/other/x");
        assert_eq!(lock_path("/", "fred").unwrap(), "/fred");
        assert!(lock_path("/locks", "a//b").is_err());
        assert!(lock_path("/locks", "").is_err());
    }
}
