//! Hostile input: garbage, mutated encodings, negative and huge lengths. Decoders must return
//! (an error or a value), never panic, and report the typed error the input deserves.

mod strategies;

use bytes::{Bytes, BytesMut};
use kazoo_proto::frame::{decode_frame, split_reply, FrameDecoder, DEFAULT_MAX_FRAME_LEN};
use kazoo_proto::*;
use proptest::prelude::*;
use strategies::*;

/// Runs every decoder of the crate over `bytes`. Only the absence of panics is checked here.
fn decode_everything(bytes: &Bytes) {
    fn one<T: Decode>(b: &Bytes) {
        let _ = T::decode(&mut Reader::new(b.clone()));
        let _ = T::decode_exact(b.clone());
    }
    one::<Stat>(bytes);
    one::<Acl>(bytes);
    one::<WatchedEvent>(bytes);
    one::<ConnectRequest>(bytes);
    one::<ConnectResponse>(bytes);
    one::<RequestHeader>(bytes);
    one::<ReplyHeader>(bytes);
    one::<CreateRequest>(bytes);
    one::<CreateTtlRequest>(bytes);
    one::<GetAclResponse>(bytes);
    one::<SetAclRequest>(bytes);
    one::<GetChildren2Response>(bytes);
    one::<MultiRequest>(bytes);
    one::<MultiResponse>(bytes);
    one::<ReconfigRequest>(bytes);
    one::<SetWatches2>(bytes);
    one::<AuthPacket>(bytes);
    one::<WhoAmIResponse>(bytes);
    one::<AddWatchRequest>(bytes);
    one::<RemoveWatchesRequest>(bytes);
    for op in OpCode::ALL {
        let _ = Response::decode(op, &mut Reader::new(bytes.clone()));
        let _ = Response::decode_reply(op, ErrorCode::NoNode, &mut Reader::new(bytes.clone()));
        let _ = Request::decode(op, &mut Reader::new(bytes.clone()));
    }
    let _ = Request::decode_frame(bytes.clone());
    if let Ok((_, mut body)) = split_reply(bytes.clone()) {
        let _ = WatchedEvent::decode(&mut body);
    }
    let mut dec = FrameDecoder::with_max_frame_len(64);
    dec.feed(bytes);
    let mut total = 0;
    while let Ok(Some(f)) = dec.next_frame() {
        assert!(f.len() <= 64);
        total += 4 + f.len();
    }
    assert!(total <= bytes.len());
}

/// Overwrites 4 bytes at `at` with a hostile length.
fn poke(bytes: &Bytes, at: usize, value: i32) -> Bytes {
    let mut v = bytes.to_vec();
    if v.len() >= 4 {
        let at = at % (v.len() - 3);
        v[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }
    Bytes::from(v)
}

fn hostile_value() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(-1),
        Just(-2),
        Just(i32::MIN),
        Just(i32::MAX),
        Just(0x0100_0000),
        any::<i32>(),
    ]
}

proptest! {
    #[test]
    fn garbage_never_panics(v in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&Bytes::from(v));
    }

    #[test]
    fn mutated_requests_never_panic(
        req in request(),
        at in any::<usize>(),
        value in hostile_value(),
    ) {
        let mut buf = BytesMut::new();
        req.encode_frame(1, &mut buf).unwrap();
        let body = buf.freeze().slice(4..);
        decode_everything(&poke(&body, at, value));
    }

    #[test]
    fn mutated_responses_never_panic(
        (_, resp) in response(),
        at in any::<usize>(),
        value in hostile_value(),
    ) {
        decode_everything(&poke(&resp.to_bytes(), at, value));
    }

    #[test]
    fn flipped_bytes_never_panic(
        (_, resp) in response(),
        at in any::<usize>(),
        xor in 1u8..,
    ) {
        let mut v = resp.to_bytes().to_vec();
        if !v.is_empty() {
            let i = at % v.len();
            v[i] ^= xor;
        }
        decode_everything(&Bytes::from(v));
    }
}

fn be(v: i32) -> [u8; 4] {
    v.to_be_bytes()
}

#[test]
fn negative_buffer_length_is_typed() {
    let mut wire = be(-2).to_vec();
    wire.extend_from_slice(&[0; 68]);
    assert_eq!(
        GetDataResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::NegativeLength(-2))
    );
}

#[test]
fn null_buffer_reads_as_empty_data() {
    let mut wire = be(-1).to_vec();
    wire.extend_from_slice(&[0; 68]);
    let r = GetDataResponse::decode_exact(Bytes::from(wire)).unwrap();
    assert!(r.data.is_empty());
}

#[test]
fn huge_buffer_length_is_truncated_not_allocated() {
    let mut wire = be(i32::MAX).to_vec();
    wire.extend_from_slice(&[0; 68]);
    assert_eq!(
        GetDataResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::Truncated {
            needed: i32::MAX as usize,
            remaining: 68
        })
    );
}

#[test]
fn huge_vector_count_is_rejected_before_allocating() {
    let wire = Bytes::from(be(i32::MAX).to_vec());
    assert!(matches!(
        GetChildrenResponse::decode_exact(wire),
        Err(DecodeError::TooLong { .. })
    ));
    // 1000 ACL entries announced, room for at most one (12 bytes minimum each).
    let mut wire = be(1000).to_vec();
    wire.extend_from_slice(&[0; 12]);
    assert_eq!(
        GetAclResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::TooLong { len: 1000, max: 1 })
    );
}

#[test]
fn negative_vector_count_is_typed() {
    let wire = Bytes::from(be(-5).to_vec());
    assert_eq!(
        GetChildrenResponse::decode_exact(wire),
        Err(DecodeError::NegativeLength(-5))
    );
}

#[test]
fn invalid_utf8_is_typed() {
    let mut wire = be(2).to_vec();
    wire.extend_from_slice(&[0xc3, 0x28]);
    assert_eq!(
        CreateResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn unknown_enum_values_are_typed() {
    let mut wire = be(-1).to_vec(); // event type -1 is None: fine
    wire.extend_from_slice(&be(99)); // keeper state 99: unknown
    wire.extend_from_slice(&be(0));
    assert_eq!(
        WatchedEvent::decode_exact(Bytes::from(wire)),
        Err(DecodeError::UnknownValue {
            what: "keeper state",
            value: 99
        })
    );
    // A multi result of type 3 (exists) does not exist.
    let mut wire = be(3).to_vec();
    wire.push(0);
    wire.extend_from_slice(&be(0));
    assert_eq!(
        MultiResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::UnknownValue {
            what: "multi result type",
            value: 3
        })
    );
    let mut wire = be(1).to_vec();
    wire.extend_from_slice(&be(12345));
    assert_eq!(
        RequestHeader::decode_exact(Bytes::from(wire)),
        Err(DecodeError::UnknownValue {
            what: "op code",
            value: 12345
        })
    );
}

#[test]
fn multi_without_end_marker_is_truncated() {
    let mut wire = be(2).to_vec(); // a delete result
    wire.push(0);
    wire.extend_from_slice(&be(0));
    assert!(matches!(
        MultiResponse::decode_exact(Bytes::from(wire)),
        Err(DecodeError::Truncated { .. })
    ));
}

#[test]
fn frame_decoder_rejects_negative_and_oversized_lengths() {
    let mut dec = FrameDecoder::new();
    dec.feed(&be(-7));
    assert_eq!(dec.next_frame(), Err(FrameError::NegativeLength(-7)));
    // The error persists: the stream cannot be resynchronised.
    assert_eq!(dec.next_frame(), Err(FrameError::NegativeLength(-7)));

    let mut dec = FrameDecoder::new();
    dec.feed(&be(DEFAULT_MAX_FRAME_LEN as i32 + 1));
    assert_eq!(
        dec.next_frame(),
        Err(FrameError::TooLong {
            len: DEFAULT_MAX_FRAME_LEN + 1,
            max: DEFAULT_MAX_FRAME_LEN
        })
    );

    let mut dec = FrameDecoder::with_max_frame_len(3);
    dec.feed(&be(3));
    dec.feed(b"abc");
    assert_eq!(dec.next_frame().unwrap().as_deref(), Some(&b"abc"[..]));
    dec.feed(&be(4));
    assert_eq!(
        dec.next_frame(),
        Err(FrameError::TooLong { len: 4, max: 3 })
    );
}

#[test]
fn frame_decoder_reserves_only_what_an_accepted_frame_needs() {
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&be(1000));
    assert_eq!(decode_frame(&mut buf, 2000), Ok(None));
    assert!(buf.capacity() >= 1004);
    assert!(buf.capacity() < 4096);
    // A hostile length is refused before any reservation.
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&be(i32::MAX));
    assert!(decode_frame(&mut buf, 2000).is_err());
    assert!(buf.capacity() < 4096);
}

#[test]
fn zero_length_frame_is_a_frame_but_not_a_reply() {
    let mut dec = FrameDecoder::new();
    dec.feed(&be(0));
    let f = dec.next_frame().unwrap().unwrap();
    assert!(f.is_empty());
    assert!(matches!(split_reply(f), Err(DecodeError::Truncated { .. })));
}

#[test]
fn failed_multi_keeps_its_results_and_failed_others_are_empty() {
    let resp = MultiResponse {
        results: vec![
            MultiResult::Error(ErrorCode::Ok),
            MultiResult::Error(ErrorCode::NoNode),
        ],
    };
    let mut r = Reader::new(resp.to_bytes());
    assert_eq!(
        Response::decode_reply(OpCode::Multi, ErrorCode::NoNode, &mut r),
        Ok(Response::Multi(resp.clone()))
    );
    // A multi refused before running (e.g. throttled) has no body.
    let mut r = Reader::new(Bytes::new());
    assert_eq!(
        Response::decode_reply(OpCode::Multi, ErrorCode::Throttled, &mut r),
        Ok(Response::Empty)
    );
    assert_eq!(resp.first_error(), Some((1, ErrorCode::NoNode)));
}
