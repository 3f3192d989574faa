//! The connect string (kazoo's `hosts` argument): parsing it into hosts and a chroot, printing it
//! back, mapping paths in and out of the chroot, and resolving the hosts to socket addresses.
//!
//! Accepted syntax, kazoo's and ZooKeeper's: `h1:2181,h2,[::1]:2183,10.0.0.1/chroot/path`.
//!
//! - Entries are separated by commas; whitespace around an entry (and around the whole string) is
//!   ignored. An empty entry (`a,,b`, a trailing comma) is an error.
//! - The port is optional and defaults to [`DEFAULT_PORT`]; when present it is 1 to 65535 in plain
//!   decimal digits. `host:` (a colon and no port) is an error rather than a silent default.
//! - IPv6 literals go in brackets: `[::1]` or `[::1]:2183`. A bare IPv6 literal (`::1`) is refused:
//!   `::1:2181` could mean the address `::1:2181` or the address `::1` on port 2181, and guessing
//!   would connect somewhere the user did not mean. The error message shows the bracketed form.
//! - Host names are ASCII letters, digits, `-`, `_` and `.` (IPv4 literals included).
//! - Everything from the first `/` on is the chroot. It must be a valid ZooKeeper path (absolute,
//!   no empty segment, no `.` or `..` segment, no trailing slash, none of the characters ZooKeeper
//!   refuses). A chroot of `/` means no chroot.
//!
//! Any other input gives [`Error::Config`] with a message naming the offending entry; parsing never
//! panics (kazoo #303).

use crate::error::{Error, Result};
use rand::seq::SliceRandom;
use std::collections::HashSet;
use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// The port used when an entry names none: ZooKeeper's client port.
///
/// ```
/// assert_eq!(kazoo_client::hosts::DEFAULT_PORT, 2181);
/// ```
pub const DEFAULT_PORT: u16 = 2181;

/// Longest host name accepted (the DNS limit for a full name).
const MAX_HOST_LEN: usize = 253;

/// One server of the connect string: a host name or IP literal and a port.
///
/// `host` holds IPv6 literals without brackets; [`Display`](fmt::Display) adds them back, so the
/// printed form always parses to the same value:
///
/// ```
/// use kazoo_client::HostSpec;
/// let h: HostSpec = "[::1]:2183".parse()?;
/// assert_eq!(h, HostSpec { host: "::1".into(), port: 2183 });
/// assert_eq!(h.to_string(), "[::1]:2183");
/// assert_eq!("zk1".parse::<HostSpec>()?.to_string(), "zk1:2181");
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostSpec {
    /// Host name, IPv4 literal, or IPv6 literal without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl HostSpec {
    /// Parses one entry of a connect string (no commas, no chroot).
    ///
    /// ```
    /// use kazoo_client::HostSpec;
    /// assert_eq!(HostSpec::parse(" 10.0.0.1:2182 ")?, HostSpec { host: "10.0.0.1".into(), port: 2182 });
    /// assert!(HostSpec::parse("zk1:0").is_err());
    /// assert!(HostSpec::parse("::1").is_err()); // IPv6 needs brackets
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn parse(entry: &str) -> Result<HostSpec> {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(config("empty host entry"));
        }
        if let Some(rest) = entry.strip_prefix('[') {
            return parse_bracketed(entry, rest);
        }
        if entry.contains(']') {
            return Err(config(format!(
                "host entry {entry:?} has a ']' without a matching '['"
            )));
        }
        let (host, port) = match entry.split_once(':') {
            Some((_, after)) if after.contains(':') => {
                return Err(if entry.parse::<Ipv6Addr>().is_ok() {
                    config(format!(
                        "IPv6 address {entry:?} must be written in brackets, e.g. \"[{entry}]:{DEFAULT_PORT}\""
                    ))
                } else {
                    config(format!(
                        "host entry {entry:?} has more than one ':' (IPv6 addresses go in brackets, e.g. \"[::1]:{DEFAULT_PORT}\")"
                    ))
                });
            }
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        };
        validate_host_name(entry, host)?;
        Ok(HostSpec {
            host: host.to_owned(),
            port: parse_port(entry, port)?,
        })
    }

    /// True when `host` is an IPv6 literal (printed in brackets).
    ///
    /// ```
    /// use kazoo_client::HostSpec;
    /// assert!(HostSpec::parse("[fe80::1]")?.is_ipv6());
    /// assert!(!HostSpec::parse("127.0.0.1")?.is_ipv6());
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn is_ipv6(&self) -> bool {
        self.host.contains(':')
    }
}

fn parse_bracketed(entry: &str, rest: &str) -> Result<HostSpec> {
    let Some((addr, after)) = rest.split_once(']') else {
        return Err(config(format!(
            "host entry {entry:?} has a '[' without a matching ']'"
        )));
    };
    if addr.parse::<Ipv6Addr>().is_err() {
        return Err(config(format!(
            "host entry {entry:?}: {addr:?} in brackets is not an IPv6 address"
        )));
    }
    let port = match after {
        "" => None,
        _ => match after.strip_prefix(':') {
            Some(port) => Some(port),
            None => {
                return Err(config(format!(
                    "host entry {entry:?}: expected ':<port>' or nothing after ']', found {after:?}"
                )))
            }
        },
    };
    Ok(HostSpec {
        host: addr.to_owned(),
        port: parse_port(entry, port)?,
    })
}

fn validate_host_name(entry: &str, host: &str) -> Result<()> {
    if host.is_empty() {
        return Err(config(format!("host entry {entry:?} has no host name")));
    }
    if host.len() > MAX_HOST_LEN {
        return Err(config(format!(
            "host name in {entry:?} is longer than {MAX_HOST_LEN} characters"
        )));
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(config(format!(
            "host name in {entry:?} contains the character {bad:?}; allowed are ASCII letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn parse_port(entry: &str, port: Option<&str>) -> Result<u16> {
    let Some(port) = port else {
        return Ok(DEFAULT_PORT);
    };
    if port.is_empty() {
        return Err(config(format!(
            "host entry {entry:?} ends with ':' but names no port"
        )));
    }
    // `u16::from_str` accepts a leading '+', which is not a port number anyone writes.
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(config(format!(
            "port {port:?} in {entry:?} is not a decimal number"
        )));
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(config(format!(
            "port {port} in {entry:?} is out of range (1 to 65535)"
        ))),
        Ok(p) => Ok(p),
    }
}

impl FromStr for HostSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<HostSpec> {
        HostSpec::parse(s)
    }
}

impl fmt::Display for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6() {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A parsed connect string: the servers to try, in the order given, and the optional chroot.
///
/// ```
/// use kazoo_client::{HostList, HostSpec};
/// let list = HostList::parse("h1:2181, h2 ,[::1]:2183,10.0.0.1/chroot/path")?;
/// assert_eq!(list.hosts.len(), 4);
/// assert_eq!(list.hosts[1], HostSpec { host: "h2".into(), port: 2181 });
/// assert_eq!(list.chroot(), Some("/chroot/path"));
/// assert_eq!(list.to_string(), "h1:2181,h2:2181,[::1]:2183,10.0.0.1:2181/chroot/path");
/// assert_eq!(list.to_string().parse::<HostList>()?, list);
/// # Ok::<(), kazoo_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostList {
    /// The servers, in the order written (never empty after [`HostList::parse`]).
    pub hosts: Vec<HostSpec>,
    /// The chroot, a valid ZooKeeper path other than `/`, or `None`.
    pub chroot: Option<String>,
}

impl HostList {
    /// Parses a connect string; see the [module documentation](self) for the syntax.
    ///
    /// ```
    /// use kazoo_client::{Error, HostList};
    /// let list = HostList::parse("127.0.0.1")?;
    /// assert_eq!(list.to_string(), "127.0.0.1:2181");
    /// assert_eq!(list.chroot(), None);
    /// assert_eq!(HostList::parse("zk1/")?.chroot(), None); // "/" is no chroot
    /// for bad in ["", "a,,b", "a:99999", "[::1", "a/b/", "a/../b", "/app", "ü"] {
    ///     assert!(matches!(HostList::parse(bad), Err(Error::Config(_))), "{bad:?}");
    /// }
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<HostList> {
        let s = s.trim();
        if s.is_empty() {
            return Err(config("the hosts string is empty"));
        }
        let (hosts_part, chroot) = match s.find('/') {
            Some(i) => (&s[..i], parse_chroot(&s[i..])?),
            None => (s, None),
        };
        if hosts_part.trim().is_empty() {
            return Err(config(format!("the hosts string {s:?} names no host")));
        }
        let hosts = hosts_part
            .split(',')
            .enumerate()
            .map(|(i, entry)| {
                if entry.trim().is_empty() {
                    Err(config(format!(
                        "entry {} of the hosts string {s:?} is empty",
                        i + 1
                    )))
                } else {
                    HostSpec::parse(entry)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(HostList { hosts, chroot })
    }

    /// The chroot, if any: every path the client shows is relative to it.
    ///
    /// ```
    /// use kazoo_client::HostList;
    /// assert_eq!(HostList::parse("zk/app")?.chroot(), Some("/app"));
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn chroot(&self) -> Option<&str> {
        self.chroot.as_deref()
    }

    /// Maps a client path (chroot-relative, absolute) to the path sent to the server.
    ///
    /// ```
    /// use kazoo_client::HostList;
    /// let list = HostList::parse("zk/app")?;
    /// assert_eq!(list.to_server_path("/"), "/app");
    /// assert_eq!(list.to_server_path("/a/b"), "/app/a/b");
    /// assert_eq!(HostList::parse("zk")?.to_server_path("/a"), "/a");
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn to_server_path(&self, path: &str) -> String {
        match self.chroot() {
            None => path.to_owned(),
            Some(root) if path == "/" => root.to_owned(),
            Some(root) => format!("{root}{path}"),
        }
    }

    /// Maps a path the server reported (in a reply or a watch event) back to a client path.
    ///
    /// A path outside the chroot (which the server should never send) is returned unchanged.
    ///
    /// ```
    /// use kazoo_client::HostList;
    /// let list = HostList::parse("zk/app")?;
    /// assert_eq!(list.from_server_path("/app"), "/");
    /// assert_eq!(list.from_server_path("/app/a"), "/a");
    /// assert_eq!(list.from_server_path("/apple"), "/apple");
    /// # Ok::<(), kazoo_client::Error>(())
    /// ```
    pub fn from_server_path<'a>(&self, path: &'a str) -> &'a str {
        let Some(root) = self.chroot() else {
            return path;
        };
        match path.strip_prefix(root) {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => path,
        }
    }
}

impl FromStr for HostList {
    type Err = Error;

    fn from_str(s: &str) -> Result<HostList> {
        HostList::parse(s)
    }
}

impl fmt::Display for HostList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, host) in self.hosts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{host}")?;
        }
        if let Some(root) = self.chroot() {
            f.write_str(root)?;
        }
        Ok(())
    }
}

/// Validates a chroot the way ZooKeeper validates paths (`PathUtils.validatePath`).
fn parse_chroot(root: &str) -> Result<Option<String>> {
    if root == "/" {
        return Ok(None);
    }
    let bad = |why: &str| Err(config(format!("invalid chroot {root:?}: {why}")));
    if root.ends_with('/') {
        return bad("it must not end with '/'");
    }
    for segment in root.split('/').skip(1) {
        match segment {
            "" => return bad("it has an empty segment ('//')"),
            "." | ".." => return bad("relative segments ('.' and '..') are not allowed"),
            _ => {}
        }
    }
    if let Some(c) = root.chars().find(|&c| forbidden_path_char(c)) {
        return bad(&format!(
            "the character U+{:04X} is not allowed in ZooKeeper paths",
            u32::from(c)
        ));
    }
    Ok(Some(root.to_owned()))
}

/// Characters ZooKeeper's path validation refuses. The server checks UTF-16 code units, so every
/// character outside the basic plane (a surrogate pair there) is refused too.
fn forbidden_path_char(c: char) -> bool {
    matches!(u32::from(c),
        0x0000..=0x001F | 0x007F..=0x009F | 0xE000..=0xF8FF | 0xFFF0.. )
}

fn config(msg: impl Into<String>) -> Error {
    Error::Config(msg.into())
}

/// Resolves every host of `list` to all its addresses, for one connection cycle.
///
/// Names are looked up concurrently with tokio's resolver, so call this anew on every reconnect
/// cycle to follow DNS changes. The result keeps the order of the list (each name's addresses in
/// resolver order) with duplicates dropped, unless `shuffle` is set, which randomizes it (kazoo's
/// `randomize_hosts`) so that clients spread over the ensemble. A name that does not resolve is
/// skipped with a warning; when nothing resolves the result is empty and the caller treats the
/// cycle as failed.
///
/// ```
/// use kazoo_client::HostList;
/// use kazoo_client::hosts::resolve_all;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kazoo_client::Result<()> {
/// let list = HostList::parse("127.0.0.1:2181,[::1]:2182")?;
/// let addrs = resolve_all(&list, false).await;
/// assert_eq!(addrs, vec!["127.0.0.1:2181".parse().unwrap(), "[::1]:2182".parse().unwrap()]);
/// # Ok(())
/// # }
/// ```
pub async fn resolve_all(list: &HostList, shuffle: bool) -> Vec<SocketAddr> {
    let lookups = list.hosts.iter().map(|spec| async move {
        match tokio::net::lookup_host((spec.host.as_str(), spec.port)).await {
            Ok(addrs) => addrs.collect::<Vec<_>>(),
            Err(e) => {
                tracing::warn!(host = %spec, error = %e, "could not resolve ZooKeeper host");
                Vec::new()
            }
        }
    });
    let mut seen = HashSet::new();
    let mut addrs: Vec<SocketAddr> = futures::future::join_all(lookups)
        .await
        .into_iter()
        .flatten()
        .filter(|addr| seen.insert(*addr))
        .collect();
    if shuffle {
        addrs.shuffle(&mut rand::thread_rng());
    }
    addrs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(host: &str, port: u16) -> HostSpec {
        HostSpec {
            host: host.into(),
            port,
        }
    }

    fn config_message(s: &str) -> String {
        match HostList::parse(s) {
            Err(Error::Config(msg)) => msg,
            other => panic!("{s:?} parsed to {other:?}, expected a configuration error"),
        }
    }

    #[test]
    fn parses_the_full_syntax() {
        let list = HostList::parse("h1:2181,h2,[::1]:2183,10.0.0.1/chroot/path").unwrap();
        assert_eq!(
            list.hosts,
            vec![
                spec("h1", 2181),
                spec("h2", 2181),
                spec("::1", 2183),
                spec("10.0.0.1", 2181)
            ]
        );
        assert_eq!(list.chroot(), Some("/chroot/path"));
    }

    #[test]
    fn tolerates_whitespace_around_entries_and_the_string() {
        let list = HostList::parse("  h1:1 ,\th2\n, [::1] /app\n").unwrap();
        assert_eq!(
            list.hosts,
            vec![spec("h1", 1), spec("h2", 2181), spec("::1", 2181)]
        );
        assert_eq!(list.chroot(), Some("/app"));
    }

    #[test]
    fn bracketed_ipv6_with_and_without_port() {
        let list = HostList::parse("[fe80::1:2]:65535,[::ffff:10.0.0.1]").unwrap();
        assert_eq!(
            list.hosts,
            vec![spec("fe80::1:2", 65535), spec("::ffff:10.0.0.1", 2181)]
        );
        assert_eq!(list.to_string(), "[fe80::1:2]:65535,[::ffff:10.0.0.1]:2181");
    }

    #[test]
    fn bare_ipv6_is_refused_with_the_bracketed_form_suggested() {
        let msg = config_message("::1");
        assert!(msg.contains("\"[::1]:2181\""), "{msg}");
        let msg = config_message("a:b:c");
        assert!(msg.contains("more than one ':'"), "{msg}");
    }

    #[test]
    fn root_chroot_means_none() {
        assert_eq!(HostList::parse("h/").unwrap().chroot, None);
        assert_eq!(HostList::parse("h/").unwrap().to_string(), "h:2181");
    }

    #[test]
    fn empty_inputs_and_entries_are_config_errors() {
        for s in [
            "", "   ", ",", "a,,b", "a,", ",a", "a, ,b", "/", "/app", " /app",
        ] {
            config_message(s);
        }
        assert!(config_message("a,,b").contains("entry 2"));
        assert!(config_message("").contains("empty"));
    }

    #[test]
    fn bad_ports_are_config_errors() {
        for s in [
            "a:0",
            "a:65536",
            "a:99999999999999999999",
            "a:-1",
            "a:+80",
            "a:12x",
            "a:",
            "a: 80",
            "[::1]:0",
            "[::1]:",
            "[::1]:x",
            "[::1]80",
        ] {
            config_message(s);
        }
        assert!(config_message("a:0").contains("out of range"));
        assert!(config_message("a:").contains("names no port"));
        assert!(config_message("a:x1").contains("not a decimal number"));
        assert_eq!(HostList::parse("a:65535").unwrap().hosts[0].port, 65535);
        assert_eq!(HostList::parse("a:1").unwrap().hosts[0].port, 1);
        assert_eq!(HostList::parse("a:002181").unwrap().hosts[0].port, 2181);
    }

    #[test]
    fn unbalanced_brackets_and_bad_literals_are_config_errors() {
        for s in [
            "[::1",
            "::1]",
            "[::1]]",
            "[[::1]]",
            "[]",
            "[zk1]:2181",
            "a]",
            "[::1]:2181:",
        ] {
            config_message(s);
        }
        assert!(config_message("[::1").contains("without a matching ']'"));
        assert!(config_message("::1]").contains("without a matching '['"));
        assert!(config_message("[zk1]").contains("not an IPv6 address"));
    }

    #[test]
    fn bad_host_names_are_config_errors() {
        for s in ["a b", "zk@1", "ü", "h\0", "a:2181:"] {
            config_message(s);
        }
        config_message(&"a".repeat(MAX_HOST_LEN + 1));
        assert!(HostList::parse(&"a".repeat(MAX_HOST_LEN)).is_ok());
        assert!(HostList::parse("zk-1.example_net.com").is_ok());
    }

    #[test]
    fn invalid_chroots_are_config_errors() {
        for s in [
            "h/a/",
            "h//a",
            "h/a//b",
            "h/.",
            "h/..",
            "h/a/./b",
            "h/a/../b",
            "h/a/..",
            "h/a\u{1}",
            "h/a\u{7f}",
            "h/a\u{e000}",
            "h/a\u{fff0}",
            "h/a\u{1F600}",
            "h/a\0b",
        ] {
            let msg = config_message(s);
            assert!(msg.contains("invalid chroot"), "{s:?}: {msg}");
        }
        for ok in ["h/a.b", "h/.a", "h/a..", "h/...", "h/a b/ü", "h/zookeeper"] {
            assert!(HostList::parse(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "h1:2181,h2,[::1]:2183,10.0.0.1/chroot/path",
            "a",
            "[::]:1/x",
            "a:2,a:2",
        ] {
            let list = HostList::parse(s).unwrap();
            assert_eq!(HostList::parse(&list.to_string()).unwrap(), list, "{s}");
        }
    }

    #[test]
    fn chroot_path_mapping() {
        let list = HostList::parse("zk/a/b").unwrap();
        assert_eq!(list.to_server_path("/"), "/a/b");
        assert_eq!(list.to_server_path("/c"), "/a/b/c");
        assert_eq!(list.from_server_path("/a/b"), "/");
        assert_eq!(list.from_server_path("/a/b/c/d"), "/c/d");
        assert_eq!(list.from_server_path("/a/bc"), "/a/bc");
        assert_eq!(list.from_server_path("/a"), "/a");
        let plain = HostList::parse("zk").unwrap();
        assert_eq!(plain.to_server_path("/c"), "/c");
        assert_eq!(plain.from_server_path("/c"), "/c");
    }

    #[tokio::test]
    async fn resolves_literals_in_order_without_duplicates() {
        let list = HostList::parse("127.0.0.1:1,[::1]:2,127.0.0.1:1,127.0.0.2").unwrap();
        let addrs = resolve_all(&list, false).await;
        let want: Vec<SocketAddr> = ["127.0.0.1:1", "[::1]:2", "127.0.0.2:2181"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!(addrs, want);
    }

    #[tokio::test]
    async fn resolves_names_to_all_their_addresses() {
        let list = HostList::parse("localhost:2999").unwrap();
        let addrs = resolve_all(&list, false).await;
        let expected: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs("localhost:2999")
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 2999));
        let mut expected_unique = Vec::new();
        for a in expected {
            if !expected_unique.contains(&a) {
                expected_unique.push(a);
            }
        }
        assert_eq!(addrs, expected_unique);
    }

    #[tokio::test]
    async fn unresolvable_names_are_skipped() {
        let list = HostList::parse("no-such-host.invalid,127.0.0.1:7").unwrap();
        let addrs = resolve_all(&list, false).await;
        assert_eq!(addrs, vec!["127.0.0.1:7".parse::<SocketAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn shuffling_permutes_the_same_addresses() {
        let text = (1..=40)
            .map(|i| format!("127.0.0.{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let list = HostList::parse(&text).unwrap();
        let ordered = resolve_all(&list, false).await;
        assert_eq!(ordered.len(), 40);
        let mut orders = HashSet::new();
        for _ in 0..5 {
            let shuffled = resolve_all(&list, true).await;
            let mut sorted = shuffled.clone();
            sorted.sort();
            let mut want = ordered.clone();
            want.sort();
            assert_eq!(sorted, want);
            orders.insert(shuffled);
        }
        // Five shuffles of 40 items all equal has probability 1/(40!)^4: a broken shuffle.
        assert!(orders.len() > 1);
    }

    fn host_spec() -> impl Strategy<Value = HostSpec> {
        let name = "[a-zA-Z0-9_-]{1,10}(\\.[a-zA-Z0-9_-]{1,10}){0,3}";
        let v6 = any::<[u16; 8]>().prop_map(|s| Ipv6Addr::from(s).to_string());
        (prop_oneof![name.prop_map(String::from), v6], 1..=u16::MAX)
            .prop_map(|(host, port)| HostSpec { host, port })
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = HostList::parse(&s);
        }

        #[test]
        fn connect_string_like_strings_never_panic(s in "[a-z0-9:\\[\\]/,. \\-]{0,40}") {
            if let Ok(list) = HostList::parse(&s) {
                prop_assert!(!list.hosts.is_empty());
                prop_assert_eq!(HostList::parse(&list.to_string()).unwrap(), list);
            }
        }

        #[test]
        fn valid_lists_round_trip(
            hosts in prop::collection::vec(host_spec(), 1..5),
            chroot in prop::option::of("(/[a-z0-9.]{1,5}){1,3}"),
        ) {
            let chroot = chroot.filter(|c| !c.split('/').any(|s| s == "." || s == ".."));
            let list = HostList { hosts, chroot };
            prop_assert_eq!(HostList::parse(&list.to_string()).unwrap(), list);
        }
    }
}
