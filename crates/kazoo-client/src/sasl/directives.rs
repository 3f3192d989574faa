//! The `name=value, name="quoted value"` lists that DIGEST-MD5 challenges and responses are
//! made of (RFC 2831 section 7.1, HTTP's `#rule`): parsing the server's, quoting ours.

use super::SaslError;

/// Parses a directive list. Names are lower-cased; values are unquoted. Values are decoded as
/// UTF-8 when valid, else as ISO 8859-1 (the charset RFC 2831 assumes without `charset`).
pub(crate) fn parse(input: &[u8]) -> Result<Vec<(String, String)>, SaslError> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = input.len();
    loop {
        while i < n && (is_lws(input[i]) || input[i] == b',') {
            i += 1;
        }
        if i >= n {
            return Ok(out);
        }
        let start = i;
        while i < n && is_token_char(input[i]) {
            i += 1;
        }
        if i == start {
            return Err(malformed(format!(
                "unexpected byte {:#04x} at offset {i}",
                input[i]
            )));
        }
        let name = String::from_utf8_lossy(&input[start..i]).to_ascii_lowercase();
        while i < n && is_lws(input[i]) {
            i += 1;
        }
        if i >= n || input[i] != b'=' {
            return Err(malformed(format!("directive {name:?} has no value")));
        }
        i += 1;
        while i < n && is_lws(input[i]) {
            i += 1;
        }
        let mut value = Vec::new();
        if i < n && input[i] == b'"' {
            i += 1;
            loop {
                match input.get(i) {
                    None => {
                        return Err(malformed(format!("unterminated quoted value of {name:?}")))
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let Some(&c) = input.get(i + 1) else {
                            return Err(malformed(format!("dangling escape in {name:?}")));
                        };
                        value.push(c);
                        i += 2;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            let vstart = i;
            while i < n && is_token_char(input[i]) {
                i += 1;
            }
            value.extend_from_slice(&input[vstart..i]);
        }
        out.push((name, decode_text(value)));
        while i < n && is_lws(input[i]) {
            i += 1;
        }
        if i < n && input[i] != b',' {
            return Err(malformed(format!("expected ',' at offset {i}")));
        }
    }
}

/// Appends `"value"` with `"` and `\` escaped.
pub(crate) fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn decode_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

fn malformed(reason: String) -> SaslError {
    SaslError::MalformedChallenge(reason)
}

fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// RFC 2616 token characters: visible ASCII except separators.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        parse(input.as_bytes()).unwrap()
    }

    #[test]
    fn parses_a_java_server_challenge() {
        let got = pairs(
            r#"realm="zk-sasl-md5",nonce="X/ab+cd==",qop="auth",charset=utf-8,algorithm=md5-sess"#,
        );
        let want = [
            ("realm", "zk-sasl-md5"),
            ("nonce", "X/ab+cd=="),
            ("qop", "auth"),
            ("charset", "utf-8"),
            ("algorithm", "md5-sess"),
        ];
        assert_eq!(got.len(), want.len());
        for ((k, v), (wk, wv)) in got.iter().zip(want) {
            assert_eq!((k.as_str(), v.as_str()), (wk, wv));
        }
    }

    #[test]
    fn tolerates_spaces_empty_elements_and_case() {
        let got = pairs(" Realm = \"a b\" ,, QOP=\"auth,auth-int\" , ");
        assert_eq!(got[0], ("realm".into(), "a b".into()));
        assert_eq!(got[1], ("qop".into(), "auth,auth-int".into()));
    }

    #[test]
    fn unescapes_quoted_pairs() {
        assert_eq!(pairs(r#"nonce="a\"b\\c""#)[0].1, r#"a"b\c"#);
    }

    #[test]
    fn quoting_round_trips() {
        let mut s = String::from("username=");
        push_quoted(&mut s, r#"we"ird\user"#);
        assert_eq!(pairs(&s)[0].1, r#"we"ird\user"#);
    }

    #[test]
    fn latin1_values_are_decoded() {
        let got = parse(b"realm=\"caf\xe9\"").unwrap();
        assert_eq!(got[0].1, "caf\u{e9}");
    }

    #[test]
    fn malformed_lists_are_errors_not_panics() {
        for bad in [
            &b"realm"[..],
            b"realm=\"open",
            b"realm=\"x\\",
            b"=x",
            b"a=b c=d",
            b"\x00",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse(&bytes);
        }
    }
}
