//! The [`Request`] enum: every request a client sends after the handshake, with its op code and
//! the exact framing (`length, RequestHeader, body`).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::opcode::OpCode;
use crate::records::*;
use crate::types::{xid, Xid};
use bytes::{BufMut, Bytes, BytesMut};

/// A request, ready to be framed with an xid. Paths are server-absolute (chroot already applied).
///
/// ```
/// use bytes::BytesMut;
/// use kazoo_proto::{GetDataRequest, OpCode, Request};
/// let req = Request::GetData(GetDataRequest { path: "/app".into(), watch: true });
/// assert_eq!(req.op_code(), OpCode::GetData);
/// assert_eq!(req.path(), Some("/app"));
/// let mut buf = BytesMut::new();
/// req.encode_frame(1, &mut buf).unwrap();
/// assert_eq!(buf.len(), req.encoded_len());
/// assert_eq!(&buf[..12], &[0, 0, 0, 17, 0, 0, 0, 1, 0, 0, 0, 4]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// create (1).
    Create(CreateRequest),
    /// create2 (15, 3.5+): like create, the reply also carries the stat.
    Create2(CreateRequest),
    /// createContainer (19, 3.5.3+).
    CreateContainer(CreateRequest),
    /// createTTL (21, 3.5.3+).
    CreateTtl(CreateTtlRequest),
    /// delete (2).
    Delete(DeleteRequest),
    /// exists (3).
    Exists(ExistsRequest),
    /// getData (4).
    GetData(GetDataRequest),
    /// setData (5).
    SetData(SetDataRequest),
    /// getACL (6).
    GetAcl(GetAclRequest),
    /// setACL (7).
    SetAcl(SetAclRequest),
    /// getChildren (8).
    GetChildren(GetChildrenRequest),
    /// getChildren2 (12).
    GetChildren2(GetChildren2Request),
    /// sync (9).
    Sync(SyncRequest),
    /// check (13), standalone (3.9+); inside a multi use [`MultiOp::Check`].
    Check(CheckVersionRequest),
    /// multi (14): a transaction.
    Multi(MultiRequest),
    /// multiRead (22, 3.6+): several reads, each succeeding or failing on its own.
    MultiRead(MultiRequest),
    /// reconfig (16, 3.5+).
    Reconfig(ReconfigRequest),
    /// checkWatches (17, 3.5+).
    CheckWatches(CheckWatchesRequest),
    /// removeWatches (18, 3.5+).
    RemoveWatches(RemoveWatchesRequest),
    /// addWatch (106, 3.6+).
    AddWatch(AddWatchRequest),
    /// setWatches (101), sent with xid -8.
    SetWatches(SetWatches),
    /// setWatches2 (105, 3.6+), sent with xid -8.
    SetWatches2(SetWatches2),
    /// auth (100), sent with xid -4.
    Auth(AuthPacket),
    /// sasl (102).
    Sasl(GetSaslRequest),
    /// getEphemerals (103, 3.6+).
    GetEphemerals(GetEphemeralsRequest),
    /// getAllChildrenNumber (104, 3.6+).
    GetAllChildrenNumber(GetAllChildrenNumberRequest),
    /// whoAmI (107, 3.7+): no body.
    WhoAmI,
    /// ping (11), sent with xid -2: no body.
    Ping,
    /// closeSession (-11): no body.
    CloseSession,
}

impl Request {
    /// The op code written in the request header.
    pub fn op_code(&self) -> OpCode {
        use Request::*;
        match self {
            Create(_) => OpCode::Create,
            Create2(_) => OpCode::Create2,
            CreateContainer(_) => OpCode::CreateContainer,
            CreateTtl(_) => OpCode::CreateTtl,
            Delete(_) => OpCode::Delete,
            Exists(_) => OpCode::Exists,
            GetData(_) => OpCode::GetData,
            SetData(_) => OpCode::SetData,
            GetAcl(_) => OpCode::GetAcl,
            SetAcl(_) => OpCode::SetAcl,
            GetChildren(_) => OpCode::GetChildren,
            GetChildren2(_) => OpCode::GetChildren2,
            Sync(_) => OpCode::Sync,
            Check(_) => OpCode::Check,
            Multi(_) => OpCode::Multi,
            MultiRead(_) => OpCode::MultiRead,
            Reconfig(_) => OpCode::Reconfig,
            CheckWatches(_) => OpCode::CheckWatches,
            RemoveWatches(_) => OpCode::RemoveWatches,
            AddWatch(_) => OpCode::AddWatch,
            SetWatches(_) => OpCode::SetWatches,
            SetWatches2(_) => OpCode::SetWatches2,
            Auth(_) => OpCode::Auth,
            Sasl(_) => OpCode::Sasl,
            GetEphemerals(_) => OpCode::GetEphemerals,
            GetAllChildrenNumber(_) => OpCode::GetAllChildrenNumber,
            WhoAmI => OpCode::WhoAmI,
            Ping => OpCode::Ping,
            CloseSession => OpCode::CloseSession,
        }
    }

    /// The xid this request must be sent with, for those the protocol reserves one
    /// (ping -2, auth -4, setWatches / setWatches2 -8); `None` means use the next normal xid.
    pub fn fixed_xid(&self) -> Option<Xid> {
        match self {
            Request::Ping => Some(xid::PING),
            Request::Auth(_) => Some(xid::AUTH),
            Request::SetWatches(_) | Request::SetWatches2(_) => Some(xid::SET_WATCHES),
            _ => None,
        }
    }

    /// The single node path the request addresses, if it has one (for getEphemerals, the prefix).
    pub fn path(&self) -> Option<&str> {
        use Request::*;
        Some(match self {
            Create(r) | Create2(r) | CreateContainer(r) => &r.path,
            CreateTtl(r) => &r.path,
            Delete(r) => &r.path,
            Exists(r) => &r.path,
            GetData(r) => &r.path,
            SetData(r) => &r.path,
            GetAcl(r) => &r.path,
            SetAcl(r) => &r.path,
            GetChildren(r) => &r.path,
            GetChildren2(r) => &r.path,
            Sync(r) => &r.path,
            Check(r) => &r.path,
            CheckWatches(r) => &r.path,
            RemoveWatches(r) => &r.path,
            AddWatch(r) => &r.path,
            GetEphemerals(r) => &r.prefix_path,
            GetAllChildrenNumber(r) => &r.path,
            Multi(_) | MultiRead(_) | Reconfig(_) | SetWatches(_) | SetWatches2(_) | Auth(_)
            | Sasl(_) | WhoAmI | Ping | CloseSession => return None,
        })
    }

    fn body(&self) -> Option<&dyn Encode> {
        use Request::*;
        Some(match self {
            Create(r) | Create2(r) | CreateContainer(r) => r,
            CreateTtl(r) => r,
            Delete(r) => r,
            Exists(r) => r,
            GetData(r) => r,
            SetData(r) => r,
            GetAcl(r) => r,
            SetAcl(r) => r,
            GetChildren(r) => r,
            GetChildren2(r) => r,
            Sync(r) => r,
            Check(r) => r,
            Multi(r) | MultiRead(r) => r,
            Reconfig(r) => r,
            CheckWatches(r) => r,
            RemoveWatches(r) => r,
            AddWatch(r) => r,
            SetWatches(r) => r,
            SetWatches2(r) => r,
            Auth(r) => r,
            Sasl(r) => r,
            GetEphemerals(r) => r,
            GetAllChildrenNumber(r) => r,
            WhoAmI | Ping | CloseSession => return None,
        })
    }

    /// Size of the body alone (after the request header).
    pub fn body_len(&self) -> usize {
        self.body().map_or(0, Encode::encoded_len)
    }

    /// Size of the whole frame [`Request::encode_frame`] writes: the 4-byte length, the 8-byte
    /// header and the body.
    pub fn encoded_len(&self) -> usize {
        4 + RequestHeader::LEN + self.body_len()
    }

    /// Appends the complete frame (length prefix, header with `xid`, body) to `buf`, reserving
    /// the exact size once. Fails without writing anything when the frame cannot be represented
    /// (its length does not fit the `i32` prefix); checking the server's `jute.maxbuffer` is the
    /// caller's business.
    pub fn encode_frame(&self, xid: Xid, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let announced = length_prefix(len - 4)?;
        buf.reserve(len);
        buf.put_i32(announced);
        RequestHeader {
            xid,
            op: self.op_code(),
        }
        .encode(buf);
        if let Some(body) = self.body() {
            body.encode(buf);
        }
        Ok(())
    }

    /// Decodes a request body for `op` (what a server or a test proxy does).
    pub fn decode(op: OpCode, r: &mut Reader) -> Result<Request, DecodeError> {
        use Request as Q;
        Ok(match op {
            OpCode::Create => Q::Create(Decode::decode(r)?),
            OpCode::Create2 => Q::Create2(Decode::decode(r)?),
            OpCode::CreateContainer => Q::CreateContainer(Decode::decode(r)?),
            OpCode::CreateTtl => Q::CreateTtl(Decode::decode(r)?),
            OpCode::Delete => Q::Delete(Decode::decode(r)?),
            OpCode::Exists => Q::Exists(Decode::decode(r)?),
            OpCode::GetData => Q::GetData(Decode::decode(r)?),
            OpCode::SetData => Q::SetData(Decode::decode(r)?),
            OpCode::GetAcl => Q::GetAcl(Decode::decode(r)?),
            OpCode::SetAcl => Q::SetAcl(Decode::decode(r)?),
            OpCode::GetChildren => Q::GetChildren(Decode::decode(r)?),
            OpCode::GetChildren2 => Q::GetChildren2(Decode::decode(r)?),
            OpCode::Sync => Q::Sync(Decode::decode(r)?),
            OpCode::Check => Q::Check(Decode::decode(r)?),
            OpCode::Multi => Q::Multi(Decode::decode(r)?),
            OpCode::MultiRead => Q::MultiRead(Decode::decode(r)?),
            OpCode::Reconfig => Q::Reconfig(Decode::decode(r)?),
            OpCode::CheckWatches => Q::CheckWatches(Decode::decode(r)?),
            OpCode::RemoveWatches => Q::RemoveWatches(Decode::decode(r)?),
            OpCode::AddWatch => Q::AddWatch(Decode::decode(r)?),
            OpCode::SetWatches => Q::SetWatches(Decode::decode(r)?),
            OpCode::SetWatches2 => Q::SetWatches2(Decode::decode(r)?),
            OpCode::Auth => Q::Auth(Decode::decode(r)?),
            OpCode::Sasl => Q::Sasl(Decode::decode(r)?),
            OpCode::GetEphemerals => Q::GetEphemerals(Decode::decode(r)?),
            OpCode::GetAllChildrenNumber => Q::GetAllChildrenNumber(Decode::decode(r)?),
            OpCode::WhoAmI => Q::WhoAmI,
            OpCode::Ping => Q::Ping,
            OpCode::CloseSession => Q::CloseSession,
            other => {
                return Err(DecodeError::UnknownValue {
                    what: "request op code",
                    value: other.code(),
                })
            }
        })
    }

    /// Decodes a whole request frame body (after the length prefix): header, then body, with no
    /// bytes left over.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use kazoo_proto::Request;
    /// let mut buf = BytesMut::new();
    /// Request::Ping.encode_frame(-2, &mut buf).unwrap();
    /// let (header, req) = Request::decode_frame(buf.freeze().slice(4..)).unwrap();
    /// assert_eq!((header.xid, req), (-2, Request::Ping));
    /// ```
    pub fn decode_frame(frame: Bytes) -> Result<(RequestHeader, Request), DecodeError> {
        let mut r = Reader::new(frame);
        let header = RequestHeader::decode(&mut r)?;
        let req = Request::decode(header.op, &mut r)?;
        r.finish()?;
        Ok((header, req))
    }
}

/// The `i32` length prefix for a frame of `len` bytes, refused when it does not fit.
fn length_prefix(len: usize) -> Result<i32, EncodeError> {
    i32::try_from(len).map_err(|_| EncodeError::FrameTooLarge {
        len,
        max: i32::MAX as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_beyond_i32_are_refused_not_truncated() {
        assert_eq!(length_prefix(i32::MAX as usize), Ok(i32::MAX));
        assert_eq!(
            length_prefix(i32::MAX as usize + 1),
            Err(EncodeError::FrameTooLarge {
                len: i32::MAX as usize + 1,
                max: i32::MAX as usize
            })
        );
    }
}
