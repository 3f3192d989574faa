//! The effective connection settings of one run: command-line flags first, then the chosen
//! profile, then environment variables, then built-in defaults.

use crate::args::{self, Credential};
use crate::cli::GlobalOpts;
use crate::error::usage;
use crate::profile::{self, Profile};
use clap::parser::ValueSource;
use clap::ArgMatches;
use std::time::Duration;

/// Connect string used when nothing else names one.
pub const DEFAULT_HOSTS: &str = "127.0.0.1:2181";
/// Connect and request timeout used when nothing else names one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Session timeout asked of the server by default.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(10);
/// Lock root of the `locks` commands by default: zktools' `lock_root`.
pub const DEFAULT_LOCK_ROOT: &str = "/ZktoolsLocks";

/// Everything needed to connect and to pick defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Connect string, already checked by the client's parser.
    pub hosts: String,
    /// Connect and request timeout (also the four-letter-word timeout).
    pub timeout: Duration,
    /// Session timeout asked of the server.
    pub session_timeout: Duration,
    /// Credentials sent after connecting.
    pub auth: Vec<Credential>,
    /// Default root of the `locks` commands.
    pub lock_root: String,
    /// TLS settings, when the run connects over TLS.
    pub tls: Option<kazoo::tls::TlsConfig>,
}

/// Where a global option's value came from, for precedence.
fn from_command_line(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
}

/// Works the settings out. `matches` tells a flag given on the command line from one read
/// from the environment: a `--profile` beats `ZK_HOSTS`, but not `--hosts`.
pub fn resolve(opts: &GlobalOpts, matches: &ArgMatches) -> anyhow::Result<Settings> {
    let profile = chosen_profile(opts)?.unwrap_or_default();

    let hosts = match (&opts.hosts, from_command_line(matches, "hosts")) {
        (Some(h), true) => h.clone(),
        (env, _) => profile
            .hosts
            .clone()
            .or_else(|| env.clone())
            .unwrap_or_else(|| DEFAULT_HOSTS.to_owned()),
    };
    kazoo::HostList::parse(&hosts)
        .map_err(|e| usage(format!("bad host string {hosts:?}: {}", strip_config(&e))))?;

    let timeout = match (opts.timeout, &profile.timeout) {
        (Some(t), _) => t,
        (None, Some(t)) => t.get("timeout")?,
        (None, None) => DEFAULT_TIMEOUT,
    };
    let session_timeout = match &profile.session_timeout {
        Some(t) => t.get("session_timeout")?,
        None => DEFAULT_SESSION_TIMEOUT,
    };

    let mut auth = Vec::new();
    let digest = match (&opts.digest, from_command_line(matches, "digest")) {
        (Some(d), true) => Some(d.clone()),
        (env, _) => profile.digest.as_ref().map(|s| s.0.clone()).or(env.clone()),
    };
    if let Some(d) = digest {
        auth.push(Credential::digest(&d).map_err(usage)?);
    }
    for entry in &profile.auth {
        auth.push(Credential::new(&entry.scheme, &entry.credential.0).map_err(usage)?);
    }

    let lock_root = match profile.lock_root {
        Some(root) => {
            args::znode_path(&root).map_err(|e| usage(format!("profile key lock_root: {e}")))?
        }
        None => DEFAULT_LOCK_ROOT.to_owned(),
    };

    let tls = tls_config(opts, profile.tls.unwrap_or_default())?;

    Ok(Settings {
        hosts,
        timeout,
        session_timeout,
        auth,
        lock_root,
        tls,
    })
}

/// TLS from the flags, falling back on the profile's `tls` table field by field; `None` when
/// neither names a CA or a client certificate.
fn tls_config(
    opts: &GlobalOpts,
    profile: profile::TlsProfile,
) -> anyhow::Result<Option<kazoo::tls::TlsConfig>> {
    let ca = opts.tls_ca.clone().or(profile.ca);
    let cert = opts.tls_cert.clone().or(profile.cert);
    let key = opts.tls_key.clone().or(profile.key);
    if ca.is_none() && cert.is_none() && key.is_none() {
        return Ok(None);
    }
    let mut tls = kazoo::tls::TlsConfig::new();
    if let Some(ca) = ca {
        tls = tls.ca_file(ca);
    }
    match (cert, key) {
        (Some(cert), Some(key)) => tls = tls.client_cert_files(cert, key),
        (None, None) => {}
        _ => return Err(usage("TLS needs both a client certificate and its key")),
    }
    let verify_hostname = !opts.tls_no_verify_hostname && profile.verify_hostname.unwrap_or(true);
    tls = tls.verify_hostname(verify_hostname);
    if let Some(name) = profile.server_name {
        tls = tls.server_name(name);
    }
    // Read the files now so a wrong path is a usage error, not a connect timeout.
    tls.connector()
        .map_err(|e| usage(format!("TLS settings: {e}")))?;
    Ok(Some(tls))
}

/// The client's `Config` errors already say "configuration error: ..."; the prefix adds nothing
/// after "bad host string".
fn strip_config(e: &kazoo::Error) -> String {
    match e {
        kazoo::Error::Config(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// The profile `--profile` (or the file's `default_profile`) names, if any.
fn chosen_profile(opts: &GlobalOpts) -> anyhow::Result<Option<Profile>> {
    let location = profile::default_location();
    let file = match &location {
        Some(path) => profile::load(path)?,
        None => None,
    };
    let Some(name) = opts
        .profile
        .clone()
        .or_else(|| file.as_ref().and_then(|f| f.default_profile.clone()))
    else {
        return Ok(None);
    };
    let (Some(path), Some(file)) = (location, file) else {
        return Err(usage(format!(
            "profile {name:?} asked for, but there is no profiles file (looked for {}; set ZOOKY_CONFIG to use another)",
            profile::default_location()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/zooky/profiles.toml".into())
        )));
    };
    profile::warn_if_readable_by_others(&path, &file);
    match file.profiles.get(&name) {
        Some(p) => Ok(Some(p.clone())),
        None => {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            Err(usage(format!(
                "no profile {name:?} in {} (known: {})",
                path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )))
        }
    }
}
