//! Parsers for argument values: znode paths, durations, digest credentials, ACL entries and
//! four-letter words. Each returns a message clap (or the caller) shows as a usage error.

use kazoo::{Acl, Id, Perms};
use std::fmt;
use std::time::Duration;

/// A znode path as the server accepts it (absolute, no empty or relative segment...).
pub fn znode_path(s: &str) -> Result<String, String> {
    kazoo::proto::validate_path(s, false)
        .map(|()| s.to_owned())
        .map_err(|e| format!("{e} (a znode path looks like /app/config)"))
}

/// A path for `create`: like [`znode_path`] but a trailing `/` is allowed, since a sequential
/// create may name only the parent (`/queue/`). The command re-checks it once it knows the mode.
pub fn create_path(s: &str) -> Result<String, String> {
    kazoo::proto::validate_path(s, true)
        .map(|()| s.to_owned())
        .map_err(|e| format!("{e} (a znode path looks like /app/config)"))
}

/// A duration: `250ms`, `10s`, `1.5s`, `2m`, `1h`, or a bare number of seconds.
pub fn duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 500ms, 10s, 2m)"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?} (use ms, s, m or h)"
            ))
        }
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 1e9 {
        return Err(format!("duration {s:?} is too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A duration that must not be zero (timeouts, TTLs).
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = duration(s)?;
    if d.is_zero() {
        return Err("the duration must be greater than zero".into());
    }
    Ok(d)
}

/// Formats a duration the way [`duration`] reads it.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Credentials for one auth scheme. The secret part is never printed: `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The auth scheme (`digest`).
    pub scheme: String,
    secret: String,
}

impl Credential {
    /// Digest credentials from `user:password`. The error never quotes the input, which may
    /// well be a password typed without its user.
    pub fn digest(text: &str) -> Result<Credential, String> {
        match text.split_once(':') {
            Some((user, _)) if !user.is_empty() => Ok(Credential {
                scheme: "digest".into(),
                secret: text.to_owned(),
            }),
            _ => Err("digest credentials must be written user:password".into()),
        }
    }

    /// Credentials for any scheme (from a profile's `auth` entries).
    pub fn new(scheme: &str, secret: &str) -> Result<Credential, String> {
        if scheme.is_empty() {
            return Err("an auth entry needs a scheme".into());
        }
        if scheme == "digest" {
            return Credential::digest(secret);
        }
        Ok(Credential {
            scheme: scheme.to_owned(),
            secret: secret.to_owned(),
        })
    }

    /// The bytes sent to the server.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.secret.as_bytes().to_vec()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}:***)", self.scheme)
    }
}

/// Permission letters in the order ZooKeeper's CLI prints them.
const PERM_LETTERS: [(char, Perms); 5] = [
    ('c', Perms::CREATE),
    ('d', Perms::DELETE),
    ('r', Perms::READ),
    ('w', Perms::WRITE),
    ('a', Perms::ADMIN),
];

/// Parses permission letters (`cdrwa`, any order, each at most once).
pub fn perms(s: &str) -> Result<Perms, String> {
    let mut p = Perms::NONE;
    for ch in s.chars() {
        let bit = PERM_LETTERS
            .iter()
            .find(|(c, _)| *c == ch)
            .map(|(_, b)| *b)
            .ok_or_else(|| format!("unknown permission {ch:?} in {s:?} (use letters of cdrwa)"))?;
        p = p | bit;
    }
    if p == Perms::NONE {
        return Err("an ACL entry needs at least one permission of cdrwa".into());
    }
    Ok(p)
}

/// Shows permissions as letters (`cdrwa`), `-` for none.
pub fn show_perms(p: Perms) -> String {
    let s: String = PERM_LETTERS
        .iter()
        .filter(|(_, b)| p.contains(*b))
        .map(|(c, _)| *c)
        .collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// Parses ACL entries written `scheme:id:perms`, several separated by commas
/// (`world:anyone:r,digest:bob:HASH=:cdrwa`). The id may contain colons (digest ids do).
pub fn acl_list(s: &str) -> Result<Vec<Acl>, String> {
    s.split(',').map(|e| acl_entry(e.trim())).collect()
}

fn acl_entry(s: &str) -> Result<Acl, String> {
    let hint = "an ACL entry is scheme:id:perms, e.g. world:anyone:cdrwa or ip:10.0.0.1:r";
    let (scheme, rest) = s.split_once(':').ok_or_else(|| format!("{s:?}: {hint}"))?;
    let (id, letters) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?}: {hint}"))?;
    if scheme.is_empty() {
        return Err(format!("{s:?}: {hint}"));
    }
    Ok(Acl::new(perms(letters)?, Id::new(scheme, id)))
}

/// A four-letter word: exactly four ASCII lowercase letters (`ruok`, `srvr`, `mntr`...).
pub fn four_letter_word(s: &str) -> Result<String, String> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(s.to_owned())
    } else {
        Err(
            "a four-letter word is four lowercase letters, e.g. ruok, srvr, mntr, cons, wchc"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["", "s", "1x", "-1s", "1e400", "99999999999h", "1..2"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert!(positive_duration("0s").is_err());
        assert_eq!(show_duration(Duration::from_secs(3)), "3s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn paths() {
        assert!(znode_path("/a/b").is_ok());
        assert!(znode_path("a").unwrap_err().contains("must start with /"));
        assert!(znode_path("/a/").is_err());
        assert!(create_path("/q/").is_ok());
    }

    #[test]
    fn digest_credentials_never_show_the_secret() {
        let c = Credential::digest("ops:s3cret").unwrap();
        assert_eq!(c.secret_bytes(), b"ops:s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
        let e = Credential::digest("s3cret").unwrap_err();
        assert!(!e.contains("s3cret"));
        assert!(Credential::digest(":pw").is_err());
    }

    #[test]
    fn acls() {
        let a = acl_list("world:anyone:r, digest:bob:abc=:cdrwa,auth::cd").unwrap();
        assert_eq!(a[0], Acl::new(Perms::READ, Id::anyone()));
        assert_eq!(a[1].id, Id::new("digest", "bob:abc="));
        assert_eq!(a[1].perms, Perms::ALL);
        assert_eq!(a[2].id, Id::new("auth", ""));
        assert_eq!(show_perms(a[2].perms), "cd");
        assert_eq!(show_perms(Perms::ALL), "cdrwa");
        for bad in [
            "world",
            "world:anyone",
            "world:anyone:x",
            ":a:r",
            "world:anyone:",
        ] {
            assert!(acl_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn four_letter_words() {
        assert!(four_letter_word("ruok").is_ok());
        for bad in ["RUOK", "ruo", "ruokk", "ru k", "r\nok"] {
            assert!(four_letter_word(bad).is_err());
        }
    }
}
