//! The knobs shared by [`ServerBuilder`](crate::ServerBuilder) and
//! [`EnsembleBuilder`](crate::EnsembleBuilder), and how they become `zoo.cfg` and JVM flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default `tickTime` in milliseconds. Lower than ZooKeeper's 2000 so that sessions can be
/// short (the server's default minimum session timeout is two ticks) and tests fast.
pub(crate) const DEFAULT_TICK_MS: u32 = 500;
/// How long a server may take to serve before the start counts as failed. Generous because two
/// JVMs warming up on a loaded 2-core machine can take many seconds.
pub(crate) const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Flags that keep each JVM small and quick to start: an interpreter-plus-C1 JIT, the serial
/// collector, no perf-data file in /tmp. User flags come later on the command line and win.
const DEFAULT_JVM_ARGS: &[&str] = &[
    "-Xms16m",
    "-Xmx256m",
    "-Xss512k",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:-UsePerfData",
    "-Xshare:auto",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
    "-Dzookeeper.jmx.log4j.disable=true",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
];

/// Every server-wide knob a builder collects.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub extra: Vec<(String, String)>,
    pub jvm_args: Vec<String>,
    pub tick_time: u32,
    pub min_session_timeout: Option<u32>,
    pub max_session_timeout: Option<u32>,
    pub start_timeout: Duration,
    pub classpath: Option<String>,
    pub java: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            extra: Vec::new(),
            jvm_args: Vec::new(),
            tick_time: DEFAULT_TICK_MS,
            min_session_timeout: None,
            max_session_timeout: None,
            start_timeout: DEFAULT_START_TIMEOUT,
            classpath: None,
            java: None,
        }
    }
}

/// One member's place in a quorum: `server.<id>=127.0.0.1:<quorum>:<election>`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer {
    pub id: u32,
    pub client_port: u16,
    pub quorum_port: u16,
    pub election_port: u16,
}

impl Settings {
    /// All JVM flags: the kit's defaults, then the user's.
    pub(crate) fn all_jvm_args(&self) -> Vec<String> {
        DEFAULT_JVM_ARGS
            .iter()
            .map(|s| (*s).to_owned())
            .chain(self.jvm_args.iter().cloned())
            .collect()
    }

    /// The `zoo.cfg` text of one server. `peers` is empty for a standalone server.
    pub(crate) fn zoo_cfg(&self, data_dir: &Path, client_port: u16, peers: &[Peer]) -> String {
        let mut keys: Vec<(String, String)> = vec![
            ("tickTime".into(), self.tick_time.to_string()),
            ("initLimit".into(), "20".into()),
            ("syncLimit".into(), "10".into()),
            ("dataDir".into(), data_dir.display().to_string()),
            ("clientPort".into(), client_port.to_string()),
            ("clientPortAddress".into(), "127.0.0.1".into()),
            ("admin.enableServer".into(), "false".into()),
            ("4lw.commands.whitelist".into(), "*".into()),
            ("maxClientCnxns".into(), "0".into()),
            // Test data is disposable; skipping fsync makes every write much cheaper.
            ("forceSync".into(), "no".into()),
        ];
        if let Some(ms) = self.min_session_timeout {
            keys.push(("minSessionTimeout".into(), ms.to_string()));
        }
        if let Some(ms) = self.max_session_timeout {
            keys.push(("maxSessionTimeout".into(), ms.to_string()));
        }
        for peer in peers {
            keys.push((
                format!("server.{}", peer.id),
                format!("127.0.0.1:{}:{}", peer.quorum_port, peer.election_port),
            ));
        }
        for (k, v) in &self.extra {
            match keys.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1.clone_from(v),
                None => keys.push((k.clone(), v.clone())),
            }
        }
        let mut text = String::from("# written by kazoo-testkit\n");
        for (k, v) in keys {
            text.push_str(&k);
            text.push('=');
            text.push_str(&v);
            text.push('\n');
        }
        text
    }
}

/// Checks that a `zoo.cfg` key/value pair cannot break the file's line format.
pub(crate) fn valid_config_entry(key: &str, value: &str) -> Result<(), String> {
    if key.is_empty() || key.contains(['=', '\n', '\r', ' ', '#']) {
        return Err(format!("`{key}` is not a valid zoo.cfg key"));
    }
    if value.contains(['\n', '\r']) {
        return Err(format!("the value of `{key}` must be a single line"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_override_defaults_and_append() {
        let mut s = Settings::default();
        s.extra.push(("tickTime".into(), "100".into()));
        s.extra.push(("extendedTypesEnabled".into(), "true".into()));
        let cfg = s.zoo_cfg(Path::new("/d"), 2181, &[]);
        assert!(cfg.contains("tickTime=100\n"));
        assert!(!cfg.contains("tickTime=500"));
        assert!(cfg.ends_with("extendedTypesEnabled=true\n"));
        assert!(!cfg.contains("server."));
    }

    #[test]
    fn peers_become_server_lines() {
        let s = Settings::default();
        let peers = [Peer {
            id: 1,
            client_port: 1,
            quorum_port: 2,
            election_port: 3,
        }];
        assert!(s
            .zoo_cfg(Path::new("/d"), 1, &peers)
            .contains("server.1=127.0.0.1:2:3\n"));
    }

    #[test]
    fn rejects_entries_that_break_lines() {
        assert!(valid_config_entry("a", "b").is_ok());
        assert!(valid_config_entry("a\nb", "c").is_err());
        assert!(valid_config_entry("a", "b\nc=d").is_err());
        assert!(valid_config_entry("", "x").is_err());
    }
}
