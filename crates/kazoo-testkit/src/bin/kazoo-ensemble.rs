//! `kazoo-ensemble`: runs a local ZooKeeper ensemble until SIGINT/SIGTERM, for trying things
//! out from a shell or a script.
//!
//! The first line on stdout is `CONNECT=<connect string>`; then `PIDS=` (the JVMs), `LEADER=`
//! (a member index) and `DIRS=` (the members' directories) lines.
//! With `--ready-file PATH` the connect string is also written to PATH once every member
//! serves (and the file is removed on exit).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kazoo_testkit::Ensemble;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

const USAGE: &str = "\
usage: kazoo-ensemble [--size N] [--config KEY=VALUE]... [--jvm-arg ARG]... [--ready-file PATH]

Starts N ZooKeeper servers on free loopback ports (default 3; 1 runs standalone), prints
CONNECT=<connect string> as the first line, and runs until SIGINT or SIGTERM, then stops the
servers and removes their directories.

  --size N             number of members (default 3)
  --config KEY=VALUE   extra zoo.cfg line for every member (repeatable)
  --jvm-arg ARG        extra JVM flag for every member (repeatable)
  --ready-file PATH    write the connect string to PATH once serving
  -h, --help           this text

ZooKeeper is found through ZOOKEEPER_CLASSPATH, ZOOKEEPER_PATH or Debian's package
(apt-get install zookeeper).";

#[derive(Debug)]
struct Options {
    size: usize,
    config: Vec<(String, String)>,
    jvm_args: Vec<String>,
    ready_file: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        size: 3,
        config: Vec::new(),
        jvm_args: Vec::new(),
        ready_file: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--size" => {
                let v = value("--size")?;
                options.size = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--size wants a positive number, not `{v}`"))?;
            }
            "--config" => {
                let v = value("--config")?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--config wants KEY=VALUE, not `{v}`"))?;
                options.config.push((k.to_owned(), val.to_owned()));
            }
            "--jvm-arg" => options.jvm_args.push(value("--jvm-arg")?),
            "--ready-file" => options.ready_file = Some(PathBuf::from(value("--ready-file")?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kazoo-ensemble: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kazoo-ensemble: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    // Registered before the servers start, so an early Ctrl-C still leads to a clean exit.
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    let mut builder = Ensemble::builder(options.size);
    for (k, v) in &options.config {
        builder = builder.config(k, v);
    }
    for arg in &options.jvm_args {
        builder = builder.jvm_arg(arg);
    }
    eprintln!("kazoo-ensemble: starting {} member(s)...", options.size);
    let ensemble = builder.start()?;
    let connect = ensemble.connect_string();
    let pids: Vec<String> = (0..ensemble.size())
        .map(|i| ensemble.member_pid(i).map_or("-".into(), |p| p.to_string()))
        .collect();
    let leader = ensemble.wait_for_leader(Duration::from_secs(30))?;
    // Before stdout, so that whoever reads CONNECT= finds the file too.
    if let Some(path) = &options.ready_file {
        // Written to a temporary name and renamed, so a script never reads half a line.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, format!("{connect}\n"))?;
        std::fs::rename(&tmp, path)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "CONNECT={connect}")?;
    writeln!(out, "PIDS={}", pids.join(","))?;
    writeln!(out, "LEADER={leader}")?;
    let dirs: Vec<String> = (0..ensemble.size())
        .map(|i| ensemble.member_dir(i).display().to_string())
        .collect();
    writeln!(out, "DIRS={}", dirs.join(","))?;
    out.flush()?;
    drop(out);
    eprintln!("kazoo-ensemble: serving on {connect}; Ctrl-C stops it");
    let signal = signals.forever().next();
    eprintln!("kazoo-ensemble: got signal {signal:?}, stopping");
    drop(ensemble);
    if let Some(path) = &options.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn parses_every_option() {
        let o = parse(args(&[
            "--size",
            "5",
            "--config",
            "reconfigEnabled=true",
            "--config=a=b",
            "--jvm-arg",
            "-Dx=y",
            "--ready-file",
            "/tmp/r",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(o.size, 5);
        assert_eq!(
            o.config,
            vec![
                ("reconfigEnabled".into(), "true".into()),
                ("a".into(), "b".into())
            ]
        );
        assert_eq!(o.jvm_args, vec!["-Dx=y".to_owned()]);
        assert_eq!(o.ready_file, Some(PathBuf::from("/tmp/r")));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(args(&["--size", "0"])).is_err());
        assert!(parse(args(&["--size"])).is_err());
        assert!(parse(args(&["--config", "novalue"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert!(parse(args(&["--help"])).unwrap().is_none());
        assert_eq!(parse(args(&[])).unwrap().unwrap().size, 3);
    }
}
