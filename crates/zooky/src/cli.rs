//! The command line as clap derive types: global options and every subcommand, with the help
//! texts an operator reads.

use crate::args;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  zooky --hosts zk1:2181,zk2:2181/app ls -R /
  zooky get /config/mode --stat
  echo -n fast | zooky set /config/mode -
  zooky create /jobs/job- payload --sequential --parents
  zooky watch /config --recursive --count 1
  zooky ensemble status
  zooky locks list /locks
  zooky locks clean /locks --dry-run
  zooky --profile prod --json stat /config | jq .version

Exit status: 0 success, 1 operation failed (missing node, server unreachable...), 2 usage error.";

/// zooky: inspect and operate ZooKeeper from the shell (nodes, watches, ACLs, servers, locks).
#[derive(Debug, Parser)]
#[command(name = "zooky", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalOpts,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Connection and output options, accepted before or after the command name.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Connect string `host[:port][,host[:port]...][/chroot]` (default 127.0.0.1:2181).
    /// Precedence: this flag, then the profile, then ZK_HOSTS.
    #[arg(long, global = true, env = "ZK_HOSTS", value_name = "HOSTS")]
    pub hosts: Option<String>,

    /// Connect and request timeout, e.g. 500ms, 5s (default 10s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = args::positive_duration)]
    pub timeout: Option<Duration>,

    /// Digest credentials user:password, sent after connecting. The value is never printed;
    /// prefer ZOOKY_DIGEST or a profile over the command line, where `ps` shows it.
    #[arg(
        long,
        global = true,
        env = "ZOOKY_DIGEST",
        hide_env_values = true,
        value_name = "USER:PASSWORD"
    )]
    pub digest: Option<String>,

    /// A profile of ~/.config/zooky/profiles.toml (or of the file $ZOOKY_CONFIG names).
    #[arg(long, global = true, env = "ZOOKY_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Connect over TLS, trusting the CA certificates of this PEM file (the server's
    /// `secureClientPort`). Also `tls.ca` in a profile.
    #[arg(long, global = true, value_name = "PEM")]
    pub tls_ca: Option<std::path::PathBuf>,

    /// Client certificate chain (PEM) for mutual TLS; needs --tls-key.
    #[arg(long, global = true, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// Private key (PEM) of --tls-cert. Never printed.
    #[arg(long, global = true, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// Accept a server certificate that does not name the host connected to (the chain is
    /// still checked against the CA).
    #[arg(long, global = true)]
    pub tls_no_verify_hostname: bool,

    /// Print one JSON document per command instead of text (`watch` prints one per event).
    #[arg(long, global = true)]
    pub json: bool,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the children of a node (sorted).
    Ls(LsArgs),
    /// Print a node's data to stdout, byte for byte.
    Get(GetArgs),
    /// Print a node's metadata (zxids, times, versions, owner...).
    Stat(PathArg),
    /// Replace a node's data.
    Set(SetArgs),
    /// Create a node and print its path.
    Create(CreateArgs),
    /// Delete a node (with -R, everything below it too).
    Rm(RmArgs),
    /// Draw the tree below a node.
    Tree(TreeArgs),
    /// Print changes of a node (and with --recursive, of everything below) as they happen.
    Watch(WatchArgs),
    /// Read or replace a node's ACL.
    #[command(subcommand)]
    Acl(AclCommand),
    /// Wait until the connected server has caught up with the leader.
    Sync(SyncArgs),
    /// List ephemeral nodes (of any session) below a path prefix, with their owners.
    Ephemerals(EphemeralsArgs),
    /// Count every node below a path, all levels (getAllChildrenNumber, ZooKeeper 3.6+).
    Count(PathArg),
    /// Ask every server of the host list for `srvr` (version, mode, zxid, connections).
    Srvr,
    /// Send a four-letter word (ruok, srvr, mntr, cons, wchc, ...) to every server of the list.
    #[command(name = "4lw")]
    FourLetter(FourLetterArgs),
    /// Show the identities the server gives this session (ZooKeeper 3.7+).
    Whoami,
    /// Print the ensemble's dynamic configuration (/zookeeper/config).
    Config,
    /// Ensemble-wide views.
    #[command(subcommand)]
    Ensemble(EnsembleCommand),
    /// Inspect and clean lock nodes (kazoo, Curator and zktools layouts).
    #[command(subcommand)]
    Locks(LocksCommand),
}

/// A single znode path.
#[derive(Debug, Args)]
pub struct PathArg {
    /// The znode path (absolute, relative to the chroot).
    #[arg(value_parser = args::znode_path)]
    pub path: String,
}

/// `ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// The node whose children to list.
    #[arg(value_parser = args::znode_path, default_value = "/")]
    pub path: String,
    /// List every node below, as full paths.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Show each node's version, children, data length, owner and modification time.
    #[arg(short = 's', long)]
    pub stat: bool,
}

/// `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The node to read.
    #[arg(value_parser = args::znode_path)]
    pub path: String,
    /// Print the node's metadata after the data.
    #[arg(short = 's', long)]
    pub stat: bool,
}

/// `set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The node to write.
    #[arg(value_parser = args::znode_path)]
    pub path: String,
    /// The new data; `-` reads it from stdin.
    pub value: String,
    /// Only if the node's data version is still this (optimistic concurrency).
    #[arg(long, value_name = "N")]
    pub version: Option<i32>,
}

/// `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The node to create (with --sequential the server appends a 10-digit counter).
    #[arg(value_parser = args::create_path)]
    pub path: String,
    /// Its data (default empty); `-` reads it from stdin.
    pub value: Option<String>,
    /// Ephemeral: removed when zooky's session ends, that is as soon as zooky exits.
    #[arg(short = 'e', long)]
    pub ephemeral: bool,
    /// Append a sequence number to the name.
    #[arg(short = 's', long)]
    pub sequential: bool,
    /// A container node: the server removes it once its last child is gone (3.5.3+).
    #[arg(short = 'c', long, conflicts_with_all = ["ephemeral", "sequential", "ttl"])]
    pub container: bool,
    /// A TTL node, removed after this long without changes and children, e.g. 10m
    /// (3.5.3+, server needs extendedTypesEnabled=true).
    #[arg(long, value_name = "DURATION", value_parser = args::positive_duration,
          conflicts_with = "ephemeral")]
    pub ttl: Option<Duration>,
    /// Create missing parent nodes (persistent, empty).
    #[arg(short = 'p', long)]
    pub parents: bool,
}

/// `rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The node to delete.
    #[arg(value_parser = args::znode_path)]
    pub path: String,
    /// Delete everything below the node too.
    #[arg(short = 'R', long, conflicts_with = "version")]
    pub recursive: bool,
    /// Only if the node's data version is still this.
    #[arg(long, value_name = "N")]
    pub version: Option<i32>,
}

/// `tree`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// The top of the tree.
    #[arg(value_parser = args::znode_path, default_value = "/")]
    pub path: String,
    /// How many levels below the top to show (default: all).
    #[arg(short = 'd', long, value_name = "N")]
    pub depth: Option<usize>,
}

/// `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The node to watch (it need not exist yet).
    #[arg(value_parser = args::znode_path)]
    pub path: String,
    /// Also report creations, deletions and data changes of every node below.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Stop after this many events (default: until Ctrl-C).
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,
}

/// `acl get` and `acl set`.
#[derive(Debug, Subcommand)]
pub enum AclCommand {
    /// Print a node's ACL as scheme, id and permissions (cdrwa).
    Get(PathArg),
    /// Replace a node's ACL.
    Set(AclSetArgs),
}

/// `acl set`.
#[derive(Debug, Args)]
pub struct AclSetArgs {
    /// The node.
    #[arg(value_parser = args::znode_path)]
    pub path: String,
    /// Entries scheme:id:perms, e.g. world:anyone:r digest:bob:HASH:cdrwa ip:10.0.0.1:rw
    /// (several arguments, or one with commas).
    #[arg(required = true, value_name = "ACL")]
    pub acl: Vec<String>,
    /// Only if the node's ACL version (aversion) is still this.
    #[arg(long, value_name = "N")]
    pub version: Option<i32>,
}

/// `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The path to sync.
    #[arg(value_parser = args::znode_path, default_value = "/")]
    pub path: String,
}

/// `ephemerals`.
#[derive(Debug, Args)]
pub struct EphemeralsArgs {
    /// Only nodes whose path starts with this (a string prefix, like getEphemerals').
    #[arg(default_value = "/")]
    pub prefix: String,
    /// Only nodes owned by this session id (hex like 0x1000a2b3c4d0000, or decimal).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
}

/// `4lw`.
#[derive(Debug, Args)]
pub struct FourLetterArgs {
    /// The word: ruok, srvr, stat, mntr, conf, cons, envi, wchs, wchc, dump, isro...
    #[arg(value_parser = args::four_letter_word)]
    pub word: String,
}

/// `ensemble ...`.
#[derive(Debug, Subcommand)]
pub enum EnsembleCommand {
    /// For every server of the host list: mode (leader, follower, standalone, down), zxid,
    /// latency and connections, from `srvr`. Exits 1 when no server is serving.
    Status,
}

/// `locks ...`.
#[derive(Debug, Subcommand)]
pub enum LocksCommand {
    /// One line per lock node under ROOT: Locked or Free, holders and waiters, read/write.
    List(LocksListArgs),
    /// The contenders of one lock in order: holder(s) first, then waiters, with their data,
    /// owner session and age.
    Show(LocksShowArgs),
    /// Remove lock nodes under ROOT that have no contenders (never one with a contender).
    Clean(LocksCleanArgs),
}

/// `locks list`.
#[derive(Debug, Args)]
pub struct LocksListArgs {
    /// The node whose children are locks (default: the profile's lock_root, else /ZktoolsLocks).
    #[arg(value_parser = args::znode_path)]
    pub root: Option<String>,
}

/// `locks show`.
#[derive(Debug, Args)]
pub struct LocksShowArgs {
    /// The lock: an absolute path, or a name under --root.
    pub lock: String,
    /// Where relative lock names live (default: the profile's lock_root, else /ZktoolsLocks).
    #[arg(long, value_parser = args::znode_path, value_name = "ROOT")]
    pub root: Option<String>,
}

/// `locks clean`.
#[derive(Debug, Args)]
pub struct LocksCleanArgs {
    /// The node whose children are locks (default: the profile's lock_root, else /ZktoolsLocks).
    #[arg(value_parser = args::znode_path)]
    pub root: Option<String>,
    /// Only say what would be removed.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn globals_go_anywhere() {
        let cli = Cli::try_parse_from(["zooky", "ls", "/a", "--json", "--hosts", "h:1"]).unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.hosts.as_deref(), Some("h:1"));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for argv in [
            &["zooky", "get", "relative"][..],
            &["zooky", "create", "/a", "--container", "--ephemeral"],
            &["zooky", "rm", "/a", "-R", "--version", "1"],
            &["zooky", "4lw", "RUOK"],
            &["zooky", "--timeout", "0s", "ls"],
        ] {
            let e = Cli::try_parse_from(argv).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{argv:?}");
        }
    }
}
