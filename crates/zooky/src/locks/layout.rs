//! Recognising lock contender nodes by name, and who holds a lock.
//!
//! | layout  | exclusive                                   | shared       |
//! |---------|---------------------------------------------|--------------|
//! | kazoo   | `{uuid}__lock__{seq}`                       | `{uuid}__rlock__{seq}` |
//! | Curator | `_c_{uuid}-lock-{seq}`, `..__WRIT__{seq}`   | `..__READ__{seq}` |
//! | zktools | `lock{seq}`, `write-{seq}`                  | `read-{seq}` |
//!
//! All three order contenders by the sequence suffix and block the same way (kazoo's rule,
//! which Curator's read/write lock and zktools' shared locks share): an exclusive contender
//! waits for every earlier contender, a shared one only for earlier exclusive ones.

use kazoo::proto::path::split_sequence;
use serde::Serialize;

/// Which library's naming a contender follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Python kazoo (and kazoo for Rust).
    Kazoo,
    /// Apache Curator.
    Curator,
    /// Mozilla zktools.
    Zktools,
}

impl Layout {
    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Kazoo => "kazoo",
            Layout::Curator => "curator",
            Layout::Zktools => "zktools",
        }
    }
}

/// What a contender asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A plain (exclusive) lock.
    Lock,
    /// A write lock: exclusive.
    Write,
    /// A read lock: shared with other readers.
    Read,
}

impl Kind {
    /// True for kinds that exclude everyone else.
    pub fn exclusive(self) -> bool {
        !matches!(self, Kind::Read)
    }

    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Lock => "lock",
            Kind::Write => "write",
            Kind::Read => "read",
        }
    }
}

/// A child name recognised as a lock contender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contender {
    /// The naming it follows.
    pub layout: Layout,
    /// What it asks for.
    pub kind: Kind,
    /// Its sequence number (negative after the server's counter wrapped).
    pub seq: i64,
}

/// Recognises a contender's name; `None` for any other child.
pub fn classify(name: &str) -> Option<Contender> {
    let (prefix, seq) = split_sequence(name)?;
    let (layout, kind) = if prefix.ends_with("__rlock__") {
        (Layout::Kazoo, Kind::Read)
    } else if prefix.ends_with("__lock__") {
        (Layout::Kazoo, Kind::Lock)
    } else if prefix.ends_with("__READ__") {
        (Layout::Curator, Kind::Read)
    } else if prefix.ends_with("__WRIT__") {
        (Layout::Curator, Kind::Write)
    } else if prefix.starts_with("_c_") && prefix.ends_with("-lock-") || prefix == "lock-" {
        (Layout::Curator, Kind::Lock)
    } else if prefix == "lock" {
        (Layout::Zktools, Kind::Lock)
    } else if prefix == "write-" {
        (Layout::Zktools, Kind::Write)
    } else if prefix == "read-" {
        (Layout::Zktools, Kind::Read)
    } else {
        return None;
    };
    Some(Contender { layout, kind, seq })
}

/// For contenders sorted by sequence, which of them hold the lock now.
pub fn holders(sorted: &[Kind]) -> Vec<bool> {
    let mut seen_any = false;
    let mut seen_exclusive = false;
    sorted
        .iter()
        .map(|k| {
            let holds = if k.exclusive() {
                !seen_any
            } else {
                !seen_exclusive
            };
            seen_any = true;
            seen_exclusive |= k.exclusive();
            holds
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_layout() {
        let u = "0123456789abcdef0123456789abcdef";
        let c = |n: &str| classify(n).map(|c| (c.layout, c.kind, c.seq));
        assert_eq!(
            c(&format!("{u}__lock__0000000007")),
            Some((Layout::Kazoo, Kind::Lock, 7))
        );
        assert_eq!(
            c(&format!("{u}__rlock__0000000008")),
            Some((Layout::Kazoo, Kind::Read, 8))
        );
        assert_eq!(
            c(&format!("{u}__lock__-000000003")),
            Some((Layout::Kazoo, Kind::Lock, -3))
        );
        let g = "_c_4c3f2b1a-0000-1111-2222-333344445555";
        assert_eq!(
            c(&format!("{g}-lock-0000000001")),
            Some((Layout::Curator, Kind::Lock, 1))
        );
        assert_eq!(
            c(&format!("{g}-__READ__0000000002")),
            Some((Layout::Curator, Kind::Read, 2))
        );
        assert_eq!(
            c(&format!("{g}-__WRIT__0000000003")),
            Some((Layout::Curator, Kind::Write, 3))
        );
        assert_eq!(c("lock0000000004"), Some((Layout::Zktools, Kind::Lock, 4)));
        assert_eq!(
            c("write-0000000002"),
            Some((Layout::Zktools, Kind::Write, 2))
        );
        assert_eq!(c("read-0000000005"), Some((Layout::Zktools, Kind::Read, 5)));
        for other in [
            "lease_holder",
            &format!("{u}__party__"),
            "entry-100-0000000001",
            &format!("{g}-latch-0000000001"),
            "lock",
            "",
        ] {
            assert_eq!(c(other), None, "{other}");
        }
    }

    #[test]
    fn holders_follow_kazoos_rule() {
        use Kind::*;
        assert_eq!(holders(&[]), Vec::<bool>::new());
        assert_eq!(holders(&[Lock, Lock]), [true, false]);
        assert_eq!(
            holders(&[Read, Read, Write, Read]),
            [true, true, false, false]
        );
        assert_eq!(holders(&[Write, Read, Read]), [true, false, false]);
        assert_eq!(holders(&[Read, Lock]), [true, false]);
    }
}
