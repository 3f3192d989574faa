//! Exit codes and messages for bad input: missing nodes (1), unreachable servers (1), bad
//! host strings, paths, durations, credentials and profiles (2), never a panic; and profiles
//! that work.

mod common;

use common::{client, command, hosts, root, run, zooky};

fn one_line_error(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr:?}");
    lines[0]
}

#[test]
fn missing_node_exits_1() {
    let c = client();
    let r = root(&c, "zooky-err");
    for argv in [
        vec!["get", "PATH"],
        vec!["stat", "PATH"],
        vec!["ls", "PATH"],
        vec!["set", "PATH", "x"],
        vec!["rm", "PATH"],
        vec!["tree", "PATH"],
        vec!["acl", "get", "PATH"],
        vec!["count", "PATH"],
    ] {
        let path = format!("{r}/missing");
        let args: Vec<&str> = argv
            .iter()
            .map(|a| if *a == "PATH" { path.as_str() } else { a })
            .collect();
        let out = zooky(&args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert_eq!(
            one_line_error(&out.stderr),
            format!("zooky: error: no node: {path}"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_host_strings_exit_2() {
    for bad in ["a,,b", "host:99999", "::1", "zk/bad/", ""] {
        let out = zooky(&["--hosts", bad, "ls", "/"]);
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        let msg = one_line_error(&out.stderr);
        assert!(msg.starts_with("zooky: error: bad host string"), "{msg}");
    }
    // Also from ZK_HOSTS, and for server commands.
    let out = run(command(&["srvr"]).env("ZK_HOSTS", "a,,b"));
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn unreachable_server_exits_1() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = l.local_addr().unwrap().to_string();
    drop(l);
    let out = zooky(&["--hosts", &dead, "--timeout", "500ms", "get", "/"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        one_line_error(&out.stderr),
        format!("zooky: error: cannot connect to {dead} within 500ms (is ZooKeeper running there? try --timeout)")
    );
}

#[test]
fn invalid_paths_and_values_exit_2() {
    for argv in [
        &["get", "relative/path"][..],
        &["get", "/a//b"],
        &["get", "/a/"],
        &["ls", "/a/../b"],
        &["stat", "/a\u{1}b"],
        &["watch", ""],
        &["create", "/a", "--ttl", "soon"],
        &["--timeout", "-1", "ls", "/"],
        &["tree", "/", "--depth", "-1"],
        &["set", "/a", "x", "--version", "x"],
        &["nosuchcommand"],
        &[],
    ] {
        let out = zooky(argv);
        assert_eq!(out.code, 2, "{argv:?}: {out:?}");
        assert!(out.stderr.contains("error:"), "{argv:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{argv:?}");
    }
    let out = zooky(&["get", "relative"]);
    assert!(out.stderr.contains("path must start with /"), "{out:?}");
}

#[test]
fn digest_without_colon_is_refused_without_echo() {
    let out = zooky(&["--digest", "hunter2", "ls", "/"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        one_line_error(&out.stderr),
        "zooky: error: digest credentials must be written user:password"
    );
    let help = zooky(&["--help"]);
    assert!(help.ok().contains("--digest <USER:PASSWORD>"));
    // Help never shows the environment's secret.
    let help = run(command(&["--help"]).env("ZOOKY_DIGEST", "ops:hunter2"));
    assert!(!help.ok().contains("hunter2"));
}

#[test]
fn profiles_select_hosts_and_lock_root() {
    let c = client();
    let r = root(&c, "zooky-prof");
    c.create(&format!("{r}/lk"), Vec::new(), &kazoo::CreateOptions::new())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("profiles.toml");
    std::fs::write(
        &file,
        format!(
            "default_profile = \"broken\"\n\
             [profiles.test]\nhosts = \"{}\"\ntimeout = \"5s\"\nlock_root = \"{r}\"\ndigest = \"prof:s3cret-Pw9\"\n\
             [profiles.broken]\nhosts = \"a,,b\"\n",
            hosts()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let with_profile = |args: &[&str]| {
        let mut cmd = command(args);
        cmd.env("ZOOKY_CONFIG", &file)
            .env("ZK_HOSTS", "127.0.0.1:1");
        run(&mut cmd)
    };

    // --profile beats ZK_HOSTS; its lock_root is the default root; its digest is sent.
    let out = with_profile(&["--profile", "test", "locks", "list"]);
    assert!(out.ok().contains("lk "), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let who = with_profile(&["--profile", "test", "whoami"]);
    assert!(who.ok().contains("digest  prof"), "{who:?}");
    // Credentials in a file others can read: a warning, not an error.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = with_profile(&["--profile", "test", "ls", "/"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("readable by other users"), "{out:?}");
        // The password is distinctive: a temporary directory's random name may contain any
        // short string ("/tmp/.tmpwHVxJS" contains "pw").
        assert!(!out.stderr.contains("s3cret"), "{out:?}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // --hosts beats the profile.
    let out = with_profile(&["--profile", "test", "--hosts", "a,,b", "ls", "/"]);
    assert_eq!(out.code, 2);
    // default_profile applies without --profile: here a broken one, a usage error.
    let out = with_profile(&["ls", "/"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad host string \"a,,b\""), "{out:?}");
    // Unknown profile: exit 2, naming the known ones.
    let out = with_profile(&["--profile", "nope", "ls", "/"]);
    assert_eq!(out.code, 2);
    assert!(
        one_line_error(&out.stderr).contains("no profile \"nope\"")
            && out.stderr.contains("broken, test"),
        "{out:?}"
    );

    // A syntax error names the line but does not quote a secret; unknown keys are refused.
    std::fs::write(&file, "[profiles.x]\ndigest = \"ops:hunter2\nhosts = 1\n").unwrap();
    let out = with_profile(&["--profile", "x", "ls", "/"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 2"), "{out:?}");
    assert!(!out.stderr.contains("hunter2"), "{out:?}");
    std::fs::write(&file, "[profiles.x]\nhostz = \"a\"\n").unwrap();
    let out = with_profile(&["--profile", "x", "ls", "/"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("hostz"), "{out:?}");

    // --profile without any profiles file.
    let out = zooky(&["--profile", "x", "ls", "/"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no profiles file"), "{out:?}");
}

#[test]
fn closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let c = client();
    let r = root(&c, "zooky-pipe");
    for i in 0..200 {
        c.create(
            &format!("{r}/n{i:04}"),
            Vec::new(),
            &kazoo::CreateOptions::new(),
        )
        .unwrap();
    }
    let mut child = command(&["ls", &r])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe, like `| head -c1`.
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0)), "{stderr}");
}
