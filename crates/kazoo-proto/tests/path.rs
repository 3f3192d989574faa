//! Path validation against the server's rules (`PathUtils.validatePath` and its test suite),
//! chroot helpers and sequence parsing.

use kazoo_proto::path::*;
use proptest::prelude::*;

#[test]
fn the_servers_own_valid_examples_pass() {
    for p in [
        "/",
        "/this is / a valid/path",
        "/name/with.period.",
        "/test\u{0020}",
        "/test\u{007e}",
        "/test\u{ffef}",
        "/a/...",
        "/a/.b",
        "/a/b.",
        "/..a",
        "/a..",
        "/zk\u{00e9}",
        "/\u{4e2d}\u{6587}",
    ] {
        assert_eq!(validate_path(p, false), Ok(()), "{p:?}");
    }
}

#[test]
fn the_servers_own_invalid_examples_fail_with_the_right_error() {
    use PathError::*;
    let cases: &[(&str, PathError)] = &[
        ("", Empty),
        ("not/valid", NotAbsolute),
        ("/ends/with/slash/", TrailingSlash),
        ("/test\u{0000}", NullChar { index: 5 }),
        ("/double//slash", EmptySegment { index: 8 }),
        ("/single/./period", RelativeSegment { index: 8 }),
        ("/double/../period", RelativeSegment { index: 9 }),
        ("/.", RelativeSegment { index: 1 }),
        ("/..", RelativeSegment { index: 2 }),
        ("/a/.", RelativeSegment { index: 3 }),
        ("/a/..", RelativeSegment { index: 4 }),
        ("//", TrailingSlash),
        (
            "/test\u{0001}",
            InvalidChar {
                index: 5,
                ch: '\u{1}',
            },
        ),
        (
            "/test\u{001f}",
            InvalidChar {
                index: 5,
                ch: '\u{1f}',
            },
        ),
        (
            "/test\u{007f}",
            InvalidChar {
                index: 5,
                ch: '\u{7f}',
            },
        ),
        (
            "/test\u{009f}",
            InvalidChar {
                index: 5,
                ch: '\u{9f}',
            },
        ),
        (
            "/test\u{e000}",
            InvalidChar {
                index: 5,
                ch: '\u{e000}',
            },
        ),
        (
            "/test\u{f8ff}",
            InvalidChar {
                index: 5,
                ch: '\u{f8ff}',
            },
        ),
        (
            "/test\u{fff0}",
            InvalidChar {
                index: 5,
                ch: '\u{fff0}',
            },
        ),
        (
            "/test\u{ffff}",
            InvalidChar {
                index: 5,
                ch: '\u{ffff}',
            },
        ),
        // Outside the BMP: a surrogate pair in Java, hence forbidden.
        (
            "/emoji\u{1f600}",
            InvalidChar {
                index: 6,
                ch: '\u{1f600}',
            },
        ),
        ("/a\u{0}/b", NullChar { index: 2 }),
    ];
    for (p, want) in cases {
        assert_eq!(validate_path(p, false), Err(*want), "{p:?}");
    }
}

#[test]
fn boundaries_of_the_forbidden_ranges() {
    for ok in [
        '\u{20}', '\u{7e}', '\u{a0}', '\u{d7ff}', '\u{f900}', '\u{ffef}',
    ] {
        assert_eq!(validate_path(&format!("/{ok}"), false), Ok(()), "{ok:?}");
    }
    for bad in [
        '\u{1}',
        '\u{1f}',
        '\u{7f}',
        '\u{9f}',
        '\u{e000}',
        '\u{fff0}',
        '\u{10000}',
    ] {
        assert!(matches!(
            validate_path(&format!("/{bad}"), false),
            Err(PathError::InvalidChar { index: 1, .. })
        ));
    }
}

#[test]
fn sequential_creates_are_checked_with_the_counter_appended() {
    // The server checks `path + "1"`.
    assert_eq!(validate_path("/queue/", true), Ok(()));
    assert_eq!(validate_path("/", true), Ok(()));
    assert_eq!(validate_path("/a/.", true), Ok(()));
    assert_eq!(validate_path("/a/..", true), Ok(()));
    assert_eq!(validate_path("/a/", true), Ok(()));
    assert_eq!(
        validate_path("//", true),
        Err(PathError::EmptySegment { index: 1 })
    );
    assert_eq!(
        validate_path("/./x-", true),
        Err(PathError::RelativeSegment { index: 1 })
    );
    assert_eq!(validate_path("q-", true), Err(PathError::NotAbsolute));
    assert_eq!(validate_path("", true), Err(PathError::Empty));
}

#[test]
fn errors_render_like_the_server_messages() {
    assert_eq!(
        PathError::EmptySegment { index: 3 }.to_string(),
        "empty node name specified @3"
    );
}

proptest! {
    #[test]
    fn validation_never_panics(s in any::<String>(), seq in any::<bool>()) {
        let _ = validate_path(&s, seq);
    }

    #[test]
    fn ordinary_names_are_valid(segs in proptest::collection::vec("[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,8}", 1..5)) {
        let p = format!("/{}", segs.join("/"));
        prop_assume!(!segs.iter().any(|s| s == "." || s == ".."));
        prop_assert_eq!(validate_path(&p, false), Ok(()));
        prop_assert_eq!(validate_path(&format!("{p}/"), true), Ok(()));
    }

    #[test]
    fn chroot_prepend_then_strip_is_identity(
        root in proptest::collection::vec("[a-z]{1,5}", 0..3),
        rel in proptest::collection::vec("[a-z]{1,5}", 0..3),
    ) {
        let chroot = if root.is_empty() { String::new() } else { format!("/{}", root.join("/")) };
        let path = format!("/{}", rel.join("/"));
        let full = prepend_chroot(&chroot, &path);
        prop_assert_eq!(validate_path(&full, false), Ok(()));
        prop_assert_eq!(strip_chroot(&chroot, &full), Some(path.as_str()));
    }

    #[test]
    fn join_parent_basename_agree(parent_segs in proptest::collection::vec("[a-z]{1,5}", 0..3), name in "[a-z]{1,5}") {
        let p = format!("/{}", parent_segs.join("/"));
        let child = join(&p, &name);
        prop_assert_eq!(parent(&child), Some(p.as_str()));
        prop_assert_eq!(basename(&child), name.as_str());
    }

    #[test]
    fn sequence_suffixes_parse_as_the_server_formats_them(prefix in "[a-z]{0,6}-?", n in any::<i32>()) {
        // Java's String.format("%010d", n)
        let suffix = if n < 0 { format!("-{:09}", -(n as i64)) } else { format!("{n:010}") };
        let name = format!("{prefix}{suffix}");
        let ambiguous = n < 0 && n > i32::MIN && (-(n as i64)) >= 1_000_000_000;
        if !ambiguous {
            prop_assert_eq!(parse_sequence(&name), Some(n as i64));
        }
    }
}

#[test]
fn chroot_edge_cases() {
    assert_eq!(prepend_chroot("/", "/a"), "/a");
    assert_eq!(prepend_chroot("/app/", "/a"), "/app/a");
    assert_eq!(strip_chroot("/app", "/other"), None);
    assert_eq!(strip_chroot("/", "/a"), Some("/a"));
}

#[test]
fn sequence_parsing_rejects_what_is_not_a_suffix() {
    assert_eq!(parse_sequence(""), None);
    assert_eq!(parse_sequence("000000001"), None);
    assert_eq!(parse_sequence("lock-00000000x1"), None);
    assert_eq!(parse_sequence("0000000000"), Some(0));
    assert_eq!(parse_sequence("x2147483647"), Some(2147483647));
    assert_eq!(
        split_sequence("lock--2147483648"),
        Some(("lock-", -2147483648))
    );
}
