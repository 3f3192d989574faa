//! Authentication for test servers: SASL DIGEST-MD5 users through a JAAS file
//! ([`SaslUsers`]), servers that demand SASL, and a super digest for admin operations.

use std::path::PathBuf;

use base64::Engine;
use sha1::{Digest, Sha1};
use tempfile::TempDir;

use crate::ensemble::EnsembleBuilder;
use crate::error::{Result, TestkitError};
use crate::server::ServerBuilder;

/// ZooKeeper's SASL authentication provider.
pub const SASL_PROVIDER: &str = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";

/// A JAAS configuration whose `Server` section lets these users in with DIGEST-MD5
/// (ZooKeeper's `DigestLoginModule`, `user_<name>="<password>"`). The file lives in a
/// temporary directory removed on drop: keep it alive as long as the servers that use it.
///
/// # Example
///
/// ```no_run
/// use kazoo_testkit::{SaslUsers, ZkServer};
/// let users = SaslUsers::new(&[("alice", "secret")])?;
/// let zk = ZkServer::builder().sasl(&users).start()?;
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Debug)]
pub struct SaslUsers {
    dir: TempDir,
}

impl SaslUsers {
    /// Writes the JAAS file for `users` (name, password).
    ///
    /// # Errors
    ///
    /// [`TestkitError::InvalidArgument`] for a name that is not alphanumeric (`_`, `-` and
    /// `.` allowed) or a password with a line break; [`TestkitError::Io`] when the file
    /// cannot be written.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let users = kazoo_testkit::SaslUsers::new(&[("alice", "secret"), ("bob", "hunter2")])?;
    /// assert!(users.jaas_path().is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn new(users: &[(&str, &str)]) -> Result<SaslUsers> {
        let mut text = String::from(
            "Server {\n    org.apache.zookeeper.server.auth.DigestLoginModule required",
        );
        for (name, password) in users {
            let name_ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !name_ok {
                return Err(TestkitError::InvalidArgument(format!(
                    "`{name}` cannot be a JAAS user name"
                )));
            }
            if password.contains(['\n', '\r']) {
                return Err(TestkitError::InvalidArgument(
                    "a SASL password must be a single line".into(),
                ));
            }
            let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
            text.push_str(&format!("\n    user_{name}=\"{quoted}\""));
        }
        text.push_str(";\n};\n");
        let dir = tempfile::Builder::new()
            .prefix("kazoo-jaas-")
            .tempdir()
            .map_err(|e| TestkitError::io("creating a JAAS directory", e))?;
        let path = dir.path().join("jaas.conf");
        std::fs::write(&path, text)
            .map_err(|e| TestkitError::io(format!("writing {}", path.display()), e))?;
        Ok(SaslUsers { dir })
    }

    /// The JAAS file, as `-Djava.security.auth.login.config`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let users = kazoo_testkit::SaslUsers::new(&[("alice", "secret")])?;
    /// println!("{}", users.jaas_path().display());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn jaas_path(&self) -> PathBuf {
        self.dir.path().join("jaas.conf")
    }
}

/// The ACL id of a digest credential: `user:base64(sha1("user:password"))`, as the server
/// stores it (also the form of `superDigest`).
///
/// # Example
///
/// ```
/// assert_eq!(
///     kazoo_testkit::digest_id("super", "test"),
///     "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
/// );
/// ```
pub fn digest_id(user: &str, password: &str) -> String {
    let hash = Sha1::digest(format!("{user}:{password}").as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// The authentication knobs of both builders, written once. `$make` creates the builder in
/// the doc examples.
macro_rules! auth_methods {
    ($builder:ty, $make:literal) => {
        impl $builder {
            #[doc = concat!(
                "Accepts SASL DIGEST-MD5 logins of `users` (the JAAS file in the JVM flags and ",
                "`authProvider.1=SASLAuthenticationProvider`). Clients without SASL still connect ",
                "unless `require_sasl` is set too.\n\n# Example\n\n```no_run\n",
                "let users = kazoo_testkit::SaslUsers::new(&[(\"alice\", \"secret\")])?;\n",
                "let zk = ", $make, ".sasl(&users).start()?;\n",
                "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
            )]
            pub fn sasl(self, users: &SaslUsers) -> Self {
                self.jvm_arg(format!(
                    "-Djava.security.auth.login.config={}",
                    users.jaas_path().display()
                ))
                .config("authProvider.1", SASL_PROVIDER)
            }

            #[doc = concat!(
                "Closes sessions of clients that did not authenticate with SASL: their first ",
                "request fails with `SessionClosedRequireSasl` ",
                "(`zookeeper.sessionRequireClientSASLAuth`).\n\n# Example\n\n```no_run\n",
                "let users = kazoo_testkit::SaslUsers::new(&[(\"alice\", \"secret\")])?;\n",
                "let zk = ", $make, ".sasl(&users).require_sasl().start()?;\n",
                "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
            )]
            pub fn require_sasl(self) -> Self {
                self.jvm_arg("-Dzookeeper.sessionRequireClientSASLAuth=true")
            }

            #[doc = concat!(
                "Makes `super` with this password an administrator that passes every ACL ",
                "check, reconfig included (`zookeeper.DigestAuthenticationProvider.superDigest`); ",
                "clients log in with `add_auth(\"digest\", \"super:<password>\")`.",
                "\n\n# Example\n\n```no_run\n",
                "let zk = ", $make, ".super_digest(\"admin-secret\").start()?;\n",
                "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
            )]
            pub fn super_digest(self, password: &str) -> Self {
                self.jvm_arg(format!(
                    "-Dzookeeper.DigestAuthenticationProvider.superDigest={}",
                    digest_id("super", password)
                ))
            }
        }
    };
}

auth_methods!(ServerBuilder, "kazoo_testkit::ZkServer::builder()");
auth_methods!(EnsembleBuilder, "kazoo_testkit::Ensemble::builder(3)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaas_file_lists_users_with_escaped_passwords() {
        let users = SaslUsers::new(&[("alice", "secret"), ("bob", r#"a"b\c"#)]).unwrap();
        let text = std::fs::read_to_string(users.jaas_path()).unwrap();
        assert!(text.starts_with("Server {"));
        assert!(text.contains("user_alice=\"secret\""));
        assert!(text.contains(r#"user_bob="a\"b\\c""#));
        assert!(text.trim_end().ends_with("};"));
    }

    #[test]
    fn refuses_names_that_break_the_file() {
        assert!(SaslUsers::new(&[("al ice", "x")]).is_err());
        assert!(SaslUsers::new(&[("", "x")]).is_err());
        assert!(SaslUsers::new(&[("a", "x\ny")]).is_err());
    }

    #[test]
    fn digest_ids_match_the_servers() {
        // From ZooKeeper's documentation: super:test.
        assert_eq!(
            digest_id("super", "test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
    }
}
