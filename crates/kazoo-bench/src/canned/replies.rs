//! Pre-encoded replies of the canned server and the routine that picks one for a request frame.
//!
//! Only the xid is patched per reply; the multi reply is assembled from pre-encoded per-op parts
//! because its length depends on the request.

use crate::wire::{op, Reader, Writer};

/// The data every canned getData returns (32 bytes, like the real-server fixture node).
pub const CANNED_DATA: &[u8] = b"kazoo-bench-data-0123456789abcde";
/// The path every canned create returns.
pub const CANNED_PATH: &str = "/kazoo-bench/canned-node";
/// The zxid in every canned reply header.
const ZXID: i64 = 7;
/// ZooKeeper's `Unimplemented` error code, for requests the canned server does not know.
const UNIMPLEMENTED: i32 = -6;

/// What the connection loop does after answering a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Keep reading.
    Continue,
    /// The client closed its session: flush and close the socket.
    Close,
}

/// Whole reply frames, xid left zero, for every op the canned server answers.
#[derive(Debug, Clone)]
pub struct Replies {
    header_only: Vec<u8>,
    get_data: Vec<u8>,
    exists: Vec<u8>,
    create: Vec<u8>,
    create2: Vec<u8>,
    set_data: Vec<u8>,
    children: Vec<u8>,
    children2: Vec<u8>,
    unimplemented: Vec<u8>,
    multi_create: Vec<u8>,
    multi_create2: Vec<u8>,
    multi_set_data: Vec<u8>,
    multi_delete: Vec<u8>,
    multi_check: Vec<u8>,
    multi_end: Vec<u8>,
}

fn reply_frame(err: i32, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(0).i64(ZXID).i32(err);
    body(&mut w);
    w.finish_frame()
}

fn multi_part(op_type: i32, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(op_type).bool(false).i32(0);
    body(&mut w);
    w.buf
}

impl Default for Replies {
    fn default() -> Self {
        Self::new()
    }
}

impl Replies {
    /// Encodes every reply once.
    pub fn new() -> Self {
        let dlen = CANNED_DATA.len() as i32;
        Replies {
            header_only: reply_frame(0, |_| {}),
            get_data: reply_frame(0, |w| {
                w.bytes(CANNED_DATA).stat(dlen);
            }),
            exists: reply_frame(0, |w| {
                w.stat(dlen);
            }),
            create: reply_frame(0, |w| {
                w.str(CANNED_PATH);
            }),
            create2: reply_frame(0, |w| {
                w.str(CANNED_PATH).stat(dlen);
            }),
            set_data: reply_frame(0, |w| {
                w.stat(dlen);
            }),
            children: reply_frame(0, |w| {
                w.i32(0);
            }),
            children2: reply_frame(0, |w| {
                w.i32(0).stat(dlen);
            }),
            unimplemented: reply_frame(UNIMPLEMENTED, |_| {}),
            multi_create: multi_part(op::CREATE, |w| {
                w.str(CANNED_PATH);
            }),
            multi_create2: multi_part(op::CREATE2, |w| {
                w.str(CANNED_PATH).stat(dlen);
            }),
            multi_set_data: multi_part(op::SET_DATA, |w| {
                w.stat(dlen);
            }),
            multi_delete: multi_part(op::DELETE, |_| {}),
            multi_check: multi_part(op::CHECK, |_| {}),
            multi_end: {
                let mut w = Writer::default();
                w.i32(-1).bool(true).i32(-1);
                w.buf
            },
        }
    }
}

/// Appends `template` to `out` with the xid patched in.
fn push(out: &mut Vec<u8>, template: &[u8], xid: i32) {
    let at = out.len();
    out.extend_from_slice(template);
    out[at + 4..at + 8].copy_from_slice(&xid.to_be_bytes());
}

/// Answers the connect request body `req` (the first frame of a connection).
///
/// Mirrors the server: the read-only flag is echoed only to clients that sent one.
pub fn answer_connect(req: &[u8], session_id: i64, out: &mut Vec<u8>) -> Option<()> {
    let mut r = Reader::new(req);
    let _protocol = r.i32()?;
    let _last_zxid = r.i64()?;
    let timeout = r.i32()?;
    let _session = r.i64()?;
    let _passwd = r.bytes()?;
    let with_read_only = r.remaining() > 0;
    let mut w = Writer::frame();
    w.i32(0)
        .i32(timeout.clamp(4_000, 40_000))
        .i64(session_id)
        .bytes(&[7; 16]);
    if with_read_only {
        w.bool(false);
    }
    out.extend_from_slice(&w.finish_frame());
    Some(())
}

/// Answers one request frame body `req` by appending a reply frame to `out`.
///
/// A frame too short to carry a header is answered by closing the connection.
pub fn answer(replies: &Replies, req: &[u8], out: &mut Vec<u8>) -> Action {
    let mut r = Reader::new(req);
    let (Some(xid), Some(op_type)) = (r.i32(), r.i32()) else {
        return Action::Close;
    };
    let template = match op_type {
        op::GET_DATA => &replies.get_data,
        op::EXISTS => &replies.exists,
        op::CREATE | op::CREATE_CONTAINER => &replies.create,
        op::CREATE2 | op::CREATE_TTL => &replies.create2,
        op::SET_DATA => &replies.set_data,
        op::GET_CHILDREN => &replies.children,
        op::GET_CHILDREN2 => &replies.children2,
        op::DELETE | op::PING | op::SYNC | 100 | 101 | 105 | 106 => &replies.header_only,
        op::CLOSE_SESSION => {
            push(out, &replies.header_only, xid);
            return Action::Close;
        }
        op::MULTI => {
            if answer_multi(replies, xid, &mut r, out).is_none() {
                push(out, &replies.unimplemented, xid);
            }
            return Action::Continue;
        }
        _ => &replies.unimplemented,
    };
    push(out, template, xid);
    Action::Continue
}

/// Walks the multi request's op headers (skipping each op's body) and emits one pre-encoded
/// result per op. Returns `None`, leaving `out` untouched, on an op it cannot skip.
fn answer_multi(replies: &Replies, xid: i32, r: &mut Reader<'_>, out: &mut Vec<u8>) -> Option<()> {
    let at = out.len();
    push(out, &replies.header_only, xid);
    let ok = (|| {
        loop {
            let op_type = r.i32()?;
            let done = r.bool()?;
            let _err = r.i32()?;
            if done {
                break;
            }
            let part = match op_type {
                op::CREATE | op::CREATE2 | op::CREATE_CONTAINER | op::CREATE_TTL => {
                    r.bytes()?;
                    r.bytes()?;
                    let n_acl = r.i32()?;
                    for _ in 0..n_acl.max(0) {
                        r.i32()?;
                        r.bytes()?;
                        r.bytes()?;
                    }
                    r.i32()?;
                    if op_type == op::CREATE_TTL {
                        r.i64()?;
                    }
                    if op_type == op::CREATE {
                        &replies.multi_create
                    } else {
                        &replies.multi_create2
                    }
                }
                op::DELETE => {
                    r.bytes()?;
                    r.i32()?;
                    &replies.multi_delete
                }
                op::SET_DATA => {
                    r.bytes()?;
                    r.bytes()?;
                    r.i32()?;
                    &replies.multi_set_data
                }
                op::CHECK => {
                    r.bytes()?;
                    r.i32()?;
                    &replies.multi_check
                }
                _ => return None,
            };
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&replies.multi_end);
        Some(())
    })();
    if ok.is_none() {
        out.truncate(at);
        return None;
    }
    let len = (out.len() - at - 4) as i32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{self, ReplyHeader, STAT_LEN};

    fn body(frame: &[u8]) -> &[u8] {
        let len = i32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(
            len,
            frame.len() - 4,
            "length prefix covers the body exactly"
        );
        &frame[4..]
    }

    fn one(req: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert_eq!(
            answer(&Replies::new(), body(req), &mut out),
            Action::Continue
        );
        out
    }

    #[test]
    fn get_data_reply_carries_xid_data_and_stat() {
        let out = one(&wire::get_data(42, "/a", false));
        let b = body(&out);
        assert_eq!(
            ReplyHeader::decode(b),
            Some(ReplyHeader {
                xid: 42,
                zxid: ZXID,
                err: 0
            })
        );
        let mut r = Reader::new(&b[16..]);
        assert_eq!(r.bytes(), Some(CANNED_DATA));
        // czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner
        r.skip(8 * 4 + 4 * 3 + 8).unwrap();
        assert_eq!(r.i32(), Some(CANNED_DATA.len() as i32), "stat dataLength");
        assert_eq!(r.i32(), Some(0), "stat numChildren");
        r.i64().unwrap();
        assert_eq!(r.remaining(), 0);
    }

    /// Our own protocol crate, an independent decoder, reads every canned reply as ZooKeeper's.
    #[cfg(feature = "ours")]
    #[test]
    fn kazoo_proto_decodes_the_canned_replies() {
        use kazoo::proto::{codec::Reader as ProtoReader, ErrorCode, OpCode, Response};
        let replies = Replies::new();
        let paths = vec!["/a".to_string(), "/b".to_string()];
        let cases: Vec<(OpCode, Vec<u8>)> = vec![
            (OpCode::GetData, wire::get_data(1, "/a", false)),
            (OpCode::Exists, wire::exists(2, "/a", false)),
            (OpCode::Create, wire::create(3, "/a", b"x", 0)),
            (OpCode::SetData, wire::set_data(4, "/a", b"x")),
            (OpCode::Delete, wire::delete(5, "/a")),
            (OpCode::Multi, wire::multi_set_data(6, &paths, b"x")),
        ];
        for (op, req) in cases {
            let mut out = Vec::new();
            assert_eq!(answer(&replies, body(&req), &mut out), Action::Continue);
            let b = body(&out);
            let header = ReplyHeader::decode(b).unwrap();
            assert_eq!(header.err, 0);
            let mut r = ProtoReader::new(bytes::Bytes::copy_from_slice(&b[16..]));
            let decoded = Response::decode_reply(op, ErrorCode::Ok, &mut r);
            assert!(decoded.is_ok(), "{op:?}: {decoded:?}");
            if let Ok(Response::GetData(d)) = &decoded {
                assert_eq!(&d.data[..], CANNED_DATA);
            }
        }
    }

    #[test]
    fn stat_is_68_bytes() {
        let mut w = Writer::default();
        w.stat(0);
        assert_eq!(w.buf.len(), STAT_LEN);
    }

    #[test]
    fn create_set_delete_exists_replies() {
        let out = one(&wire::create(3, "/x", b"d", 0));
        let mut r = Reader::new(&body(&out)[16..]);
        assert_eq!(r.bytes(), Some(CANNED_PATH.as_bytes()));
        assert_eq!(r.remaining(), 0);

        let out = one(&wire::set_data(4, "/x", b"d"));
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().xid, 4);
        assert_eq!(body(&out).len(), 16 + STAT_LEN);

        let out = one(&wire::delete(5, "/x"));
        assert_eq!(body(&out).len(), 16);
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().xid, 5);

        let out = one(&wire::exists(6, "/x", true));
        assert_eq!(body(&out).len(), 16 + STAT_LEN);
    }

    #[test]
    fn ping_reply_keeps_the_ping_xid() {
        let mut w = Writer::frame();
        w.i32(-2).i32(op::PING);
        let out = one(&w.finish_frame());
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().xid, -2);
        assert_eq!(body(&out).len(), 16);
    }

    #[test]
    fn multi_reply_has_one_result_per_op_and_the_end_marker() {
        let paths = vec!["/a".to_string(), "/b".to_string(), "/c".to_string()];
        let out = one(&wire::multi_set_data(9, &paths, b"v"));
        let b = body(&out);
        assert_eq!(
            ReplyHeader::decode(b).unwrap(),
            ReplyHeader {
                xid: 9,
                zxid: ZXID,
                err: 0
            }
        );
        let mut r = Reader::new(&b[16..]);
        for _ in 0..3 {
            assert_eq!(r.i32(), Some(op::SET_DATA));
            assert_eq!(r.bool(), Some(false));
            assert_eq!(r.i32(), Some(0));
            r.skip(STAT_LEN).unwrap();
        }
        assert_eq!(
            (r.i32(), r.bool(), r.i32()),
            (Some(-1), Some(true), Some(-1))
        );
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn multi_with_creates_deletes_and_checks() {
        let mut w = Writer::frame();
        w.i32(11).i32(op::MULTI);
        w.i32(op::CREATE)
            .bool(false)
            .i32(-1)
            .str("/n")
            .bytes(b"x")
            .open_acl()
            .i32(0);
        w.i32(op::CHECK).bool(false).i32(-1).str("/n").i32(0);
        w.i32(op::DELETE).bool(false).i32(-1).str("/n").i32(-1);
        w.i32(-1).bool(true).i32(-1);
        let out = one(&w.finish_frame());
        let mut r = Reader::new(&body(&out)[16..]);
        assert_eq!(
            (r.i32(), r.bool(), r.i32()),
            (Some(op::CREATE), Some(false), Some(0))
        );
        assert_eq!(r.bytes(), Some(CANNED_PATH.as_bytes()));
        assert_eq!(r.i32(), Some(op::CHECK));
        r.skip(5).unwrap();
        assert_eq!(r.i32(), Some(op::DELETE));
        r.skip(5).unwrap();
        assert_eq!(
            (r.i32(), r.bool(), r.i32()),
            (Some(-1), Some(true), Some(-1))
        );
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn truncated_multi_gets_unimplemented_not_a_panic() {
        let mut w = Writer::frame();
        w.i32(12).i32(op::MULTI).i32(op::SET_DATA).bool(false);
        let out = one(&w.finish_frame());
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().err, UNIMPLEMENTED);
        assert_eq!(body(&out).len(), 16);
    }

    #[test]
    fn unknown_op_and_short_frames() {
        let mut w = Writer::frame();
        w.i32(13).i32(999);
        let out = one(&w.finish_frame());
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().err, UNIMPLEMENTED);
        let mut out = Vec::new();
        assert_eq!(answer(&Replies::new(), &[0, 0], &mut out), Action::Close);
    }

    #[test]
    fn close_session_is_answered_then_closed() {
        let mut w = Writer::frame();
        w.i32(14).i32(op::CLOSE_SESSION);
        let req = w.finish_frame();
        let mut out = Vec::new();
        assert_eq!(answer(&Replies::new(), body(&req), &mut out), Action::Close);
        assert_eq!(ReplyHeader::decode(body(&out)).unwrap().xid, 14);
    }

    #[test]
    fn connect_echoes_read_only_flag_only_when_sent() {
        let req = wire::connect_request(10_000);
        let mut out = Vec::new();
        answer_connect(body(&req), 77, &mut out).unwrap();
        let mut r = Reader::new(body(&out));
        assert_eq!(r.i32(), Some(0));
        assert_eq!(r.i32(), Some(10_000));
        assert_eq!(r.i64(), Some(77));
        assert_eq!(r.bytes().map(<[u8]>::len), Some(16));
        assert_eq!(r.bool(), Some(false));
        assert_eq!(r.remaining(), 0);

        let without = &body(&req)[..body(&req).len() - 1];
        let mut out = Vec::new();
        answer_connect(without, 77, &mut out).unwrap();
        assert_eq!(body(&out).len(), 4 + 4 + 8 + 4 + 16);
        assert!(answer_connect(&[1, 2], 1, &mut Vec::new()).is_none());
    }
}
