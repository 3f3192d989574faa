//! The [`Response`] enum: the body of a reply, decoded according to the op code of the request it
//! answers. The reply header is decoded separately (see [`crate::frame::split_reply`]).

use crate::codec::{Decode, DecodeError, Encode, Reader};
use crate::error_code::ErrorCode;
use crate::opcode::OpCode;
use crate::records::*;
use crate::stat::Stat;
use bytes::BytesMut;

/// A decoded reply body, one variant per reply shape.
///
/// ```
/// use bytes::Bytes;
/// use kazoo_proto::{Encode, OpCode, Reader, Response, Stat};
/// let stat = Stat { version: 2, ..Stat::default() };
/// let mut body = Reader::new(stat.to_bytes());
/// assert_eq!(Response::decode(OpCode::SetData, &mut body), Ok(Response::Stat(stat)));
/// let mut empty = Reader::new(Bytes::new());
/// assert_eq!(Response::decode(OpCode::Delete, &mut empty), Ok(Response::Empty));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// create: the created path.
    Create(CreateResponse),
    /// create2, createContainer, createTTL: the created path and its stat.
    Create2(Create2Response),
    /// exists, setData, setACL and standalone check (3.9+): a stat.
    Stat(Stat),
    /// getData, and reconfig (the new configuration as data).
    GetData(GetDataResponse),
    /// getACL.
    GetAcl(GetAclResponse),
    /// getChildren.
    GetChildren(GetChildrenResponse),
    /// getChildren2.
    GetChildren2(GetChildren2Response),
    /// sync: the synced path.
    Sync(SyncResponse),
    /// multi and multiRead: one result per op.
    Multi(MultiResponse),
    /// sasl: the server's token.
    Sasl(SetSaslResponse),
    /// getEphemerals.
    GetEphemerals(GetEphemeralsResponse),
    /// getAllChildrenNumber.
    GetAllChildrenNumber(GetAllChildrenNumberResponse),
    /// whoAmI.
    WhoAmI(WhoAmIResponse),
    /// addWatch: an error code body, 0 on success.
    AddWatch(ErrorResponse),
    /// No body: delete, setWatches, setWatches2, checkWatches, removeWatches, auth, ping,
    /// closeSession, and every failed reply except multi.
    Empty,
}

impl Response {
    /// Decodes the body of a successful reply to a request with op code `op`.
    ///
    /// Bytes after the record are left in `body` and not treated as an error: the Java client
    /// ignores them too, which keeps older clients working when a server appends a field.
    pub fn decode(op: OpCode, body: &mut Reader) -> Result<Response, DecodeError> {
        use Response as P;
        Ok(match op {
            OpCode::Create => P::Create(Decode::decode(body)?),
            OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => {
                P::Create2(Decode::decode(body)?)
            }
            OpCode::Exists | OpCode::SetData | OpCode::SetAcl => P::Stat(Decode::decode(body)?),
            // Servers before 3.9 do not answer a standalone check with a stat.
            OpCode::Check if body.is_empty() => P::Empty,
            OpCode::Check => P::Stat(Decode::decode(body)?),
            OpCode::GetData | OpCode::Reconfig => P::GetData(Decode::decode(body)?),
            OpCode::GetAcl => P::GetAcl(Decode::decode(body)?),
            OpCode::GetChildren => P::GetChildren(Decode::decode(body)?),
            OpCode::GetChildren2 => P::GetChildren2(Decode::decode(body)?),
            OpCode::Sync => P::Sync(Decode::decode(body)?),
            OpCode::Multi | OpCode::MultiRead => P::Multi(Decode::decode(body)?),
            OpCode::Sasl => P::Sasl(Decode::decode(body)?),
            OpCode::GetEphemerals => P::GetEphemerals(Decode::decode(body)?),
            OpCode::GetAllChildrenNumber => P::GetAllChildrenNumber(Decode::decode(body)?),
            OpCode::WhoAmI => P::WhoAmI(Decode::decode(body)?),
            OpCode::AddWatch => P::AddWatch(Decode::decode(body)?),
            OpCode::Notification
            | OpCode::Delete
            | OpCode::Ping
            | OpCode::CheckWatches
            | OpCode::RemoveWatches
            | OpCode::DeleteContainer
            | OpCode::Auth
            | OpCode::SetWatches
            | OpCode::SetWatches2
            | OpCode::CreateSession
            | OpCode::CloseSession
            | OpCode::Error => P::Empty,
        })
    }

    /// Decodes a reply body given its header's error code: a failed reply has no body
    /// ([`Response::Empty`]), except a failed multi, which still lists per-op results when the
    /// server got as far as running the transaction.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use kazoo_proto::{ErrorCode, OpCode, Reader, Response};
    /// let mut body = Reader::new(Bytes::new());
    /// let r = Response::decode_reply(OpCode::GetData, ErrorCode::NoNode, &mut body);
    /// assert_eq!(r, Ok(Response::Empty));
    /// ```
    pub fn decode_reply(
        op: OpCode,
        err: ErrorCode,
        body: &mut Reader,
    ) -> Result<Response, DecodeError> {
        let is_multi = matches!(op, OpCode::Multi | OpCode::MultiRead);
        if err != ErrorCode::Ok && (!is_multi || body.is_empty()) {
            return Ok(Response::Empty);
        }
        Response::decode(op, body)
    }

    fn body(&self) -> Option<&dyn Encode> {
        use Response as P;
        Some(match self {
            P::Create(r) => r,
            P::Create2(r) => r,
            P::Stat(r) => r,
            P::GetData(r) => r,
            P::GetAcl(r) => r,
            P::GetChildren(r) => r,
            P::GetChildren2(r) => r,
            P::Sync(r) => r,
            P::Multi(r) => r,
            P::Sasl(r) => r,
            P::GetEphemerals(r) => r,
            P::GetAllChildrenNumber(r) => r,
            P::WhoAmI(r) => r,
            P::AddWatch(r) => r,
            P::Empty => return None,
        })
    }
}

/// Encodes the body as a server would (used by tests and fake servers).
impl Encode for Response {
    fn encode(&self, buf: &mut BytesMut) {
        if let Some(b) = self.body() {
            b.encode(buf);
        }
    }
    fn encoded_len(&self) -> usize {
        self.body().map_or(0, Encode::encoded_len)
    }
}
