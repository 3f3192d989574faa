//! Path validation and the path helpers on arbitrary strings. Checks the server's definition of
//! sequential validation (`validatePath(path + "1")`) and that the helpers agree.
#![no_main]

use kazoo_proto::path::{
    basename, join, parent, parse_sequence, prepend_chroot, strip_chroot, validate_path,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let plain = validate_path(s, false);
    let seq = validate_path(s, true);
    if !s.is_empty() {
        assert_eq!(seq, validate_path(&format!("{s}1"), false));
    }
    if plain.is_ok() {
        assert!(seq.is_ok());
        if s != "/" {
            let p = parent(s).expect("a valid non-root path has a parent");
            assert!(validate_path(p, false).is_ok());
            assert_eq!(join(p, basename(s)), s);
        }
        let chrooted = prepend_chroot("/chroot", s);
        assert_eq!(strip_chroot("/chroot", &chrooted), Some(s));
    }
    let _ = parse_sequence(s);
    let _ = basename(s);
});
