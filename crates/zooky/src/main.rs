//! zooky: a command-line tool for ZooKeeper operators, built on kazoo for Rust.
//!
//! Node commands (`ls`, `get`, `stat`, `set`, `create`, `rm`, `tree`, `watch`, `acl`, `sync`,
//! `ephemerals`, `count`), server commands sent to every host of the list (`srvr`, `4lw`,
//! `ensemble status`), session information (`whoami`, `config`), and zktools' lock commands
//! (`locks list`, `locks show`, `locks clean`) extended to kazoo's and Curator's layouts.
//!
//! Exit status: 0 success, 1 the operation failed, 2 the command line or configuration is
//! unusable. `--json` prints one JSON document per command. Run `zooky --help` for the rest.
#![forbid(unsafe_code)]

mod args;
mod cli;
mod cmd;
mod error;
mod fourlw;
mod locks;
mod output;
mod profile;
mod session;
mod settings;
mod walk;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap prints help and usage errors itself and exits 0 or 2.
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let result = settings::resolve(&cli.global, &matches).and_then(|settings| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(cmd::run(cli, settings))
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if error::is_broken_pipe(&e) => ExitCode::from(error::EXIT_OK),
        Err(e) => {
            output::note(&format!("zooky: error: {}", error::one_line(&e)));
            ExitCode::from(error::exit_code(&e))
        }
    }
}
