//! kazoo-bench: side-by-side figures of kazoo for Rust against the other ZooKeeper clients, on a
//! real server and on a client-bound canned-reply server. `kazoo-bench --help` explains every
//! workload; BENCHMARKS.md has the method and the figures.
#![forbid(unsafe_code)]

mod callgrind;
mod canned;
mod child_proc;
mod cli;
mod clients;
mod drive;
mod fixtures;
mod measure;
mod orchestrate;
mod record;
mod report;
mod setup;
mod spec;
mod usage;
mod wire;

use anyhow::{Context, Result};
use clap::Parser;

/// Counts live heap bytes, so W6/W7 can report what watches and caches retain (RSS also keeps
/// what the allocator holds on to after the load). Costs two relaxed atomic adds per
/// allocation, the same for every Rust client.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Live heap bytes of this process.
pub fn heap_bytes() -> u64 {
    ALLOCATOR.allocated() as u64
}

fn main() -> Result<()> {
    let cli = cli::Cli::parse();
    match cli.command {
        None => orchestrate::run(cli::RunArgs::parse_default()),
        Some(cli::Command::Run(args)) => orchestrate::run(args),
        Some(cli::Command::Canned) => {
            let s = canned::CannedServer::start()?;
            println!("canned server on {}", s.addr());
            loop {
                std::thread::park();
            }
        }
        Some(cli::Command::Table { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let records = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str)
                .collect::<Result<Vec<record::Record>, _>>()
                .with_context(|| format!("parsing {}", file.display()))?;
            print!("{}", report::table(&records));
            Ok(())
        }
        Some(cli::Command::Child { spec }) => {
            let spec: spec::RunSpec = serde_json::from_str(&spec)?;
            let outcome = clients::run_in_process(&spec)?;
            println!("{}", serde_json::to_string(&outcome)?);
            // Some clients keep background threads; the outcome is out, so leave now.
            std::process::exit(0);
        }
    }
}
