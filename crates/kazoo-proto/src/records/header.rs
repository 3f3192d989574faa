//! The headers that precede every request and reply body after the connect handshake.

use crate::codec::{Decode, DecodeError, Encode, Reader};
use crate::error_code::ErrorCode;
use crate::opcode::OpCode;
use crate::types::{xid, Xid, Zxid};
use bytes::{BufMut, BytesMut};

/// `RequestHeader{xid, type}`: the first 8 bytes of every request body.
///
/// ```
/// use kazoo_proto::{Decode, Encode, OpCode, RequestHeader};
/// let h = RequestHeader { xid: 7, op: OpCode::GetData };
/// assert_eq!(&h.to_bytes()[..], &[0, 0, 0, 7, 0, 0, 0, 4]);
/// assert_eq!(RequestHeader::decode_exact(h.to_bytes()), Ok(h));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestHeader {
    /// The request id; special ids are in [`crate::types::xid`].
    pub xid: Xid,
    /// The operation.
    pub op: OpCode,
}

impl RequestHeader {
    /// Encoded size: 8 bytes.
    pub const LEN: usize = 8;
}

impl Encode for RequestHeader {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.xid);
        b.put_i32(self.op.code());
    }
    fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

impl Decode for RequestHeader {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let xid = r.read_i32()?;
        let code = r.read_i32()?;
        let op = OpCode::from_code(code).ok_or(DecodeError::UnknownValue {
            what: "op code",
            value: code,
        })?;
        Ok(RequestHeader { xid, op })
    }
}

/// `ReplyHeader{xid, zxid, err}`: the first 16 bytes of every reply and notification.
///
/// ```
/// use kazoo_proto::{ErrorCode, ReplyHeader, ReplyKind};
/// let h = ReplyHeader { xid: -2, zxid: 5, err: ErrorCode::Ok };
/// assert_eq!(h.kind(), ReplyKind::Ping);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyHeader {
    /// The xid of the request answered, or a special xid.
    pub xid: Xid,
    /// The server's last zxid when it sent the reply.
    pub zxid: Zxid,
    /// The outcome; anything but [`ErrorCode::Ok`] means the body is empty (except for multi).
    pub err: ErrorCode,
}

impl ReplyHeader {
    /// Encoded size: 16 bytes.
    pub const LEN: usize = 16;

    /// What this reply is, from its xid.
    pub fn kind(&self) -> ReplyKind {
        ReplyKind::from_xid(self.xid)
    }
}

impl Encode for ReplyHeader {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.xid);
        b.put_i64(self.zxid);
        b.put_i32(self.err.code());
    }
    fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

impl Decode for ReplyHeader {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ReplyHeader {
            xid: r.read_i32()?,
            zxid: r.read_i64()?,
            err: ErrorCode::from_code(r.read_i32()?),
        })
    }
}

/// How a reply is routed, decided by its xid.
///
/// ```
/// use kazoo_proto::ReplyKind;
/// assert_eq!(ReplyKind::from_xid(-1), ReplyKind::Notification);
/// assert_eq!(ReplyKind::from_xid(42), ReplyKind::Response(42));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyKind {
    /// xid -1: a watch notification; the body is a `WatcherEvent`.
    Notification,
    /// xid -2: the answer to a ping.
    Ping,
    /// xid -4: the answer to an auth packet.
    Auth,
    /// xid -8: the answer to SetWatches / SetWatches2.
    SetWatches,
    /// Any other xid: the answer to the request with that xid (matched in FIFO order).
    Response(Xid),
}

impl ReplyKind {
    /// Classifies an xid.
    pub fn from_xid(x: Xid) -> ReplyKind {
        match x {
            xid::NOTIFICATION => ReplyKind::Notification,
            xid::PING => ReplyKind::Ping,
            xid::AUTH => ReplyKind::Auth,
            xid::SET_WATCHES => ReplyKind::SetWatches,
            other => ReplyKind::Response(other),
        }
    }
}
