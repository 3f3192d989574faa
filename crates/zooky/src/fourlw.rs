//! Four-letter words sent to every server of the host list, each on its own short TCP
//! connection and without a session, so they work when the ensemble has no quorum; and the
//! parsing of `srvr` answers.

use kazoo::hosts::HostSpec;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most bytes read from one answer (`dump` and `cons` can be long, not unbounded).
const MAX_ANSWER: u64 = 16 << 20;

/// One server's answer, or why there is none.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The server as written in the host list (`host:port`).
    pub host: String,
    /// The text, or the error.
    pub result: Result<String, String>,
}

/// Sends `word` to every host at once and returns the answers in host-list order.
pub async fn ask_all(hosts: &[HostSpec], word: &str, timeout: Duration) -> Vec<Answer> {
    let mut set = tokio::task::JoinSet::new();
    for (i, h) in hosts.iter().enumerate() {
        let h = h.clone();
        let word = word.to_owned();
        set.spawn(async move { (i, ask(&h, &word, timeout).await) });
    }
    let mut answers: Vec<Option<Result<String, String>>> = vec![None; hosts.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            answers[i] = Some(r);
        }
    }
    hosts
        .iter()
        .zip(answers)
        .map(|(h, r)| Answer {
            host: h.to_string(),
            result: r.unwrap_or_else(|| Err("the query task failed".into())),
        })
        .collect()
}

/// Sends one word to one server.
pub async fn ask(host: &HostSpec, word: &str, timeout: Duration) -> Result<String, String> {
    let run = async {
        let mut s = tokio::net::TcpStream::connect((host.host.as_str(), host.port)).await?;
        s.write_all(word.as_bytes()).await?;
        let mut out = Vec::new();
        s.take(MAX_ANSWER).read_to_end(&mut out).await?;
        Ok::<_, std::io::Error>(out)
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(out)) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no answer within {}",
            crate::args::show_duration(timeout)
        )),
    }
}

/// What `srvr` says about a server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Srvr {
    /// `leader`, `follower`, `observer`, `standalone`, or `read-only`.
    pub mode: Option<String>,
    /// Last zxid, as printed (`0x1a`).
    pub zxid: Option<String>,
    /// Latency min/avg/max in ms, as printed (`0/0.1/3`).
    pub latency: Option<String>,
    /// Open client connections.
    pub connections: Option<u64>,
    /// Outstanding requests.
    pub outstanding: Option<u64>,
    /// Znode count.
    pub node_count: Option<u64>,
    /// Server version (`3.8.0`).
    pub version: Option<String>,
    /// Set when the server answered that it is not serving (no quorum).
    pub not_serving: bool,
}

/// Reads a `srvr` answer; unknown lines are ignored.
pub fn parse_srvr(text: &str) -> Srvr {
    let mut s = Srvr {
        not_serving: text.contains("not currently serving"),
        ..Srvr::default()
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Mode" => s.mode = Some(value.to_owned()),
            "Zxid" => s.zxid = Some(value.to_owned()),
            "Latency min/avg/max" => s.latency = Some(value.to_owned()),
            "Connections" => s.connections = value.parse().ok(),
            "Outstanding" => s.outstanding = value.parse().ok(),
            "Node count" => s.node_count = value.parse().ok(),
            "Zookeeper version" => {
                s.version = value.split(['-', ',']).next().map(|v| v.trim().to_owned())
            }
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_srvr() {
        let t = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\n\
                 Latency min/avg/max: 0/0.4/7\nReceived: 10\nSent: 9\nConnections: 2\nOutstanding: 0\n\
                 Zxid: 0x10000002a\nMode: follower\nNode count: 6\n";
        let s = parse_srvr(t);
        assert_eq!(s.mode.as_deref(), Some("follower"));
        assert_eq!(s.zxid.as_deref(), Some("0x10000002a"));
        assert_eq!(s.latency.as_deref(), Some("0/0.4/7"));
        assert_eq!(s.connections, Some(2));
        assert_eq!(s.node_count, Some(6));
        assert_eq!(s.version.as_deref(), Some("3.8.0"));
        assert!(!s.not_serving);
        let down = parse_srvr("This ZooKeeper instance is not currently serving requests\n");
        assert!(down.not_serving);
        assert_eq!(parse_srvr("garbage"), Srvr::default());
    }
}
