//! [`NodeData`]: a cached node's path, data and stat (kazoo's `NodeData`).

use bytes::Bytes;
use kazoo_client::Stat;

/// A cached node: its path, data and stat (kazoo's `NodeData`).
///
/// The stat is the one read with the data; a cache refreshes it when it reads the node again
/// (its children-related fields may lag behind the server between two reads).
///
/// ```
/// use kazoo_recipes::cache::NodeData;
/// let n = NodeData { path: "/a".into(), data: bytes::Bytes::from_static(b"x"), stat: Default::default() };
/// assert_eq!(&n.data[..], b"x");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeData {
    /// The node's path (chroot-relative, as the client sees it).
    pub path: String,
    /// The node's data.
    pub data: Bytes,
    /// The node's stat.
    pub stat: Stat,
}

/// A private copy of data read from the server: a reply's data can be a slice of a large read
/// buffer, which a long-lived cache entry would otherwise keep alive whole.
pub(crate) fn own(data: Bytes) -> Bytes {
    if data.is_empty() {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(&data)
    }
}
