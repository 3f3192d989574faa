//! Contender node names: which children of a lock path take part, their sequence suffix, and
//! who comes before whom. Kept apart from the I/O so the rules (kazoo's, node for node) are
//! unit-tested on their own.

/// The name part after the contender uuid of an exclusive or write lock node.
pub(crate) const LOCK_NAME: &str = "__lock__";
/// The name part after the contender uuid of a read lock node.
pub(crate) const READ_LOCK_NAME: &str = "__rlock__";

/// Matches children that end with one of a set of literal patterns followed by a sequence
/// suffix (`-?` and ten digits), as kazoo's `(?:patterns)(-?\d{10})$`.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    patterns: Vec<String>,
}

impl Matcher {
    /// A matcher for these patterns (taken literally; empty ones are ignored).
    pub(crate) fn new<I, S>(patterns: I) -> Matcher
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut patterns: Vec<String> = patterns
            .into_iter()
            .map(Into::into)
            .filter(|p| !p.is_empty())
            .collect();
        patterns.sort();
        patterns.dedup();
        Matcher { patterns }
    }

    /// The sequence suffix of `name` if it takes part, else `None`.
    ///
    /// Like the regex search, the leftmost possible match wins: a negative suffix (`-` and ten
    /// digits) is preferred when a pattern ends right before its `-`.
    pub(crate) fn sequence<'a>(&self, name: &'a str) -> Option<&'a str> {
        let bytes = name.as_bytes();
        if bytes.len() < 10 {
            return None;
        }
        let digits_at = bytes.len() - 10;
        if !bytes[digits_at..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let negative = digits_at >= 1 && bytes[digits_at - 1] == b'-';
        // The candidate with the leftmost start: with a sign the pattern must end one byte
        // earlier; among patterns, the longest one starts leftmost.
        let mut best: Option<(usize, usize)> = None; // (start, sequence start)
        for p in &self.patterns {
            let mut consider = |head_end: usize, seq_at: usize| {
                if name[..head_end].ends_with(p.as_str()) {
                    let start = head_end - p.len();
                    if best.map_or(true, |(s, _)| start < s) {
                        best = Some((start, seq_at));
                    }
                }
            };
            if negative {
                consider(digits_at - 1, digits_at - 1);
            }
            consider(digits_at, digits_at);
        }
        best.map(|(_, seq_at)| &name[seq_at..])
    }
}

/// Where our node stands among the children of the lock path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Position {
    /// Our node is not among the children (deleted, or the session that owned it expired).
    Missing,
    /// No blocking contender has a smaller sequence: the lock is ours.
    First,
    /// The blocking contender right before us: watch it.
    After(String),
}

/// Our node's position. `own` is our node's name, `prefix` the part of it before the
/// sequence (`{uuid}__lock__`); sequences compare as strings, as kazoo and Curator do.
pub(crate) fn position(
    children: &[String],
    own: &str,
    prefix: &str,
    blockers: &Matcher,
) -> Position {
    let Some(own_seq) = own.strip_prefix(prefix) else {
        return Position::Missing;
    };
    if !children.iter().any(|c| c == own) {
        return Position::Missing;
    }
    children
        .iter()
        .filter_map(|c| blockers.sequence(c).map(|s| (s, c)))
        .filter(|(s, _)| *s < own_seq)
        .max()
        .map_or(Position::First, |(_, c)| Position::After(c.clone()))
}

/// The children that take part according to `all`, ordered by sequence.
pub(crate) fn ordered(children: &[String], all: &Matcher) -> Vec<String> {
    let mut found: Vec<(&str, &String)> = children
        .iter()
        .filter_map(|c| all.sequence(c).map(|s| (s, c)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sequences_follow_kazoos_regex() {
        let m = Matcher::new([LOCK_NAME]);
        assert_eq!(m.sequence("abc__lock__0000000012"), Some("0000000012"));
        assert_eq!(m.sequence("abc__lock__-0000000012"), Some("-0000000012"));
        assert_eq!(m.sequence("abc__rlock__0000000012"), None);
        assert_eq!(m.sequence("abc__lock__000000012"), None);
        assert_eq!(m.sequence("abc__lock__00000000x2"), None);
        assert_eq!(m.sequence("0000000012"), None);
        assert_eq!(m.sequence(""), None);
        let curator = Matcher::new([LOCK_NAME, "-lock-"]);
        assert_eq!(
            curator.sequence("_c_0d3c2d3a-2fb8-4a62-9c1e-4c0e3b3a7d51-lock-0000000003"),
            Some("0000000003")
        );
    }

    #[test]
    fn non_ascii_names_do_not_panic() {
        let m = Matcher::new(["é"]);
        assert_eq!(m.sequence("xé0000000001"), Some("0000000001"));
        assert_eq!(m.sequence("ééééééééééé"), None);
        assert_eq!(m.sequence("é-0000000001"), Some("-0000000001"));
    }

    #[test]
    fn readers_wait_only_for_writers() {
        let children = names(&[
            "a__rlock__0000000001",
            "b__lock__0000000002",
            "c__rlock__0000000003",
            "d__rlock__0000000004",
        ]);
        let readers = Matcher::new([LOCK_NAME]);
        let writers = Matcher::new([LOCK_NAME, READ_LOCK_NAME]);
        assert_eq!(
            position(&children, "a__rlock__0000000001", "a__rlock__", &readers),
            Position::First
        );
        assert_eq!(
            position(&children, "d__rlock__0000000004", "d__rlock__", &readers),
            Position::After("b__lock__0000000002".into())
        );
        assert_eq!(
            position(&children, "b__lock__0000000002", "b__lock__", &writers),
            Position::After("a__rlock__0000000001".into())
        );
        assert_eq!(
            position(&children, "z__lock__0000000009", "z__lock__", &writers),
            Position::Missing
        );
    }

    #[test]
    fn contenders_are_ordered_by_sequence_not_name() {
        let children = names(&[
            "z__lock__0000000001",
            "a__lock__0000000002",
            "junk",
            "m__rlock__0000000000",
        ]);
        assert_eq!(
            ordered(&children, &Matcher::new([LOCK_NAME])),
            names(&["z__lock__0000000001", "a__lock__0000000002"])
        );
        assert_eq!(
            ordered(&children, &Matcher::new([LOCK_NAME, READ_LOCK_NAME])),
            names(&[
                "m__rlock__0000000000",
                "z__lock__0000000001",
                "a__lock__0000000002"
            ])
        );
    }
}
