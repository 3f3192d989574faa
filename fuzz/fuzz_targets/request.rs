//! Request bodies for every op code (what a server or proxy decodes), and whole request frames.
#![no_main]

use bytes::{Bytes, BytesMut};
use kazoo_proto::{OpCode, Reader, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Request::decode_frame(Bytes::copy_from_slice(data));
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let op = OpCode::ALL[usize::from(sel) % OpCode::ALL.len()];
    let mut r = Reader::new(Bytes::copy_from_slice(rest));
    if let Ok(req) = Request::decode(op, &mut r) {
        assert_eq!(req.op_code(), op);
        let mut buf = BytesMut::new();
        req.encode_frame(7, &mut buf).expect("small frames encode");
        assert_eq!(buf.len(), req.encoded_len());
        let (header, back) = Request::decode_frame(buf.freeze().slice(4..)).expect("re-decodes");
        assert_eq!(header.xid, 7);
        assert_eq!(back, req);
    }
});
