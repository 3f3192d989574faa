//! Server commands against a real server: `srvr`, `4lw`, `ensemble status` (with a down
//! host in the list), `whoami` with digest auth, `config`.

mod common;

use common::{command, hosts, run, zooky};

/// A port nothing listens on: bound then released by this process.
fn dead_host() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

#[test]
fn four_letter_words_on_every_host() {
    let out = zooky(&["4lw", "ruok"]);
    assert_eq!(out.ok(), format!("== {} ==\nimok\n", hosts()));

    let srvr = zooky(&["srvr"]);
    assert!(srvr.ok().contains("Mode: standalone"), "{srvr:?}");

    // One dead host: its error is shown, the others still answer, exit 1.
    let dead = dead_host();
    let both = format!("{},{dead}", hosts());
    let out = zooky(&["--hosts", &both, "--timeout", "2s", "--json", "4lw", "ruok"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["command"], "ruok");
    assert_eq!(doc["servers"][0]["ok"], true);
    assert_eq!(doc["servers"][0]["output"], "imok");
    assert_eq!(doc["servers"][1]["ok"], false);
    assert_eq!(doc["servers"][1]["host"], dead);

    assert_eq!(zooky(&["4lw", "RUOK"]).code, 2);
}

#[test]
fn ensemble_status_reports_modes() {
    let dead = dead_host();
    let both = format!("{},{dead}", hosts());
    let out = zooky(&["--hosts", &both, "--timeout", "2s", "ensemble", "status"]);
    let text = out.ok();
    let lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "HOST",
            "MODE",
            "ZXID",
            "LATENCY(min/avg/max)",
            "CONNECTIONS",
            "NODES",
            "VERSION",
            "NOTE"
        ]
    );
    let live: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(live[..2], [hosts().as_str(), "standalone"]);
    assert!(live[2].starts_with("0x"), "{text}");
    assert!(
        lines[2].starts_with(&dead) && lines[2].contains(" down "),
        "{text}"
    );

    let doc = zooky(&["--json", "ensemble", "status"]).json();
    assert_eq!(doc["serving"], true);
    assert_eq!(doc["servers"][0]["mode"], "standalone");
    assert_eq!(doc["servers"][0]["version"], "3.8.0");
    assert!(doc["servers"][0]["connections"].as_u64().is_some());

    // Nobody serving: exit 1.
    let none = zooky(&["--hosts", &dead, "--timeout", "2s", "ensemble", "status"]);
    assert_eq!(none.code, 1);
    assert!(none.stdout.contains(" down "), "{none:?}");
}

#[test]
fn whoami_with_digest_and_config() {
    let out = zooky(&["--digest", "ops:s3cret", "whoami"]);
    let text = out.ok();
    assert!(text.starts_with("SCHEME  USER\n"), "{text}");
    assert!(text.contains("digest  ops\n"), "{text}");
    assert!(!text.contains("s3cret") && !out.stderr.contains("s3cret"));

    // The same through the environment variable.
    let doc = run(command(&["--json", "whoami"]).env("ZOOKY_DIGEST", "env-user:pw")).json();
    let users: Vec<&str> = doc["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["user"].as_str().unwrap())
        .collect();
    assert!(users.contains(&"env-user"), "{doc}");

    // A standalone server without reconfig keeps no dynamic config, but the call works.
    let cfg = zooky(&["--json", "config"]).json();
    assert!(cfg["stat"]["version"].is_number());
    zooky(&["config"]).ok();
}
