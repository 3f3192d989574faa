//! The handshake records: any bytes decode to a value or an error, and a decoded value
//! re-encodes to bytes that decode to the same value.
#![no_main]

use bytes::Bytes;
use kazoo_proto::{ConnectRequest, ConnectResponse, Decode, Encode, Reader};
use libfuzzer_sys::fuzz_target;

fn check<T: Encode + Decode + PartialEq + std::fmt::Debug>(data: &Bytes) {
    let mut r = Reader::new(data.clone());
    if let Ok(v) = T::decode(&mut r) {
        let again = v.to_bytes();
        assert_eq!(again.len(), v.encoded_len());
        assert_eq!(T::decode_exact(again).as_ref(), Ok(&v));
    }
    let _ = T::decode_exact(data.clone());
}

fuzz_target!(|data: &[u8]| {
    let data = Bytes::copy_from_slice(data);
    check::<ConnectResponse>(&data);
    check::<ConnectRequest>(&data);
});
