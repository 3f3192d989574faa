//! The `Stat` record: a znode's metadata.

use crate::codec::{Decode, DecodeError, Encode, Reader};
use bytes::{BufMut, BytesMut};

/// Metadata of a znode, as returned by exists, getData, setData and others.
///
/// ```
/// use kazoo_proto::Stat;
/// let stat = Stat { version: 3, num_children: 2, ..Stat::default() };
/// assert_eq!(stat.children_count(), 2);
/// assert!(!stat.is_ephemeral());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Stat {
    /// zxid of the change that created the node.
    pub czxid: i64,
    /// zxid of the change that last modified the node's data.
    pub mzxid: i64,
    /// Creation time in milliseconds since the epoch.
    pub ctime: i64,
    /// Last modification time in milliseconds since the epoch.
    pub mtime: i64,
    /// Number of changes to the data.
    pub version: i32,
    /// Number of changes to the children.
    pub cversion: i32,
    /// Number of changes to the ACL.
    pub aversion: i32,
    /// Session id of the owner if the node is ephemeral, else 0.
    pub ephemeral_owner: i64,
    /// Length of the data.
    pub data_length: i32,
    /// Number of children.
    pub num_children: i32,
    /// zxid of the last change to the children.
    pub pzxid: i64,
}

impl Stat {
    /// Encoded size: 68 bytes.
    pub const LEN: usize = 68;

    /// kazoo's `creation_transaction_id`.
    pub fn creation_transaction_id(&self) -> i64 {
        self.czxid
    }
    /// kazoo's `last_modified_transaction_id`.
    pub fn last_modified_transaction_id(&self) -> i64 {
        self.mzxid
    }
    /// kazoo's `created`: creation time in seconds since the epoch.
    pub fn created(&self) -> f64 {
        self.ctime as f64 / 1000.0
    }
    /// kazoo's `last_modified`: modification time in seconds since the epoch.
    pub fn last_modified(&self) -> f64 {
        self.mtime as f64 / 1000.0
    }
    /// kazoo's `data_length`.
    pub fn data_len(&self) -> usize {
        self.data_length.max(0) as usize
    }
    /// kazoo's `children_count`.
    pub fn children_count(&self) -> usize {
        self.num_children.max(0) as usize
    }
    /// kazoo's `children_version`.
    pub fn children_version(&self) -> i32 {
        self.cversion
    }
    /// kazoo's `acl_version`.
    pub fn acl_version(&self) -> i32 {
        self.aversion
    }
    /// True if the node is ephemeral.
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral_owner != 0
    }
    /// The owning session of an ephemeral node.
    pub fn owner_session_id(&self) -> Option<i64> {
        (self.ephemeral_owner != 0).then_some(self.ephemeral_owner)
    }
}

impl Encode for Stat {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i64(self.czxid);
        b.put_i64(self.mzxid);
        b.put_i64(self.ctime);
        b.put_i64(self.mtime);
        b.put_i32(self.version);
        b.put_i32(self.cversion);
        b.put_i32(self.aversion);
        b.put_i64(self.ephemeral_owner);
        b.put_i32(self.data_length);
        b.put_i32(self.num_children);
        b.put_i64(self.pzxid);
    }
    fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

impl Stat {
    /// Decodes a stat from the first [`Stat::LEN`] bytes of `b` with one length check (the
    /// fast path of clients decoding replies straight from a frame).
    ///
    /// ```
    /// use kazoo_proto::{Encode, Stat};
    /// let stat = Stat { version: 3, ..Stat::default() };
    /// let mut b = bytes::BytesMut::new();
    /// stat.encode(&mut b);
    /// assert_eq!(Stat::from_slice(&b).unwrap(), stat);
    /// assert!(Stat::from_slice(&b[..10]).is_err());
    /// ```
    pub fn from_slice(b: &[u8]) -> Result<Stat, DecodeError> {
        let Some(b) = b.get(..Self::LEN) else {
            return Err(DecodeError::Truncated {
                needed: Self::LEN,
                remaining: b.len(),
            });
        };
        let i64_at = |o: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[o..o + 8]);
            i64::from_be_bytes(x)
        };
        let i32_at = |o: usize| {
            let mut x = [0u8; 4];
            x.copy_from_slice(&b[o..o + 4]);
            i32::from_be_bytes(x)
        };
        Ok(Stat {
            czxid: i64_at(0),
            mzxid: i64_at(8),
            ctime: i64_at(16),
            mtime: i64_at(24),
            version: i32_at(32),
            cversion: i32_at(36),
            aversion: i32_at(40),
            ephemeral_owner: i64_at(44),
            data_length: i32_at(52),
            num_children: i32_at(56),
            pzxid: i64_at(60),
        })
    }
}

impl Decode for Stat {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Stat::from_slice(r.take(Self::LEN)?)
    }
}
