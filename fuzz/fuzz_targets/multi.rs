//! multi / multiRead bodies, both directions: the reply (results) and the request (ops).
#![no_main]

use bytes::Bytes;
use kazoo_proto::{Decode, Encode, MultiRequest, MultiResponse, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = Bytes::copy_from_slice(data);
    if let Ok(resp) = MultiResponse::decode(&mut Reader::new(data.clone())) {
        let again = resp.to_bytes();
        assert_eq!(again.len(), resp.encoded_len());
        assert_eq!(MultiResponse::decode_exact(again).as_ref(), Ok(&resp));
        let _ = resp.first_error();
    }
    if let Ok(req) = MultiRequest::decode(&mut Reader::new(data)) {
        let again = req.to_bytes();
        assert_eq!(again.len(), req.encoded_len());
        assert_eq!(MultiRequest::decode_exact(again).as_ref(), Ok(&req));
    }
});
