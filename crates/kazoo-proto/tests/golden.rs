//! Golden vectors: byte streams captured between ZooKeeper's own Java client and a real
//! ZooKeeper 3.8.0 server (see `tests/golden/README.md`). Every server reply is decoded and its
//! fields checked; every request the Java client sent is rebuilt with this crate's types and must
//! encode to the very same bytes. No server is needed: the files are the evidence.

use bytes::{Bytes, BytesMut};
use kazoo_proto::frame::{split_reply, FrameDecoder};
use kazoo_proto::*;
use std::collections::HashMap;

const C2S: &[u8] = include_bytes!("golden/client-to-server.bin");
const S2C: &[u8] = include_bytes!("golden/server-to-client.bin");
const VERSION: &str = include_str!("golden/server-version.txt");

fn frames(stream: &[u8]) -> Vec<Bytes> {
    let mut dec = FrameDecoder::new();
    dec.feed(stream);
    let mut out = Vec::new();
    while let Some(f) = dec.next_frame().expect("well-formed stream") {
        out.push(f);
    }
    assert_eq!(dec.buffered(), 0, "no partial frame at the end");
    out
}

/// The request frames after the handshake, by xid.
fn requests() -> Vec<(RequestHeader, Request, Bytes)> {
    frames(C2S)
        .into_iter()
        .skip(1)
        .map(|f| {
            let (h, r) = Request::decode_frame(f.clone()).expect("decodes");
            (h, r, f)
        })
        .collect()
}

fn op_by_xid() -> HashMap<Xid, OpCode> {
    requests()
        .into_iter()
        .map(|(h, _, _)| (h.xid, h.op))
        .collect()
}

/// The replies to requests (not notifications), decoded, by xid.
fn replies() -> HashMap<Xid, (ReplyHeader, Response)> {
    let ops = op_by_xid();
    frames(S2C)
        .into_iter()
        .skip(1)
        .filter_map(|f| {
            let (h, mut body) = split_reply(f).expect("reply header");
            let op = match h.kind() {
                ReplyKind::Response(x) => ops[&x],
                ReplyKind::Ping => OpCode::Ping,
                _ => return None,
            };
            let resp = Response::decode_reply(op, h.err, &mut body).expect("reply body");
            assert!(body.is_empty(), "xid {}: bytes left", h.xid);
            Some((h.xid, (h, resp)))
        })
        .collect()
}

fn notifications() -> Vec<WatchedEvent> {
    frames(S2C)
        .into_iter()
        .skip(1)
        .filter_map(|f| {
            let (h, mut body) = split_reply(f).unwrap();
            (h.kind() == ReplyKind::Notification).then(|| {
                assert_eq!((h.zxid, h.err), (-1, ErrorCode::Ok));
                let ev = WatchedEvent::decode(&mut body).unwrap();
                body.finish().unwrap();
                ev
            })
        })
        .collect()
}

fn reply(xid: Xid) -> (ReplyHeader, Response) {
    replies()
        .remove(&xid)
        .unwrap_or_else(|| panic!("no reply {xid}"))
}

fn session_id() -> i64 {
    ConnectResponse::decode_exact(frames(S2C)[0].clone())
        .unwrap()
        .session_id
}

fn open_acl() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::new("world", "anyone"))]
}

#[test]
fn captured_from_zookeeper_3_8() {
    assert!(VERSION.starts_with("Zookeeper version: 3.8.0"), "{VERSION}");
}

#[test]
fn connect_handshake() {
    let req_frame = frames(C2S)[0].clone();
    let req = ConnectRequest::decode_exact(req_frame.clone()).unwrap();
    let expected = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        time_out: 10_000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: false,
    };
    assert_eq!(req, expected);
    assert_eq!(ConnectRequest::new(10_000), expected);
    let mut buf = BytesMut::new();
    expected.encode_frame(&mut buf);
    assert_eq!(&buf[4..], &req_frame[..]);

    let resp = ConnectResponse::decode_exact(frames(S2C)[0].clone()).unwrap();
    assert_eq!(resp.protocol_version, 0);
    assert_eq!(resp.time_out, 10_000, "negotiated session timeout");
    assert_ne!(resp.session_id, 0);
    assert_eq!(resp.passwd.len(), 16);
    assert!(!resp.read_only);
    assert!(!resp.is_expired());
    assert_eq!(&resp.to_bytes()[..], &frames(S2C)[0][..]);
}

/// Rebuilt by hand from the script in GoldenClient.java, in order: what this crate must send
/// for the same calls.
fn expected_requests() -> Vec<Request> {
    let p = |s: &str| s.to_owned();
    vec![
        Request::Create(CreateRequest {
            path: p("/golden"),
            data: Bytes::from_static(b"root"),
            acl: open_acl(),
            mode: CreateMode::Persistent,
        }),
        Request::Create2(CreateRequest {
            path: p("/golden/seq-"),
            data: Bytes::from_static(b"e"),
            acl: open_acl(),
            mode: CreateMode::EphemeralSequential,
        }),
        Request::GetData(GetDataRequest {
            path: p("/golden"),
            watch: false,
        }),
        Request::GetChildren2(GetChildren2Request {
            path: p("/golden"),
            watch: false,
        }),
        Request::Multi(MultiRequest {
            ops: vec![
                MultiOp::create("/golden/m", "m", open_acl(), CreateMode::Persistent),
                MultiOp::set_data("/golden", "root2", 0),
                MultiOp::check("/golden", 1),
            ],
        }),
        Request::Multi(MultiRequest {
            ops: vec![
                MultiOp::set_data("/golden/m", "x", -1),
                MultiOp::check("/golden", 99),
                MultiOp::delete("/golden/m", -1),
            ],
        }),
        Request::MultiRead(MultiRequest {
            ops: vec![
                MultiOp::GetData(GetDataRequest {
                    path: p("/golden"),
                    watch: false,
                }),
                MultiOp::GetChildren(GetChildrenRequest {
                    path: p("/golden"),
                    watch: false,
                }),
                MultiOp::GetData(GetDataRequest {
                    path: p("/golden/none"),
                    watch: false,
                }),
            ],
        }),
        Request::GetData(GetDataRequest {
            path: p("/golden/none"),
            watch: false,
        }),
        Request::Exists(ExistsRequest {
            path: p("/golden/w"),
            watch: true,
        }),
        Request::Create(CreateRequest {
            path: p("/golden/w"),
            data: Bytes::from_static(b"w"),
            acl: open_acl(),
            mode: CreateMode::Persistent,
        }),
        Request::GetData(GetDataRequest {
            path: p("/golden/w"),
            watch: true,
        }),
        Request::SetData(SetDataRequest {
            path: p("/golden/w"),
            data: Bytes::from_static(b"w2"),
            version: -1,
        }),
        Request::AddWatch(AddWatchRequest {
            path: p("/golden"),
            mode: AddWatchMode::PersistentRecursive,
        }),
        Request::Delete(DeleteRequest {
            path: p("/golden/w"),
            version: -1,
        }),
        Request::GetAcl(GetAclRequest { path: p("/golden") }),
        Request::Sync(SyncRequest { path: p("/golden") }),
        Request::WhoAmI,
        Request::GetEphemerals(GetEphemeralsRequest {
            prefix_path: p("/golden"),
        }),
        Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: p("/golden") }),
        Request::CloseSession,
    ]
}

#[test]
fn our_requests_are_byte_identical_to_the_java_clients() {
    let captured = requests();
    let expected = expected_requests();
    assert_eq!(captured.len(), expected.len());
    for (i, ((header, decoded, frame), ours)) in captured.iter().zip(&expected).enumerate() {
        let xid = i as Xid + 1;
        assert_eq!(header.xid, xid, "the Java client numbers xids from 1");
        assert_eq!(header.op, ours.op_code());
        assert_eq!(decoded, ours, "xid {xid}");
        let mut buf = BytesMut::new();
        ours.encode_frame(xid, &mut buf).unwrap();
        assert_eq!(buf.len(), ours.encoded_len());
        assert_eq!(
            &buf[..4],
            &(frame.len() as i32).to_be_bytes(),
            "xid {xid} length"
        );
        assert_eq!(&buf[4..], &frame[..], "xid {xid} bytes");
    }
}

#[test]
fn every_reply_re_encodes_to_the_servers_bytes() {
    let ops = op_by_xid();
    for f in frames(S2C).into_iter().skip(1) {
        let (h, mut body) = split_reply(f.clone()).unwrap();
        let mut again = BytesMut::new();
        h.encode(&mut again);
        match h.kind() {
            ReplyKind::Notification => WatchedEvent::decode(&mut body).unwrap().encode(&mut again),
            ReplyKind::Response(x) => Response::decode_reply(ops[&x], h.err, &mut body)
                .unwrap()
                .encode(&mut again),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(&again[..], &f[..], "xid {}", h.xid);
    }
}

#[test]
fn replies_arrive_in_request_order_with_rising_zxids() {
    let mut last_xid = 0;
    let mut last_zxid = 0;
    for f in frames(S2C).into_iter().skip(1) {
        let (h, _) = split_reply(f).unwrap();
        if let ReplyKind::Response(x) = h.kind() {
            assert_eq!(x, last_xid + 1, "FIFO replies");
            assert!(h.zxid >= last_zxid);
            last_xid = x;
            last_zxid = h.zxid;
        }
    }
    assert_eq!(last_xid, 20);
}

#[test]
fn create_replies() {
    let (h, r) = reply(1);
    assert_eq!(h.err, ErrorCode::Ok);
    assert_eq!(
        r,
        Response::Create(CreateResponse {
            path: "/golden".into()
        })
    );

    let (_, r) = reply(2);
    let Response::Create2(c) = r else {
        panic!("{r:?}")
    };
    assert_eq!(c.path, "/golden/seq-0000000000");
    assert_eq!(path::parse_sequence(path::basename(&c.path)), Some(0));
    assert_eq!(c.stat.ephemeral_owner, session_id());
    assert_eq!((c.stat.version, c.stat.data_length), (0, 1));
    assert_eq!(c.stat.czxid, h.zxid + 1);
}

#[test]
fn get_data_reply() {
    let (_, r) = reply(3);
    let Response::GetData(d) = r else {
        panic!("{r:?}")
    };
    assert_eq!(&d.data[..], b"root");
    assert_eq!(d.stat.version, 0);
    assert_eq!(d.stat.data_length, 4);
    assert_eq!(d.stat.num_children, 1);
    assert!(!d.stat.is_ephemeral());
    assert!(
        d.stat.ctime > 1_600_000_000_000,
        "milliseconds since the epoch"
    );
}

#[test]
fn get_children2_reply() {
    let (_, r) = reply(4);
    let Response::GetChildren2(c) = r else {
        panic!("{r:?}")
    };
    assert_eq!(c.children, vec!["seq-0000000000".to_owned()]);
    assert_eq!((c.stat.num_children, c.stat.cversion), (1, 1));
    assert_eq!(c.stat.data_length, 4);
}

#[test]
fn successful_multi_reply() {
    let (h, r) = reply(5);
    assert_eq!(h.err, ErrorCode::Ok);
    let Response::Multi(m) = r else {
        panic!("{r:?}")
    };
    assert_eq!(m.results.len(), 3);
    assert_eq!(
        m.results[0],
        MultiResult::Create(CreateResponse {
            path: "/golden/m".into()
        })
    );
    let MultiResult::SetData(s) = &m.results[1] else {
        panic!("{:?}", m.results[1])
    };
    assert_eq!((s.stat.version, s.stat.data_length), (1, 5));
    assert_eq!(s.stat.mzxid, h.zxid, "one transaction, one zxid");
    assert_eq!(m.results[2], MultiResult::Check);
    assert_eq!(m.first_error(), None);
}

#[test]
fn failed_multi_reply_has_per_op_errors_and_a_zero_header() {
    let (h, r) = reply(6);
    // The server reports a failed transaction in the results only.
    assert_eq!(h.err, ErrorCode::Ok);
    let Response::Multi(m) = r else {
        panic!("{r:?}")
    };
    assert_eq!(
        m.results,
        vec![
            MultiResult::Error(ErrorCode::Ok),
            MultiResult::Error(ErrorCode::BadVersion),
            MultiResult::Error(ErrorCode::RuntimeInconsistency),
        ]
    );
    assert_eq!(m.first_error(), Some((1, ErrorCode::BadVersion)));
}

#[test]
fn multi_read_reply_mixes_results_and_errors() {
    let (h, r) = reply(7);
    assert_eq!(h.err, ErrorCode::Ok);
    let Response::Multi(m) = r else {
        panic!("{r:?}")
    };
    assert_eq!(m.results.len(), 3);
    let MultiResult::GetData(d) = &m.results[0] else {
        panic!("{:?}", m.results[0])
    };
    assert_eq!((&d.data[..], d.stat.version), (&b"root2"[..], 1));
    let MultiResult::GetChildren(c) = &m.results[1] else {
        panic!("{:?}", m.results[1])
    };
    let mut children = c.children.clone();
    children.sort();
    assert_eq!(children, vec!["m", "seq-0000000000"]);
    assert_eq!(m.results[2], MultiResult::Error(ErrorCode::NoNode));
}

#[test]
fn error_replies_have_no_body() {
    for xid in [8, 9] {
        let (h, r) = reply(xid);
        assert_eq!(h.err, ErrorCode::NoNode, "xid {xid}");
        assert_eq!(r, Response::Empty);
    }
}

#[test]
fn watch_notifications() {
    let (_, created) = reply(10);
    assert_eq!(
        created,
        Response::Create(CreateResponse {
            path: "/golden/w".into()
        })
    );
    let (_, r) = reply(11);
    assert!(matches!(r, Response::GetData(d) if &d.data[..] == b"w"));
    let (_, r) = reply(12);
    assert!(matches!(r, Response::Stat(s) if s.version == 1 && s.data_length == 2));
    assert_eq!(
        reply(13).1,
        Response::AddWatch(ErrorResponse { err: ErrorCode::Ok })
    );
    assert_eq!(reply(14).1, Response::Empty);

    let ev = |event_type, path: &str| WatchedEvent {
        event_type,
        state: KeeperState::SyncConnected,
        path: path.into(),
    };
    assert_eq!(
        notifications(),
        vec![
            ev(EventType::NodeCreated, "/golden/w"),
            ev(EventType::NodeDataChanged, "/golden/w"),
            ev(EventType::NodeDeleted, "/golden/w"),
            // The ephemeral node goes with the session, seen by the persistent recursive watch.
            ev(EventType::NodeDeleted, "/golden/seq-0000000000"),
        ]
    );
}

#[test]
fn acl_sync_who_am_i_ephemerals_and_close() {
    let (_, r) = reply(15);
    let Response::GetAcl(a) = r else {
        panic!("{r:?}")
    };
    assert_eq!(a.acl, Acl::open_unsafe());
    assert_eq!(a.stat.aversion, 0);
    assert_eq!(
        reply(16).1,
        Response::Sync(SyncResponse {
            path: "/golden".into()
        })
    );
    assert_eq!(
        reply(17).1,
        Response::WhoAmI(WhoAmIResponse {
            client_info: vec![ClientInfo {
                auth_scheme: "ip".into(),
                user: "127.0.0.1".into()
            }]
        })
    );
    assert_eq!(
        reply(18).1,
        Response::GetEphemerals(GetEphemeralsResponse {
            ephemerals: vec!["/golden/seq-0000000000".into()]
        })
    );
    assert_eq!(
        reply(19).1,
        Response::GetAllChildrenNumber(GetAllChildrenNumberResponse { total_number: 2 })
    );
    let (h, r) = reply(20);
    assert_eq!((h.err, r), (ErrorCode::Ok, Response::Empty));
}

#[test]
fn the_stream_frames_the_same_however_it_is_chunked() {
    let whole = frames(S2C);
    for chunk in [1, 3, 7, 64] {
        let mut dec = FrameDecoder::new();
        let mut got = Vec::new();
        for part in S2C.chunks(chunk) {
            dec.feed(part);
            while let Some(f) = dec.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, whole, "chunk {chunk}");
    }
}
