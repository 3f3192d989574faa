//! The DIGEST-MD5 client mechanism (RFC 2831) as ZooKeeper's server speaks it through the
//! JDK's `DigestMD5Server`: realm `zk-sasl-md5`, digest-uri `zookeeper/zk-sasl-md5`,
//! `qop=auth` only (no integrity or confidentiality layer), and mutual authentication by
//! checking the server's `rspauth`.

use super::directives::{self, push_quoted};
use super::{SaslError, SaslMechanism};
use md5::{Digest, Md5};
use rand::RngCore;
use std::fmt;

/// The service ZooKeeper's server registers its SASL server under
/// (`zookeeper.sasl.server.protocol`).
pub const ZOOKEEPER_SERVICE: &str = "zookeeper";
/// The server name ZooKeeper uses for DIGEST-MD5, which is also its realm.
pub const ZOOKEEPER_DIGEST_HOST: &str = "zk-sasl-md5";

enum State {
    AwaitChallenge,
    AwaitRspauth { expected: String },
    Complete,
    Failed,
}

/// A sans-io DIGEST-MD5 client: feed it the server's tokens, send what it returns.
///
/// `Debug` never shows the password.
///
/// ```
/// use kazoo_client::sasl::DigestMd5;
/// let mut mech = DigestMd5::new("alice", "secret");
/// // The server opens with a challenge (ZooKeeper's client first sends an empty token).
/// let challenge = br#"realm="zk-sasl-md5",nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess"#;
/// let response = mech.respond(challenge).unwrap();
/// assert!(String::from_utf8(response).unwrap().contains(r#"digest-uri="zookeeper/zk-sasl-md5""#));
/// // Its next token proves that it knows the password too.
/// assert!(mech.verify_rspauth(b"rspauth=00000000000000000000000000000000").is_err());
/// ```
pub struct DigestMd5 {
    username: String,
    password: String,
    service: String,
    host: String,
    state: State,
}

impl fmt::Debug for DigestMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestMd5")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field(
                "digest_uri",
                &format_args!("{}/{}", self.service, self.host),
            )
            .field("complete", &self.is_complete())
            .finish()
    }
}

impl DigestMd5 {
    /// A mechanism for ZooKeeper: digest-uri `zookeeper/zk-sasl-md5`.
    ///
    /// ```
    /// let mech = kazoo_client::sasl::DigestMd5::new("alice", "secret");
    /// assert!(!mech.is_complete());
    /// ```
    pub fn new(username: &str, password: &str) -> DigestMd5 {
        DigestMd5 {
            username: username.to_owned(),
            password: password.to_owned(),
            service: ZOOKEEPER_SERVICE.to_owned(),
            host: ZOOKEEPER_DIGEST_HOST.to_owned(),
            state: State::AwaitChallenge,
        }
    }

    /// Uses another digest-uri, `service/host` (a server started with another
    /// `zookeeper.sasl.server.protocol`, or RFC 2831's own examples).
    ///
    /// ```
    /// let mech = kazoo_client::sasl::DigestMd5::new("chris", "secret")
    ///     .with_digest_uri("imap", "elwood.innosoft.com");
    /// ```
    pub fn with_digest_uri(mut self, service: &str, host: &str) -> DigestMd5 {
        self.service = service.to_owned();
        self.host = host.to_owned();
        self
    }

    /// True once the server proved it knows the password.
    ///
    /// ```
    /// assert!(!kazoo_client::sasl::DigestMd5::new("alice", "secret").is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete)
    }

    /// Answers the server's `digest-challenge` with a fresh random client nonce.
    ///
    /// ```
    /// let mut mech = kazoo_client::sasl::DigestMd5::new("alice", "secret");
    /// let r = mech.respond(br#"realm="zk-sasl-md5",nonce="n",algorithm=md5-sess"#).unwrap();
    /// assert!(r.starts_with(b"username="));
    /// ```
    pub fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        let mut raw = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut raw);
        self.respond_with_cnonce(challenge, &hex(&raw))
    }

    /// Answers the server's `digest-challenge` with the given client nonce (for known-answer
    /// tests; real exchanges use [`DigestMd5::respond`]).
    ///
    /// ```
    /// let mut mech = kazoo_client::sasl::DigestMd5::new("chris", "secret")
    ///     .with_digest_uri("imap", "elwood.innosoft.com");
    /// let r = mech.respond_with_cnonce(
    ///     br#"realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8"#,
    ///     "OA6MHXh6VqTrRk",
    /// ).unwrap();
    /// assert!(String::from_utf8(r).unwrap().contains("response=d388dad90d4bbd760a152321f2143af7"));
    /// ```
    pub fn respond_with_cnonce(
        &mut self,
        challenge: &[u8],
        cnonce: &str,
    ) -> Result<Vec<u8>, SaslError> {
        if !matches!(self.state, State::AwaitChallenge) {
            self.state = State::Failed;
            return Err(SaslError::UnexpectedToken);
        }
        let result = self.build_response(challenge, cnonce);
        match result {
            Ok((response, expected)) => {
                self.state = State::AwaitRspauth { expected };
                Ok(response)
            }
            Err(e) => {
                self.state = State::Failed;
                Err(e)
            }
        }
    }

    /// Checks the server's final token, `rspauth=<hex>`: the proof that the server knows the
    /// password too. After success the mechanism is complete.
    ///
    /// ```
    /// let mut mech = kazoo_client::sasl::DigestMd5::new("alice", "secret");
    /// assert!(mech.verify_rspauth(b"rspauth=abc").is_err()); // no challenge answered yet
    /// ```
    pub fn verify_rspauth(&mut self, token: &[u8]) -> Result<(), SaslError> {
        let State::AwaitRspauth { expected } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(SaslError::UnexpectedToken);
        };
        let fields = directives::parse(token)?;
        let got = single(&fields, "rspauth")?.ok_or_else(|| {
            SaslError::MalformedChallenge("no rspauth in the server's final token".into())
        })?;
        if !constant_time_eq(got.to_ascii_lowercase().as_bytes(), expected.as_bytes()) {
            return Err(SaslError::ServerNotAuthenticated);
        }
        self.state = State::Complete;
        Ok(())
    }

    /// Builds the digest-response and the rspauth to expect.
    fn build_response(
        &self,
        challenge: &[u8],
        cnonce: &str,
    ) -> Result<(Vec<u8>, String), SaslError> {
        let fields = directives::parse(challenge)?;
        let nonce = single(&fields, "nonce")?
            .ok_or_else(|| SaslError::MalformedChallenge("the challenge has no nonce".into()))?;
        match single(&fields, "algorithm")? {
            Some(a) if a.eq_ignore_ascii_case("md5-sess") => {}
            Some(a) => return Err(SaslError::Unsupported(format!("algorithm {a:?}"))),
            None => {
                return Err(SaslError::MalformedChallenge(
                    "the challenge has no algorithm (md5-sess is required)".into(),
                ))
            }
        }
        let qop_offered = single(&fields, "qop")?.unwrap_or("auth");
        if !qop_offered
            .split(',')
            .any(|q| q.trim().eq_ignore_ascii_case("auth"))
        {
            return Err(SaslError::Unsupported(format!(
                "qop {qop_offered:?} (only \"auth\" is implemented)"
            )));
        }
        let utf8 = match single(&fields, "charset")? {
            None => false,
            Some(c) if c.eq_ignore_ascii_case("utf-8") => true,
            Some(c) => return Err(SaslError::Unsupported(format!("charset {c:?}"))),
        };
        // With several realms offered the JDK client takes the first, as we do.
        let realm = fields
            .iter()
            .find(|(k, _)| k == "realm")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let digest_uri = format!("{}/{}", self.service, self.host);
        const NC: &str = "00000001";
        const QOP: &str = "auth";

        let mut inner = Md5::new();
        inner.update(latin1_or_utf8(&self.username));
        inner.update(b":");
        inner.update(latin1_or_utf8(realm));
        inner.update(b":");
        inner.update(latin1_or_utf8(&self.password));
        let mut a1 = Md5::new();
        a1.update(inner.finalize());
        a1.update(format!(":{nonce}:{cnonce}").as_bytes());
        let ha1 = hex(&a1.finalize());
        let kd = |a2: &str| {
            let ha2 = hex(&Md5::digest(a2.as_bytes()));
            hex(&Md5::digest(
                format!("{ha1}:{nonce}:{NC}:{cnonce}:{QOP}:{ha2}").as_bytes(),
            ))
        };
        let response = kd(&format!("AUTHENTICATE:{digest_uri}"));
        let rspauth = kd(&format!(":{digest_uri}"));

        let mut out = String::new();
        if utf8 {
            out.push_str("charset=utf-8,");
        }
        out.push_str("username=");
        push_quoted(&mut out, &self.username);
        out.push_str(",realm=");
        push_quoted(&mut out, realm);
        out.push_str(",nonce=");
        push_quoted(&mut out, nonce);
        out.push_str(&format!(",nc={NC},cnonce="));
        push_quoted(&mut out, cnonce);
        out.push_str(",digest-uri=");
        push_quoted(&mut out, &digest_uri);
        out.push_str(&format!(",maxbuf=65536,response={response},qop={QOP}"));
        let bytes = if utf8 {
            out.into_bytes()
        } else {
            latin1_or_utf8(&out)
        };
        Ok((bytes, rspauth))
    }
}

impl SaslMechanism for DigestMd5 {
    fn name(&self) -> &'static str {
        "DIGEST-MD5"
    }

    fn initial_response(&mut self) -> Vec<u8> {
        // DIGEST-MD5 has no initial response: the server speaks first, and ZooKeeper's client
        // asks it to with an empty token.
        Vec::new()
    }

    fn step(&mut self, server_token: &[u8]) -> Result<Option<Vec<u8>>, SaslError> {
        match self.state {
            State::AwaitChallenge => self.respond(server_token).map(Some),
            State::AwaitRspauth { .. } => self.verify_rspauth(server_token).map(|()| None),
            State::Complete | State::Failed => Err(SaslError::UnexpectedToken),
        }
    }

    fn is_complete(&self) -> bool {
        DigestMd5::is_complete(self)
    }
}

/// The value of a directive that may appear at most once.
fn single<'a>(fields: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, SaslError> {
    let mut found = fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(SaslError::MalformedChallenge(format!(
            "the directive {name:?} appears more than once"
        )));
    }
    Ok(first)
}

/// RFC 2831 2.1.2.1: with `charset=utf-8`, text whose every character fits ISO 8859-1 is
/// hashed in ISO 8859-1, other text in UTF-8; without it, text is ISO 8859-1 already.
fn latin1_or_utf8(s: &str) -> Vec<u8> {
    // Text beyond ISO 8859-1 can only be sent as UTF-8; without charset=utf-8 the server then
    // computes another digest and refuses, which is right for credentials it cannot hold.
    if s.chars().all(|c| (c as u32) < 0x100) {
        s.chars().map(|c| c as u8).collect()
    } else {
        s.as_bytes().to_vec()
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(response: &[u8], name: &str) -> String {
        directives::parse(response)
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }

    /// RFC 2831 section 4, the IMAP example.
    #[test]
    fn rfc2831_imap_example() {
        let mut m =
            DigestMd5::new("chris", "secret").with_digest_uri("imap", "elwood.innosoft.com");
        let r = m
            .respond_with_cnonce(
                br#"realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8"#,
                "OA6MHXh6VqTrRk",
            )
            .unwrap();
        assert_eq!(field(&r, "response"), "d388dad90d4bbd760a152321f2143af7");
        assert_eq!(field(&r, "digest-uri"), "imap/elwood.innosoft.com");
        assert_eq!(field(&r, "nc"), "00000001");
        assert_eq!(field(&r, "qop"), "auth");
        assert_eq!(field(&r, "charset"), "utf-8");
        m.verify_rspauth(b"rspauth=ea40f60335c427b5527b84dbabcdfffd")
            .unwrap();
        assert!(m.is_complete());
    }

    /// RFC 2831 section 4, the ACAP example.
    #[test]
    fn rfc2831_acap_example() {
        let mut m =
            DigestMd5::new("chris", "secret").with_digest_uri("acap", "elwood.innosoft.com");
        let r = m
            .respond_with_cnonce(
                br#"realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",qop="auth",algorithm=md5-sess,charset=utf-8"#,
                "OA9BSuZWMSpW8m",
            )
            .unwrap();
        assert_eq!(field(&r, "response"), "6084c6db3fede7352c551284490fd0fc");
        m.verify_rspauth(b"rspauth=2f0b3d7c3c2e486600ef710726aa2eae")
            .unwrap();
    }

    #[test]
    fn zookeeper_defaults() {
        let mut m = DigestMd5::new("alice", "secret");
        let r = m
            .respond(
                br#"realm="zk-sasl-md5",nonce="n0nce",qop="auth",charset=utf-8,algorithm=md5-sess"#,
            )
            .unwrap();
        assert_eq!(field(&r, "digest-uri"), "zookeeper/zk-sasl-md5");
        assert_eq!(field(&r, "realm"), "zk-sasl-md5");
        assert_eq!(field(&r, "username"), "alice");
        assert_eq!(field(&r, "cnonce").len(), 32);
        assert!(!String::from_utf8_lossy(&r).contains("secret"));
    }

    #[test]
    fn a_wrong_rspauth_fails_and_stays_failed() {
        let mut m = DigestMd5::new("alice", "secret");
        m.respond(br#"nonce="n",algorithm=md5-sess"#).unwrap();
        assert_eq!(
            m.verify_rspauth(b"rspauth=ea40f60335c427b5527b84dbabcdfffd"),
            Err(SaslError::ServerNotAuthenticated)
        );
        assert!(!m.is_complete());
        assert_eq!(m.step(b"rspauth=x"), Err(SaslError::UnexpectedToken));
    }

    #[test]
    fn challenges_we_cannot_answer_are_typed_errors() {
        let cases: [&[u8]; 5] = [
            br#"realm="r",algorithm=md5-sess"#,
            br#"nonce="n""#,
            br#"nonce="n",algorithm=md5"#,
            br#"nonce="n",algorithm=md5-sess,qop="auth-conf""#,
            br#"nonce="a",nonce="b",algorithm=md5-sess"#,
        ];
        for c in cases {
            let err = DigestMd5::new("u", "p").respond(c).unwrap_err();
            assert!(
                matches!(
                    err,
                    SaslError::MalformedChallenge(_) | SaslError::Unsupported(_)
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn several_qops_with_auth_among_them_are_fine() {
        let mut m = DigestMd5::new("u", "p");
        assert!(m
            .respond(br#"nonce="n",qop="auth-int,auth",algorithm=md5-sess"#)
            .is_ok());
    }

    #[test]
    fn latin1_password_is_hashed_in_latin1_under_utf8_charset() {
        let challenge = br#"realm="r",nonce="n",qop="auth",charset=utf-8,algorithm=md5-sess"#;
        let a = DigestMd5::new("u", "caf\u{e9}")
            .respond_with_cnonce(challenge, "c")
            .unwrap();
        // The same digest as for the password's ISO 8859-1 bytes without charset.
        let b = DigestMd5::new("u", "caf\u{e9}")
            .respond_with_cnonce(br#"realm="r",nonce="n",qop="auth",algorithm=md5-sess"#, "c")
            .unwrap();
        assert_eq!(field(&a, "response"), field(&b, "response"));
    }

    #[test]
    fn debug_hides_the_password() {
        let m = DigestMd5::new("alice", "hunter2-secret");
        let shown = format!("{m:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
    }

    #[test]
    fn errors_never_echo_the_password() {
        let mut m = DigestMd5::new("alice", "hunter2-secret");
        let e = m.respond(b"garbage \"hunter").unwrap_err();
        assert!(!e.to_string().contains("hunter2-secret"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_server_tokens_never_panic(
            a in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            b in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        ) {
            let mut m = DigestMd5::new("alice", "secret");
            let _ = m.step(&a);
            let _ = m.step(&b);
        }
    }
}
