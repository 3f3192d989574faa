//! TLS test servers: a throwaway CA with server and client certificates ([`TestCa`], made
//! with rcgen as PEM files, which ZooKeeper 3.6+ loads with `ssl.*.type=PEM`), the builder
//! knob that serves TLS on a `secureClientPort` through the Netty connection factory, and a
//! four-letter word over TLS.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tempfile::TempDir;

use crate::classpath::find_classpath;
use crate::error::{Result, TestkitError};
use crate::ports::free_ports;
use crate::server::{ServerBuilder, ZkServer};

/// The connection factory that can serve TLS.
pub const NETTY_FACTORY: &str = "org.apache.zookeeper.server.NettyServerCnxnFactory";
/// The provider that turns a client certificate into the ACL id `x509:<subject DN>`.
pub const X509_PROVIDER: &str = "org.apache.zookeeper.server.auth.X509AuthenticationProvider";
/// Netty's codec jar: Netty's TLS handler needs it, and Debian's `zookeeper.jar` manifest
/// leaves it out of its `Class-Path`.
const DEBIAN_NETTY_CODEC: &str = "/usr/share/java/netty-codec.jar";

/// Whether a TLS server asks clients for a certificate (`ssl.clientAuth`).
///
/// # Example
///
/// ```
/// assert_eq!(kazoo_testkit::ClientAuth::Need.as_config(), "need");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificate asked for.
    None,
    /// Asked for, optional.
    Want,
    /// Required: a client without one is refused.
    Need,
}

impl ClientAuth {
    /// The `ssl.clientAuth` value.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(kazoo_testkit::ClientAuth::None.as_config(), "none");
    /// ```
    pub fn as_config(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::Want => "want",
            ClientAuth::Need => "need",
        }
    }
}

/// A throwaway certificate authority with a server certificate (for `localhost`,
/// `127.0.0.1` and `::1`) and a client certificate (`CN=kazoo-test-client`), all written as
/// PEM files into a temporary directory that is removed on drop. Keep it alive as long as the
/// servers that use it.
///
/// # Example
///
/// ```no_run
/// use kazoo_testkit::{ClientAuth, TestCa, ZkServer};
/// let ca = TestCa::generate()?;
/// let zk = ZkServer::builder().tls(&ca, ClientAuth::None).start()?;
/// let secure = zk.secure_addr().expect("a TLS port");
/// // connect a TLS client to `secure`, trusting `ca.ca_cert_path()`
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
#[derive(Debug)]
pub struct TestCa {
    dir: TempDir,
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
}

const CA_FILE: &str = "ca.pem";
const SERVER_FILE: &str = "server.pem";
const CLIENT_CERT_FILE: &str = "client.pem";
const CLIENT_KEY_FILE: &str = "client.key";

impl TestCa {
    /// Generates the CA and both certificates (ECDSA P-256, with rcgen's default validity, 1975 to 4096).
    ///
    /// # Errors
    ///
    /// [`TestkitError::Io`] when the files cannot be written; [`TestkitError::InvalidArgument`]
    /// if certificate generation fails (it should not).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.ca_cert_path().is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn generate() -> Result<TestCa> {
        let gen = |e: rcgen::Error| TestkitError::InvalidArgument(format!("rcgen: {e}"));
        let ca_key = KeyPair::generate().map_err(gen)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(gen)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "kazoo-testkit throwaway CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(gen)?;

        let leaf = |cn: &str, purpose: ExtendedKeyUsagePurpose| -> Result<(String, String)> {
            let key = KeyPair::generate().map_err(gen)?;
            let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(gen)?;
            params.subject_alt_names.extend([
                SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ]);
            params.distinguished_name.push(DnType::CommonName, cn);
            params.extended_key_usages = vec![purpose];
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            let cert = params.signed_by(&key, &ca_cert, &ca_key).map_err(gen)?;
            Ok((cert.pem(), key.serialize_pem()))
        };
        let (server_cert, server_key) = leaf("localhost", ExtendedKeyUsagePurpose::ServerAuth)?;
        let (client_cert, client_key) =
            leaf("kazoo-test-client", ExtendedKeyUsagePurpose::ClientAuth)?;

        let dir = tempfile::Builder::new()
            .prefix("kazoo-tls-")
            .tempdir()
            .map_err(|e| TestkitError::io("creating a TLS directory", e))?;
        let ca_pem = ca_cert.pem();
        write(&dir.path().join(CA_FILE), &ca_pem)?;
        // ZooKeeper's PEM key store holds the key and the chain in one file.
        write(
            &dir.path().join(SERVER_FILE),
            &format!("{server_key}{server_cert}{ca_pem}"),
        )?;
        write(&dir.path().join(CLIENT_CERT_FILE), &client_cert)?;
        write(&dir.path().join(CLIENT_KEY_FILE), &client_key)?;
        Ok(TestCa {
            dir,
            ca_pem,
            client_cert_pem: client_cert,
            client_key_pem: client_key,
        })
    }

    /// The CA certificate (PEM file) clients must trust.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// let pem = std::fs::read(ca.ca_cert_path()).unwrap();
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn ca_cert_path(&self) -> PathBuf {
        self.dir.path().join(CA_FILE)
    }

    /// The CA certificate as PEM text.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.ca_cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The client certificate (PEM file), signed by the CA, for mutual TLS.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.client_cert_path().is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn client_cert_path(&self) -> PathBuf {
        self.dir.path().join(CLIENT_CERT_FILE)
    }

    /// The client's private key (PKCS#8 PEM file).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.client_key_path().is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn client_key_path(&self) -> PathBuf {
        self.dir.path().join(CLIENT_KEY_FILE)
    }

    /// The server's key store (PEM: key, certificate, CA), as `ssl.keyStore.location`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.server_keystore_path().is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn server_keystore_path(&self) -> PathBuf {
        self.dir.path().join(SERVER_FILE)
    }

    /// The directory holding every file.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let ca = kazoo_testkit::TestCa::generate()?;
    /// assert!(ca.dir().join("ca.pem").is_file());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A rustls client configuration trusting this CA and presenting the client certificate.
    fn rustls_config(&self) -> Result<rustls::ClientConfig> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            TestkitError::InvalidArgument(format!("unusable {what}: {e}"))
        };
        let mut roots = rustls::RootCertStore::empty();
        let ca =
            CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).map_err(|e| bad("CA", &e))?;
        roots.add(ca).map_err(|e| bad("CA", &e))?;
        let chain = vec![
            CertificateDer::from_pem_slice(self.client_cert_pem.as_bytes())
                .map_err(|e| bad("client certificate", &e))?,
        ];
        let key = PrivateKeyDer::from_pem_slice(self.client_key_pem.as_bytes())
            .map_err(|e| bad("client key", &e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("TLS versions", &e))?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| bad("client identity", &e))
    }
}

impl ServerBuilder {
    /// Also serves TLS on a `secureClientPort` (see [`ZkServer::secure_addr`]), with the
    /// Netty connection factory (for both ports), the key store and trust store of `ca`,
    /// and `ssl.clientAuth` set to `client_auth`. The plain `clientPort` keeps working, so
    /// the kit's readiness probes and four-letter words are unchanged. Standalone servers
    /// only: every ensemble member would get the same port. On Debian's install it also puts
    /// `netty-codec.jar` on the classpath, which Netty's TLS handler needs (so set a custom
    /// [`classpath`](Self::classpath) after this call, not before).
    ///
    /// # Errors
    ///
    /// `start` fails with [`TestkitError::Io`] when no free port can be found.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use kazoo_testkit::{ClientAuth, TestCa, ZkServer};
    /// let ca = TestCa::generate()?;
    /// let zk = ZkServer::builder().tls(&ca, ClientAuth::Need).start()?;
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn tls(self, ca: &TestCa, client_auth: ClientAuth) -> Self {
        // A port that cannot be found shows up as a start failure on port 0.
        let port = free_ports(1)
            .ok()
            .and_then(|p| p.first().copied())
            .unwrap_or(0);
        let keystore = ca.server_keystore_path().display().to_string();
        let truststore = ca.ca_cert_path().display().to_string();
        let with_codec = match find_classpath() {
            Ok(cp) if !cp.contains("netty-codec") && Path::new(DEBIAN_NETTY_CODEC).is_file() => {
                self.classpath(format!("{cp}:{DEBIAN_NETTY_CODEC}"))
            }
            _ => self,
        };
        with_codec
            .jvm_arg(format!("-Dzookeeper.serverCnxnFactory={NETTY_FACTORY}"))
            .config("serverCnxnFactory", NETTY_FACTORY)
            .config("secureClientPort", port.to_string())
            .config("secureClientPortAddress", "127.0.0.1")
            .config("ssl.keyStore.location", keystore)
            .config("ssl.keyStore.type", "PEM")
            .config("ssl.trustStore.location", truststore)
            .config("ssl.trustStore.type", "PEM")
            .config("ssl.clientAuth", client_auth.as_config())
            // Client certificates name `localhost`/127.0.0.1; the server need not resolve us.
            .config("ssl.hostnameVerification", "false")
            // Netty closes every connection with a client certificate when no x509 provider
            // is registered; with it the session carries the id `x509:<subject>`.
            .config("authProvider.x509", X509_PROVIDER)
    }
}

impl ZkServer {
    /// The TLS address when started with [`ServerBuilder::tls`] (read from its `zoo.cfg`).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let ca = kazoo_testkit::TestCa::generate()?;
    /// let zk = kazoo_testkit::ZkServer::builder().tls(&ca, kazoo_testkit::ClientAuth::None).start()?;
    /// let addr = zk.secure_addr().unwrap();
    /// assert_ne!(addr, zk.addr());
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn secure_addr(&self) -> Option<SocketAddr> {
        let cfg = std::fs::read_to_string(self.dir().join("zoo.cfg")).ok()?;
        let port = cfg
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("secureClientPort="))?
            .trim()
            .parse::<u16>()
            .ok()?;
        Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
    }

    /// A four-letter word over TLS to [`ZkServer::secure_addr`], trusting `ca` and presenting
    /// its client certificate. Retries while the TLS port is not listening yet (it opens a
    /// little after the plain one), up to 10 s.
    ///
    /// # Errors
    ///
    /// [`TestkitError::NotRunning`] without a TLS port; otherwise as [`four_letter_word_tls`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// # let ca = kazoo_testkit::TestCa::generate()?;
    /// let zk = kazoo_testkit::ZkServer::builder().tls(&ca, kazoo_testkit::ClientAuth::Need).start()?;
    /// assert_eq!(zk.four_letter_tls("ruok", &ca)?, "imok");
    /// # Ok::<(), kazoo_testkit::TestkitError>(())
    /// ```
    pub fn four_letter_tls(&self, cmd: &str, ca: &TestCa) -> Result<String> {
        let addr = self
            .secure_addr()
            .ok_or(TestkitError::NotRunning(self.addr()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match four_letter_word_tls(addr, cmd, Duration::from_secs(5), ca) {
                Err(TestkitError::FourLetterWord { ref source, .. })
                    if source.kind() == ErrorKind::ConnectionRefused
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }
}

/// Sends a four-letter word over TLS, trusting `ca` and presenting its client certificate,
/// and returns the whole reply.
///
/// # Errors
///
/// [`TestkitError::InvalidArgument`] unless `cmd` is four ASCII letters;
/// [`TestkitError::FourLetterWord`] when the connection or the handshake fails or the server
/// does not answer in time.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// let ca = kazoo_testkit::TestCa::generate()?;
/// let zk = kazoo_testkit::ZkServer::builder().tls(&ca, kazoo_testkit::ClientAuth::None).start()?;
/// let reply = kazoo_testkit::four_letter_word_tls(zk.secure_addr().unwrap(), "srvr", Duration::from_secs(2), &ca)?;
/// # Ok::<(), kazoo_testkit::TestkitError>(())
/// ```
pub fn four_letter_word_tls(
    addr: SocketAddr,
    cmd: &str,
    timeout: Duration,
    ca: &TestCa,
) -> Result<String> {
    if cmd.len() != 4 || !cmd.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(TestkitError::InvalidArgument(format!(
            "`{cmd}` is not a four-letter word"
        )));
    }
    let fail = |source| TestkitError::FourLetterWord {
        cmd: cmd.to_owned(),
        addr,
        source,
    };
    let config = Arc::new(ca.rustls_config()?);
    let conn = rustls::ClientConnection::new(config, ServerName::IpAddress(addr.ip().into()))
        .map_err(|e| fail(std::io::Error::new(ErrorKind::InvalidData, e)))?;
    let tcp = TcpStream::connect_timeout(&addr, timeout).map_err(fail)?;
    tcp.set_read_timeout(Some(timeout)).map_err(fail)?;
    tcp.set_write_timeout(Some(timeout)).map_err(fail)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(cmd.as_bytes()).map_err(fail)?;
    tls.flush().map_err(fail)?;
    let mut reply = Vec::new();
    match tls.read_to_end(&mut reply) {
        Ok(_) => {}
        // The server closes after answering, without a TLS close_notify.
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(fail(e)),
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .map_err(|e| TestkitError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_files_rustls_accepts() {
        let ca = TestCa::generate().unwrap();
        let server = std::fs::read(ca.server_keystore_path()).unwrap();
        assert!(PrivateKeyDer::from_pem_slice(&server).is_ok());
        let certs: Vec<_> = CertificateDer::pem_slice_iter(&server)
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(certs.len(), 2, "server certificate and CA");
        assert!(ca.rustls_config().is_ok());
    }
}
