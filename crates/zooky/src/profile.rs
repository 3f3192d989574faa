//! Connection profiles: `~/.config/zooky/profiles.toml` (or `$ZOOKY_CONFIG`), one table per
//! profile under `[profiles.NAME]`, and an optional `default_profile` used without `--profile`.
//!
//! ```toml
//! default_profile = "local"
//!
//! [profiles.local]
//! hosts = "127.0.0.1:2181"
//!
//! [profiles.prod]
//! hosts = "zk1:2181,zk2:2181,zk3:2181/app"
//! timeout = "5s"            # connect and request timeout ("500ms", "5s" or seconds)
//! session_timeout = "10s"
//! digest = "ops:secret"     # digest credentials, never printed
//! auth = [{ scheme = "digest", credential = "other:secret" }]
//! lock_root = "/locks"      # default ROOT of the `locks` commands
//! ```
//!
//! Unknown keys are errors, so that a typo does not silently connect somewhere else. New
//! settings (TLS comes next) are new optional fields of [`Profile`]: older files stay valid.

use crate::args;
use crate::error::usage;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole profiles file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// The profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile: every field optional; command-line flags win over it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Profile {
    /// Connect string, chroot allowed.
    pub hosts: Option<String>,
    /// Connect and request timeout.
    pub timeout: Option<DurationValue>,
    /// Session timeout asked of the server.
    pub session_timeout: Option<DurationValue>,
    /// Digest credentials `user:password`.
    pub digest: Option<Secret>,
    /// Further credentials, any scheme.
    #[serde(default)]
    pub auth: Vec<AuthEntry>,
    /// Default root of the `locks` commands.
    pub lock_root: Option<String>,
    /// TLS to the servers' `secureClientPort`.
    pub tls: Option<TlsProfile>,
}

/// The `tls` table of a profile: file paths of PEM material and the checks to make.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsProfile {
    /// CA certificates to trust (PEM).
    pub ca: Option<std::path::PathBuf>,
    /// Client certificate chain for mutual TLS (PEM).
    pub cert: Option<std::path::PathBuf>,
    /// Its private key (PEM).
    pub key: Option<std::path::PathBuf>,
    /// Check that the certificate names the host (default true).
    pub verify_hostname: Option<bool>,
    /// Server name to check and send as SNI instead of the connect string's host.
    pub server_name: Option<String>,
}

/// A credential of a profile's `auth` list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthEntry {
    /// The scheme (`digest`, ...).
    pub scheme: String,
    /// The credential, never printed.
    pub credential: Secret,
}

/// A string that `Debug` never shows.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A duration written as a string (`"5s"`) or a number of seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    /// Seconds.
    Seconds(f64),
    /// Text read by [`args::duration`].
    Text(String),
}

impl DurationValue {
    /// The duration, or why it is not one (`what` names the key).
    pub fn get(&self, what: &str) -> anyhow::Result<Duration> {
        let text = match self {
            DurationValue::Seconds(s) => s.to_string(),
            DurationValue::Text(t) => t.clone(),
        };
        args::positive_duration(&text).map_err(|e| usage(format!("profile key {what}: {e}")))
    }
}

/// Where the profiles file is: `$ZOOKY_CONFIG`, else `$XDG_CONFIG_HOME/zooky/profiles.toml`,
/// else `~/.config/zooky/profiles.toml`.
pub fn default_location() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZOOKY_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME").filter(|p| !p.is_empty())?).join(".config"),
    };
    Some(base.join("zooky").join("profiles.toml"))
}

/// Reads the profiles file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> anyhow::Result<Option<ProfileFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(usage(format!("cannot read {}: {e}", path.display()))),
    };
    parse(&text)
        .map(Some)
        .map_err(|msg| usage(format!("{}: {msg}", path.display())))
}

/// Parses the file's text. Errors name the line but never quote it: it may hold a password.
pub fn parse(text: &str) -> Result<ProfileFile, String> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .and_then(|s| text.get(..s.start))
            .map(|before| before.matches('\n').count() + 1);
        let msg = e.message().trim().to_owned();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })
}

/// Warns (on stderr) when a file holding credentials can be read by other users.
#[cfg(unix)]
pub fn warn_if_readable_by_others(path: &Path, file: &ProfileFile) {
    use std::os::unix::fs::PermissionsExt;
    let has_secrets = file
        .profiles
        .values()
        .any(|p| p.digest.is_some() || !p.auth.is_empty());
    if let Ok(meta) = std::fs::metadata(path) {
        if has_secrets && meta.permissions().mode() & 0o077 != 0 {
            crate::output::note(&format!(
                "zooky: warning: {} holds credentials and is readable by other users (chmod 600 it)",
                path.display()
            ));
        }
    }
}

/// Nothing to check where file modes do not exist.
#[cfg(not(unix))]
pub fn warn_if_readable_by_others(_path: &Path, _file: &ProfileFile) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let f = parse(
            r#"
default_profile = "prod"
[profiles.prod]
hosts = "zk1,zk2/app"
timeout = "5s"
session_timeout = 12
digest = "ops:pw"
auth = [{ scheme = "digest", credential = "x:y" }]
lock_root = "/locks"
[profiles.local]
"#,
        )
        .unwrap();
        assert_eq!(f.default_profile.as_deref(), Some("prod"));
        let p = &f.profiles["prod"];
        assert_eq!(p.hosts.as_deref(), Some("zk1,zk2/app"));
        assert_eq!(
            p.timeout.as_ref().unwrap().get("timeout").unwrap(),
            Duration::from_secs(5)
        );
        assert_eq!(
            p.session_timeout.as_ref().unwrap().get("t").unwrap(),
            Duration::from_secs(12)
        );
        assert!(!format!("{p:?}").contains("pw"));
        assert!(f.profiles["local"].hosts.is_none());
    }

    #[test]
    fn errors_name_the_line_without_quoting_it() {
        let e = parse("[profiles.a]\ndigest = \"ops:s3cret\nhosts = 1\n").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        let e = parse("[profiles.a]\nhostz = \"x\"\n").unwrap_err();
        assert!(e.contains("hostz"), "{e}");
    }
}
