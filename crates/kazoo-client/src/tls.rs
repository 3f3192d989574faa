//! TLS to a server's `secureClientPort` (ZooKeeper's Netty connection factory) with rustls:
//! [`TlsConfig`] (CA bundle, client certificate for mutual TLS, verification switches, SNI),
//! the [`TlsConnector`] built from it, and [`TlsError`], which names what went wrong.
//!
//! Certificate chain verification and hostname verification are on by default. The Java
//! client checks hostnames by default too (`zookeeper.ssl.hostnameVerification`); kazoo does
//! not (`check_hostname=False`), which [`TlsConfig::verify_hostname`] reproduces.

use crate::hosts::HostList;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    self, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// PEM text, given inline or read from a file when the connector is built.
#[derive(Clone)]
enum Pem {
    File(PathBuf),
    Inline(Vec<u8>),
}

impl Pem {
    fn load(&self, what: &str) -> Result<Vec<u8>, TlsError> {
        match self {
            Pem::Inline(b) => Ok(b.clone()),
            Pem::File(p) => std::fs::read(p).map_err(|e| {
                TlsError::Config(format!("cannot read the {what} file {}: {e}", p.display()))
            }),
        }
    }

    /// Says where the PEM comes from; never shows its content.
    fn describe(&self) -> String {
        match self {
            Pem::File(p) => p.display().to_string(),
            Pem::Inline(b) => format!("<{} bytes of inline PEM>", b.len()),
        }
    }
}

/// Settings for TLS connections to ZooKeeper's `secureClientPort`.
///
/// Verification is on by default: the server's certificate must chain to one of the CA
/// certificates given with [`TlsConfig::ca_file`] / [`TlsConfig::ca_pem`] and name the host
/// connected to (an IP address or DNS name in its subject alternative names).
/// [`TlsConfig::client_cert_files`] adds a client certificate for servers that demand one
/// (`ssl.clientAuth=need`).
///
/// `Debug` shows where the material comes from, never the private key.
///
/// ```no_run
/// use kazoo_client::tls::TlsConfig;
/// let tls = TlsConfig::new()
///     .ca_file("/etc/zookeeper/ca.pem")
///     .client_cert_files("/etc/zookeeper/client.pem", "/etc/zookeeper/client.key");
/// let connector = tls.connector()?;
/// # Ok::<(), kazoo_client::tls::TlsError>(())
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    ca: Vec<Pem>,
    identity: Option<(Pem, Pem)>,
    verify_certs: bool,
    verify_hostname: bool,
    server_name: Option<String>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig::new()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ca: Vec<String> = self.ca.iter().map(Pem::describe).collect();
        f.debug_struct("TlsConfig")
            .field("ca", &ca)
            .field(
                "client_cert",
                &self.identity.as_ref().map(|(chain, _)| chain.describe()),
            )
            .field("client_key", &self.identity.as_ref().map(|_| "<redacted>"))
            .field("verify_certs", &self.verify_certs)
            .field("verify_hostname", &self.verify_hostname)
            .field("server_name", &self.server_name)
            .finish()
    }
}

impl TlsConfig {
    /// Verification on, no CA yet (add one: without any, no server can be trusted), no client
    /// certificate.
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new().ca_pem(b"-----BEGIN CERTIFICATE-----...".to_vec());
    /// ```
    pub fn new() -> TlsConfig {
        TlsConfig {
            ca: Vec::new(),
            identity: None,
            verify_certs: true,
            verify_hostname: true,
            server_name: None,
        }
    }

    /// Trusts the CA certificates of a PEM bundle file (kazoo's `ca`). May be repeated.
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new().ca_file("/etc/zookeeper/ca.pem");
    /// ```
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.ca.push(Pem::File(path.as_ref().to_owned()));
        self
    }

    /// Trusts the CA certificates of a PEM bundle held in memory. May be repeated.
    ///
    /// ```
    /// # let pem: Vec<u8> = Vec::new();
    /// let tls = kazoo_client::tls::TlsConfig::new().ca_pem(pem);
    /// ```
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca.push(Pem::Inline(pem.into()));
        self
    }

    /// Presents this certificate chain (PEM, leaf first) and private key (PEM: PKCS#8, PKCS#1
    /// or SEC1, unencrypted) to servers that ask for one (kazoo's `certfile` and `keyfile`).
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new()
    ///     .ca_file("ca.pem")
    ///     .client_cert_files("client.pem", "client.key");
    /// ```
    pub fn client_cert_files(mut self, chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        self.identity = Some((
            Pem::File(chain.as_ref().to_owned()),
            Pem::File(key.as_ref().to_owned()),
        ));
        self
    }

    /// Like [`TlsConfig::client_cert_files`], with the PEM held in memory.
    ///
    /// ```
    /// # let (chain, key): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    /// let tls = kazoo_client::tls::TlsConfig::new().client_cert_pem(chain, key);
    /// ```
    pub fn client_cert_pem(mut self, chain: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.identity = Some((Pem::Inline(chain.into()), Pem::Inline(key.into())));
        self
    }

    /// Whether the server's certificate is verified at all (default true; kazoo's
    /// `verify_certs`). `false` accepts any certificate: the connection is encrypted but
    /// anyone in the middle can read it. For tests only.
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new().verify_certs(false);
    /// ```
    pub fn verify_certs(mut self, yes: bool) -> Self {
        self.verify_certs = yes;
        self
    }

    /// Whether the certificate must name the server (default true, the Java client's
    /// default; kazoo's `check_hostname`, false there). With `false` the chain is still
    /// verified against the CA.
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new().ca_file("ca.pem").verify_hostname(false);
    /// ```
    pub fn verify_hostname(mut self, yes: bool) -> Self {
        self.verify_hostname = yes;
        self
    }

    /// The name sent as SNI and checked against the certificate, instead of the host of the
    /// connect string (useful when connecting by IP address to servers whose certificates
    /// carry a DNS name).
    ///
    /// ```
    /// let tls = kazoo_client::tls::TlsConfig::new().ca_file("ca.pem").server_name("zk.example.com");
    /// ```
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Loads the files and builds the connector, reporting unreadable files, PEM without a
    /// certificate or key, and a missing CA as [`TlsError::Config`].
    ///
    /// ```no_run
    /// let connector = kazoo_client::tls::TlsConfig::new().ca_file("ca.pem").connector()?;
    /// # Ok::<(), kazoo_client::tls::TlsError>(())
    /// ```
    pub fn connector(&self) -> Result<TlsConnector, TlsError> {
        let provider = Arc::new(crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(format!("no usable TLS version: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = if self.verify_certs {
            let roots = self.load_roots()?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| {
                        TlsError::Config(format!("cannot build the certificate verifier: {e}"))
                    })?;
            if self.verify_hostname {
                webpki
            } else {
                Arc::new(IgnoreHostname { inner: webpki })
            }
        } else {
            Arc::new(AcceptAnyCertificate {
                provider: provider.clone(),
            })
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some((chain_pem, key_pem)) => {
                let chain =
                    parse_certs(&chain_pem.load("client certificate")?, "client certificate")?;
                let key = PrivateKeyDer::from_pem_slice(&key_pem.load("client key")?).map_err(|e| {
                    TlsError::Config(format!(
                        "no usable private key in {} (PKCS#8, PKCS#1 or SEC1 PEM, unencrypted): {e}",
                        key_pem.describe()
                    ))
                })?;
                builder.with_client_auth_cert(chain, key).map_err(|e| {
                    TlsError::Config(format!("the client certificate and key do not fit: {e}"))
                })?
            }
        };
        Ok(TlsConnector {
            inner: tokio_rustls::TlsConnector::from(Arc::new(config)),
            server_name: self.server_name.clone(),
        })
    }

    fn load_roots(&self) -> Result<RootCertStore, TlsError> {
        if self.ca.is_empty() {
            return Err(TlsError::Config(
                "certificate verification is on but no CA was given (TlsConfig::ca_file)".into(),
            ));
        }
        let mut roots = RootCertStore::empty();
        for pem in &self.ca {
            for cert in parse_certs(&pem.load("CA")?, "CA")? {
                roots.add(cert).map_err(|e| {
                    TlsError::Config(format!(
                        "unusable CA certificate in {}: {e}",
                        pem.describe()
                    ))
                })?;
            }
        }
        Ok(roots)
    }
}

fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Config(format!("malformed PEM in the {what} certificates: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::Config(format!(
            "no certificate found in the {what} PEM"
        )));
    }
    Ok(certs)
}

/// Wraps connected TCP streams in TLS. Cheap to clone; build one with
/// [`TlsConfig::connector`].
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let connector = kazoo_client::tls::TlsConfig::new().ca_file("ca.pem").connector()?;
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:2281").await?;
/// let tls = connector.connect(tcp, "127.0.0.1").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    inner: tokio_rustls::TlsConnector,
    server_name: Option<String>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// Runs the TLS handshake on `stream`. `host` is the host of the connect string (a DNS
    /// name or an IP address); the configured [`TlsConfig::server_name`] takes its place
    /// when set. Certificate problems come back as [`TlsError::CertificateVerification`].
    ///
    /// ```no_run
    /// # async fn f(connector: kazoo_client::tls::TlsConnector) -> Result<(), Box<dyn std::error::Error>> {
    /// let tcp = tokio::net::TcpStream::connect("127.0.0.1:2281").await?;
    /// let tls = connector.connect(tcp, "localhost").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect<S>(
        &self,
        stream: S,
        host: &str,
    ) -> Result<tokio_rustls::client::TlsStream<S>, TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let name = self.name_for(host)?;
        self.inner
            .connect(name, stream)
            .await
            .map_err(TlsError::from_io)
    }

    fn name_for(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
        let host = self.server_name.as_deref().unwrap_or(host);
        // The connect string writes IPv6 addresses in brackets.
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(ServerName::IpAddress(ip.into()));
        }
        ServerName::try_from(bare.to_owned())
            .map_err(|_| TlsError::Config(format!("{host:?} is not a valid TLS server name")))
    }
}

/// The byte stream the I/O task owns: plain TCP or TLS over it.
pub(crate) trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}

impl<S: AsyncRead + AsyncWrite + Send + Unpin> AsyncReadWrite for S {}

/// A connection to one server, whichever the transport.
pub(crate) type Transport = Box<dyn AsyncReadWrite>;

/// Opens TCP to `addr` and, when `tls` is set, runs the TLS handshake on it, checking the
/// certificate against the host of `hosts` that resolved to `addr`. A TLS failure comes back
/// inside the `io::Error` ([`tls_error_of`] finds it).
pub(crate) async fn open_transport(
    addr: SocketAddr,
    tls: Option<&TlsConnector>,
    hosts: &HostList,
) -> io::Result<Transport> {
    let tcp = TcpStream::connect(addr).await?;
    let _ = tcp.set_nodelay(true);
    match tls {
        None => Ok(Box::new(tcp)),
        Some(connector) => {
            let host = host_for(hosts, addr).await;
            let stream = connector
                .connect(tcp, &host)
                .await
                .map_err(io::Error::other)?;
            Ok(Box::new(stream))
        }
    }
}

/// The connect-string host that `addr` came from, so that TLS checks the name the user
/// wrote; the address itself when no host matches.
async fn host_for(hosts: &HostList, addr: SocketAddr) -> String {
    for spec in hosts.hosts.iter().filter(|s| s.port == addr.port()) {
        match spec.host.parse::<IpAddr>() {
            Ok(ip) if ip == addr.ip() => return spec.host.clone(),
            Ok(_) => {}
            Err(_) => {
                let found = tokio::net::lookup_host((spec.host.as_str(), spec.port)).await;
                if let Ok(mut found) = found {
                    if found.any(|a| a == addr) {
                        return spec.host.clone();
                    }
                }
            }
        }
    }
    addr.ip().to_string()
}

/// The TLS failure inside an I/O error of [`open_transport`] or of a TLS stream, if any.
pub(crate) fn tls_error_of(e: &io::Error) -> Option<TlsError> {
    let inner = e.get_ref()?;
    if let Some(t) = inner.downcast_ref::<TlsError>() {
        return Some(t.clone());
    }
    inner
        .downcast_ref::<rustls::Error>()
        .map(TlsError::from_rustls)
}

/// What went wrong setting up or running TLS.
///
/// ```
/// use kazoo_client::tls::TlsError;
/// let e = TlsError::CertificateVerification("unknown issuer".into());
/// assert!(e.to_string().contains("certificate verification failed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// The settings cannot be used: a file is unreadable, PEM holds no certificate or key, no
    /// CA was given, a server name is invalid.
    Config(String),
    /// The server's certificate was refused: signed by an unknown CA, expired, issued for
    /// another name...
    CertificateVerification(String),
    /// The handshake failed otherwise: the server refused our certificate (or its absence),
    /// no common protocol version or cipher suite, a peer that does not speak TLS.
    Handshake(String),
    /// The connection failed during the handshake.
    Io(String),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Config(m) => write!(f, "TLS configuration error: {m}"),
            TlsError::CertificateVerification(m) => {
                write!(f, "TLS server certificate verification failed: {m}")
            }
            TlsError::Handshake(m) => write!(f, "TLS handshake failed: {m}"),
            TlsError::Io(m) => write!(f, "I/O error during the TLS handshake: {m}"),
        }
    }
}

impl std::error::Error for TlsError {}

impl TlsError {
    /// Classifies an error from a TLS stream: rustls errors travel inside `io::Error`.
    ///
    /// ```
    /// use kazoo_client::tls::TlsError;
    /// let e = TlsError::from_io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"));
    /// assert!(matches!(e, TlsError::Io(_)));
    /// ```
    pub fn from_io(e: io::Error) -> TlsError {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(r) => TlsError::from_rustls(r),
            None => TlsError::Io(e.to_string()),
        }
    }

    fn from_rustls(e: &rustls::Error) -> TlsError {
        match e {
            rustls::Error::InvalidCertificate(c) => {
                TlsError::CertificateVerification(describe_cert_error(c))
            }
            other => TlsError::Handshake(other.to_string()),
        }
    }

    /// True when the server's certificate was refused.
    ///
    /// ```
    /// let e = kazoo_client::tls::TlsError::CertificateVerification("expired".into());
    /// assert!(e.is_certificate_error());
    /// ```
    pub fn is_certificate_error(&self) -> bool {
        matches!(self, TlsError::CertificateVerification(_))
    }
}

fn describe_cert_error(e: &CertificateError) -> String {
    match e {
        CertificateError::UnknownIssuer => {
            "the server's certificate is not signed by a trusted CA (unknown issuer)".into()
        }
        // A trusted CA has the issuer's name but did not sign it: another CA of that name.
        CertificateError::BadSignature => {
            "the server's certificate is not signed by a trusted CA (bad signature)".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("the server's certificate does not name the host connected to ({e})")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("the server's certificate has expired ({e})")
        }
        other => format!("{other}"),
    }
}

/// Verifies the chain against the CA but accepts any name (kazoo's `check_hostname=False`).
#[derive(Debug)]
struct IgnoreHostname {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for IgnoreHostname {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain before the name, so a name error means the chain is good.
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Accepts any certificate (`verify_certs(false)`), still checking that the server holds the
/// key of the certificate it presents.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_material() {
        let cfg = TlsConfig::new()
            .ca_pem(b"CA-PEM-CONTENT".to_vec())
            .client_cert_pem(b"CHAIN-CONTENT".to_vec(), b"SUPER-SECRET-KEY".to_vec());
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("SUPER-SECRET-KEY"), "{shown}");
        assert!(!shown.contains("CHAIN-CONTENT"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn verification_without_ca_is_a_config_error() {
        let err = TlsConfig::new().connector().unwrap_err();
        assert!(
            matches!(err, TlsError::Config(ref m) if m.contains("no CA")),
            "{err}"
        );
    }

    #[test]
    fn missing_ca_file_is_a_config_error_naming_the_file() {
        let err = TlsConfig::new()
            .ca_file("/nonexistent/kazoo-ca.pem")
            .connector()
            .unwrap_err();
        assert!(
            matches!(err, TlsError::Config(ref m) if m.contains("/nonexistent/kazoo-ca.pem")),
            "{err}"
        );
    }

    #[test]
    fn pem_without_certificates_is_refused() {
        let err = TlsConfig::new()
            .ca_pem(b"not a pem at all".to_vec())
            .connector()
            .unwrap_err();
        assert!(
            matches!(err, TlsError::Config(ref m) if m.contains("no certificate")),
            "{err}"
        );
    }

    #[test]
    fn unverified_config_needs_no_ca() {
        assert!(TlsConfig::new().verify_certs(false).connector().is_ok());
    }

    #[test]
    fn server_names_from_hosts() {
        let c = TlsConfig::new().verify_certs(false).connector().unwrap();
        assert!(matches!(
            c.name_for("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(c.name_for("[::1]"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(
            c.name_for("zk1.example.com"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(c.name_for("bad name!").is_err());
        let c = TlsConfig::new()
            .verify_certs(false)
            .server_name("zk.example.com")
            .connector()
            .unwrap();
        match c.name_for("127.0.0.1") {
            Ok(ServerName::DnsName(d)) => assert_eq!(d.as_ref(), "zk.example.com"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn rustls_certificate_errors_are_classified() {
        let io = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let e = TlsError::from_io(io);
        assert!(e.is_certificate_error());
        assert!(e.to_string().contains("verification failed"), "{e}");
        assert!(e.to_string().contains("unknown issuer"), "{e}");
        let io = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired),
        );
        assert!(matches!(TlsError::from_io(io), TlsError::Handshake(_)));
    }
}
