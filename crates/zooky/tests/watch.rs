//! `zooky watch` against a real server: events are printed as they happen and `--count`
//! ends the command.

mod common;

use common::{client, command, root};
use kazoo::CreateOptions;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Starts `zooky watch ...` and returns once it reported (on stderr) that the watch is set.
fn start_watch(args: &[&str]) -> Child {
    let mut child = command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn zooky watch");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read stderr");
    assert!(line.starts_with("zooky: watching "), "unexpected: {line:?}");
    child
}

/// Waits for the child to exit on its own (a deadline guards against a hang).
fn wait_exit(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut out = String::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out)
                .expect("read stdout");
            return (status.code().unwrap_or(-1), out);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("zooky watch did not exit after its events");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn watch_prints_events_until_count() {
    let c = client();
    let r = root(&c, "zooky-watch");
    let child = start_watch(&["watch", &r, "--recursive", "--count", "3"]);
    let node = format!("{r}/x");
    c.create(&node, b"1".to_vec(), &CreateOptions::new())
        .unwrap();
    c.set(&node, b"2".to_vec(), None).unwrap();
    c.delete(&node, None).unwrap();
    let (code, out) = wait_exit(child);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!("NodeCreated {node}\nNodeDataChanged {node}\nNodeDeleted {node}\n")
    );
}

#[test]
fn watch_json_lines_on_one_node() {
    let c = client();
    let r = root(&c, "zooky-watch-json");
    let child = start_watch(&["--json", "watch", &r, "-n", "2"]);
    c.set(&r, b"a".to_vec(), None).unwrap();
    c.create(&format!("{r}/child"), Vec::new(), &CreateOptions::new())
        .unwrap();
    let (code, out) = wait_exit(child);
    assert_eq!(code, 0);
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event"], "NodeDataChanged");
    assert_eq!(events[0]["path"], r);
    // A plain persistent watch also reports the node's children list changing.
    assert_eq!(events[1]["event"], "NodeChildrenChanged");
}

#[test]
fn ctrl_c_ends_the_watch_cleanly() {
    let c = client();
    let r = root(&c, "zooky-watch-int");
    let child = start_watch(&["watch", &r]);
    c.set(&r, b"a".to_vec(), None).unwrap();
    // SIGINT to this test's own child, by its pid, as Ctrl-C would.
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let (code, out) = wait_exit(child);
    assert_eq!(code, 0);
    // The event may or may not have been printed before the signal; nothing else is.
    assert!(
        out.is_empty() || out == format!("NodeDataChanged {r}\n"),
        "{out:?}"
    );
}
