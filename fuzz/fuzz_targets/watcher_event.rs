//! Notification frames (xid -1): reply header then a `WatcherEvent`.
#![no_main]

use bytes::Bytes;
use kazoo_proto::frame::split_reply;
use kazoo_proto::{Decode, Encode, WatchedEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let frame = Bytes::copy_from_slice(data);
    let _ = WatchedEvent::decode_exact(frame.clone());
    let Ok((header, mut body)) = split_reply(frame) else {
        return;
    };
    let _ = header.kind();
    if let Ok(ev) = WatchedEvent::decode(&mut body) {
        assert_eq!(WatchedEvent::decode_exact(ev.to_bytes()).as_ref(), Ok(&ev));
    }
});
