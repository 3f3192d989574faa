//! Reply frames of every kind: the first byte picks the op code the reply answers, the rest is
//! the frame (reply header and body). Decoded values must survive a re-encode.
#![no_main]

use bytes::Bytes;
use kazoo_proto::frame::split_reply;
use kazoo_proto::{Encode, OpCode, Reader, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let op = OpCode::ALL[usize::from(sel) % OpCode::ALL.len()];
    let frame = Bytes::copy_from_slice(rest);
    let Ok((header, body)) = split_reply(frame) else {
        return;
    };
    let _ = Response::decode_reply(op, header.err, &mut body.clone());
    if let Ok(resp) = Response::decode(op, &mut body.clone()) {
        let again = resp.to_bytes();
        assert_eq!(again.len(), resp.encoded_len());
        let mut r = Reader::new(again);
        assert_eq!(Response::decode(op, &mut r).as_ref(), Ok(&resp));
        assert!(r.is_empty());
    }
});
