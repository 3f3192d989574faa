//! ACL types: identities, permissions, ACL entries and the well-known ACL sets.

use crate::codec::{buffer_len, Decode, DecodeError, Encode, Reader, WriteExt};
use base64::Engine as _;
use bytes::{BufMut, BytesMut};
use sha1::{Digest, Sha1};

/// Permission bits of an ACL entry.
///
/// ```
/// use kazoo_proto::Perms;
/// let p = Perms::READ | Perms::WRITE;
/// assert!(p.contains(Perms::READ));
/// assert!(!p.contains(Perms::ADMIN));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Perms(pub i32);

impl Perms {
    /// Read data and list children.
    pub const READ: Perms = Perms(1);
    /// Set data.
    pub const WRITE: Perms = Perms(2);
    /// Create children.
    pub const CREATE: Perms = Perms(4);
    /// Delete children.
    pub const DELETE: Perms = Perms(8);
    /// Set ACLs.
    pub const ADMIN: Perms = Perms(16);
    /// Everything.
    pub const ALL: Perms = Perms(31);
    /// Nothing.
    pub const NONE: Perms = Perms(0);

    /// True if every bit of `other` is set.
    pub fn contains(self, other: Perms) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Perms {
    type Output = Perms;
    fn bitor(self, rhs: Perms) -> Perms {
        Perms(self.0 | rhs.0)
    }
}

impl std::fmt::Debug for Perms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (Perms::READ, "READ"),
            (Perms::WRITE, "WRITE"),
            (Perms::CREATE, "CREATE"),
            (Perms::DELETE, "DELETE"),
            (Perms::ADMIN, "ADMIN"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
            .collect();
        if set.is_empty() {
            write!(f, "Perms(NONE)")
        } else {
            write!(f, "Perms({})", set.join("|"))
        }
    }
}

/// An identity: a scheme and an id within it (`world:anyone`, `digest:user:hash`, `ip:10.0.0.1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id {
    /// The scheme, such as `world`, `auth`, `digest`, `ip`, `sasl`, `x509`.
    pub scheme: String,
    /// The id within the scheme.
    pub id: String,
}

impl Id {
    /// Builds an id.
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Id {
        Id {
            scheme: scheme.into(),
            id: id.into(),
        }
    }
    /// `world:anyone`.
    pub fn anyone() -> Id {
        Id::new("world", "anyone")
    }
    /// `auth:` (the authenticated identities of the creator).
    pub fn creator() -> Id {
        Id::new("auth", "")
    }
}

impl Encode for Id {
    fn encode(&self, b: &mut BytesMut) {
        b.put_jute_string(&self.scheme);
        b.put_jute_string(&self.id);
    }
    fn encoded_len(&self) -> usize {
        buffer_len(self.scheme.as_bytes()) + buffer_len(self.id.as_bytes())
    }
}

impl Decode for Id {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Id {
            scheme: r.read_string()?,
            id: r.read_string()?,
        })
    }
}

/// One ACL entry: permissions granted to an identity.
///
/// ```
/// use kazoo_proto::{Acl, Perms};
/// let acl = Acl::digest("alice", "secret", Perms::ALL);
/// assert_eq!(acl.id.scheme, "digest");
/// assert!(acl.id.id.starts_with("alice:"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Acl {
    /// Granted permissions.
    pub perms: Perms,
    /// Who they are granted to.
    pub id: Id,
}

impl Acl {
    /// Builds an entry (kazoo's `make_acl` with explicit perms).
    pub fn new(perms: Perms, id: Id) -> Acl {
        Acl { perms, id }
    }

    /// `world:anyone` with all permissions (`OPEN_ACL_UNSAFE`).
    pub fn open_unsafe() -> Vec<Acl> {
        vec![Acl::new(Perms::ALL, Id::anyone())]
    }

    /// All permissions for the creator's authenticated identities (`CREATOR_ALL_ACL`).
    pub fn creator_all() -> Vec<Acl> {
        vec![Acl::new(Perms::ALL, Id::creator())]
    }

    /// Read permission for anyone (`READ_ACL_UNSAFE`).
    pub fn read_unsafe() -> Vec<Acl> {
        vec![Acl::new(Perms::READ, Id::anyone())]
    }

    /// A digest ACL for `username` / `password` (kazoo's `make_digest_acl`).
    pub fn digest(username: &str, password: &str, perms: Perms) -> Acl {
        Acl::new(perms, Id::new("digest", digest_id(username, password)))
    }
}

/// The digest identity of a user: `user:base64(sha1("user:password"))`
/// (kazoo's `make_digest_acl_credential`).
pub fn digest_id(username: &str, password: &str) -> String {
    let mut h = Sha1::new();
    h.update(username.as_bytes());
    h.update(b":");
    h.update(password.as_bytes());
    let digest = base64::engine::general_purpose::STANDARD.encode(h.finalize());
    format!("{username}:{digest}")
}

impl Encode for Acl {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.perms.0);
        self.id.encode(b);
    }
    fn encoded_len(&self) -> usize {
        4 + self.id.encoded_len()
    }
}

impl Decode for Acl {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Acl {
            perms: Perms(r.read_i32()?),
            id: Id::decode(r)?,
        })
    }
}

/// Encodes a list of ACL entries.
pub fn encode_acl_list(acl: &[Acl], b: &mut BytesMut) {
    b.put_i32(acl.len() as i32);
    for a in acl {
        a.encode(b);
    }
}

/// Encoded size of a list of ACL entries.
pub fn acl_list_len(acl: &[Acl]) -> usize {
    4 + acl.iter().map(Encode::encoded_len).sum::<usize>()
}

/// Decodes a list of ACL entries.
pub fn decode_acl_list(r: &mut Reader) -> Result<Vec<Acl>, DecodeError> {
    r.read_vec(12, Acl::decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_zookeeper() {
        // Known value: DigestAuthenticationProvider.generateDigest("super:test").
        assert_eq!(
            digest_id("super", "test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
    }
}
