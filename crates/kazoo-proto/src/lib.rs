//! Sans-io ZooKeeper wire protocol: the jute codec, every record of ZooKeeper 3.4 to 3.9, op codes,
//! error codes, create modes, ACL types and path validation. No sockets, no runtime, no clock.
//!
//! Everything that decodes bytes from the network returns a typed [`DecodeError`] on bad input and
//! never panics or reads past the end of its input.
//!
//! A client's round trip, without I/O:
//!
//! ```
//! use bytes::BytesMut;
//! use kazoo_proto::frame::{split_reply, FrameDecoder};
//! use kazoo_proto::{Encode, ErrorCode, GetDataRequest, ReplyHeader, Request, Response, Stat};
//!
//! // Encode a request frame with xid 1.
//! let req = Request::GetData(GetDataRequest { path: "/app".into(), watch: false });
//! let mut out = BytesMut::new();
//! req.encode_frame(1, &mut out).unwrap();
//!
//! // Pretend the server answered: length, reply header, GetDataResponse.
//! let mut wire = BytesMut::new();
//! let header = ReplyHeader { xid: 1, zxid: 10, err: ErrorCode::Ok };
//! let body = kazoo_proto::GetDataResponse { data: "hi".into(), stat: Stat::default() };
//! wire.extend_from_slice(&((header.encoded_len() + body.encoded_len()) as i32).to_be_bytes());
//! header.encode(&mut wire);
//! body.encode(&mut wire);
//!
//! let mut frames = FrameDecoder::new();
//! frames.feed(&wire);
//! let frame = frames.next_frame().unwrap().unwrap();
//! let (header, mut reader) = split_reply(frame).unwrap();
//! let resp = Response::decode_reply(req.op_code(), header.err, &mut reader).unwrap();
//! assert!(matches!(resp, Response::GetData(d) if d.data == "hi"));
//! ```
#![forbid(unsafe_code)]

pub mod acl;
pub mod codec;
pub mod error_code;
pub mod event;
pub mod frame;
pub mod opcode;
pub mod path;
pub mod records;
pub mod request;
pub mod response;
pub mod stat;
pub mod types;

pub use acl::{Acl, Id, Perms};
pub use codec::{Decode, DecodeError, Encode, EncodeError, Reader};
pub use error_code::ErrorCode;
pub use event::{EventType, KeeperState, WatchedEvent};
pub use frame::{FrameDecoder, FrameError};
pub use opcode::OpCode;
pub use path::{validate_path, PathError};
pub use records::*;
pub use request::Request;
pub use response::Response;
pub use stat::Stat;
pub use types::{CreateMode, SessionId, Xid, Zxid};
