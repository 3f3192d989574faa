//! Whole frames: every [`Request`] variant framed with an xid and decoded back, every
//! [`Response`] shape decoded by op code, and reply frames taken apart by the frame decoder.

mod strategies;

use bytes::{Bytes, BytesMut};
use kazoo_proto::frame::{split_reply, FrameDecoder};
use kazoo_proto::*;
use proptest::prelude::*;
use strategies::*;

proptest! {
    #[test]
    fn request_frames_round_trip(req in request(), xid in any::<i32>()) {
        let mut buf = BytesMut::from(&b"earlier"[..]);
        req.encode_frame(xid, &mut buf).unwrap();
        let frame = buf.freeze().slice(7..);
        prop_assert_eq!(frame.len(), req.encoded_len());
        prop_assert_eq!(frame.len(), 4 + 8 + req.body_len());
        let announced = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
        prop_assert_eq!(announced as usize, frame.len() - 4);

        let body = frame.slice(4..);
        let (header, back) = Request::decode_frame(body.clone()).unwrap();
        prop_assert_eq!(header, RequestHeader { xid, op: req.op_code() });
        prop_assert_eq!(&back, &req);
        for cut in 0..body.len() {
            prop_assert!(Request::decode_frame(body.slice(..cut)).is_err());
        }

        // Byte by byte through the frame decoder: exactly one frame, equal to the body.
        let mut dec = FrameDecoder::new();
        let mut frames = Vec::new();
        for b in frame.iter() {
            dec.feed(&[*b]);
            while let Some(f) = dec.next_frame().unwrap() {
                frames.push(f);
            }
        }
        prop_assert_eq!(frames, vec![body]);
        prop_assert_eq!(dec.buffered(), 0);
    }

    #[test]
    fn responses_round_trip((op, resp) in response()) {
        let bytes = resp.to_bytes();
        prop_assert_eq!(bytes.len(), resp.encoded_len());
        let mut r = Reader::new(bytes.clone());
        prop_assert_eq!(Response::decode(op, &mut r), Ok(resp.clone()));
        prop_assert!(r.is_empty());
        for cut in 0..bytes.len() {
            let got = Response::decode(op, &mut Reader::new(bytes.slice(..cut)));
            if op == OpCode::Check && cut == 0 {
                // A pre-3.9 server answers a standalone check without a body.
                prop_assert_eq!(got, Ok(Response::Empty));
            } else {
                prop_assert!(got.is_err(), "{:?}: a {}-byte prefix decoded: {:?}", op, cut, got);
            }
        }
    }

    #[test]
    fn reply_frames_round_trip(header in reply_header(), (op, resp) in response()) {
        let failed = header.err != ErrorCode::Ok;
        let is_multi = matches!(op, OpCode::Multi | OpCode::MultiRead);
        // A server sends no body with a failed reply, except for multi.
        let expected = if failed && !is_multi { Response::Empty } else { resp.clone() };
        let mut wire = BytesMut::new();
        let len = header.encoded_len() + expected.encoded_len();
        wire.extend_from_slice(&(len as i32).to_be_bytes());
        header.encode(&mut wire);
        expected.encode(&mut wire);

        let mut dec = FrameDecoder::new();
        dec.feed(&wire);
        let frame = dec.next_frame().unwrap().unwrap();
        prop_assert_eq!(dec.next_frame(), Ok(None));
        let (h, mut body) = split_reply(frame).unwrap();
        prop_assert_eq!(h, header);
        let got = Response::decode_reply(op, h.err, &mut body).unwrap();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn several_frames_in_one_read_come_out_in_order(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..8),
        split in any::<prop::sample::Index>(),
    ) {
        let mut wire = Vec::new();
        for b in &bodies {
            wire.extend_from_slice(&(b.len() as i32).to_be_bytes());
            wire.extend_from_slice(b);
        }
        let at = if wire.is_empty() { 0 } else { split.index(wire.len() + 1) };
        let mut dec = FrameDecoder::new();
        let mut got = Vec::new();
        for chunk in [&wire[..at], &wire[at..]] {
            dec.feed(chunk);
            while let Some(f) = dec.next_frame().unwrap() {
                got.push(f);
            }
        }
        let want: Vec<Bytes> = bodies.into_iter().map(Bytes::from).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn fixed_xids_are_the_protocol_ones() {
    assert_eq!(Request::Ping.fixed_xid(), Some(-2));
    assert_eq!(
        Request::Auth(AuthPacket::new("digest", "a:b")).fixed_xid(),
        Some(-4)
    );
    let sw = SetWatches2 {
        relative_zxid: 0,
        data_watches: vec![],
        exist_watches: vec![],
        child_watches: vec![],
        persistent_watches: vec![],
        persistent_recursive_watches: vec![],
    };
    assert_eq!(Request::SetWatches2(sw).fixed_xid(), Some(-8));
    assert_eq!(Request::WhoAmI.fixed_xid(), None);
}

#[test]
fn ping_frame_constant_matches_the_encoder() {
    let mut buf = BytesMut::new();
    Request::Ping.encode_frame(-2, &mut buf).unwrap();
    assert_eq!(&buf[..], &frame::PING_FRAME[..]);
}

#[test]
fn close_session_is_a_bare_header() {
    let mut buf = BytesMut::new();
    Request::CloseSession.encode_frame(5, &mut buf).unwrap();
    assert_eq!(&buf[..], &[0, 0, 0, 8, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xf5]);
}

#[test]
fn multi_request_ends_with_the_done_header() {
    let req = MultiRequest {
        ops: vec![MultiOp::delete("/a", -1)],
    };
    let bytes = req.to_bytes();
    assert_eq!(&bytes[..9], &[0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(
        &bytes[bytes.len() - 9..],
        &[0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff]
    );
}
