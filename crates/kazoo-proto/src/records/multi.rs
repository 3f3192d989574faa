//! multi (14) and multiRead (22): several operations in one request. Each op and each result is
//! preceded by a `MultiHeader`, and the list ends with the header `{type: -1, done: true, err: -1}`.

use super::field::record;
use super::{
    CheckVersionRequest, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, GetChildrenRequest, GetChildrenResponse, GetDataRequest, GetDataResponse,
    SetDataRequest, SetDataResponse,
};
use crate::acl::Acl;
use crate::codec::{Decode, DecodeError, Encode, Reader};
use crate::error_code::ErrorCode;
use crate::opcode::OpCode;
use crate::types::CreateMode;
use bytes::{BufMut, Bytes, BytesMut};

record! {
    /// `MultiHeader`: precedes each op of a multi request and each result of its reply.
    pub struct MultiHeader {
        /// The op code of what follows, -1 for an error result or the end marker.
        pub op_type: i32,
        /// True only on the end marker.
        pub done: bool,
        /// -1 in requests; the error code of an error result in replies.
        pub err: i32,
    }
}

impl MultiHeader {
    /// The marker that ends the op or result list: `{-1, true, -1}`.
    pub const END: MultiHeader = MultiHeader {
        op_type: -1,
        done: true,
        err: -1,
    };
    /// Encoded size: 9 bytes.
    pub const LEN: usize = 9;
}

/// One operation of a multi (transaction) or multiRead request.
///
/// Write ops (create*, delete, setData, check) go in a multi; `GetData` and `GetChildren` go in a
/// multiRead (3.6+). The server refuses a request that mixes the two kinds.
///
/// ```
/// use kazoo_proto::{Acl, CreateMode, MultiOp, OpCode};
/// let op = MultiOp::create("/a", "x", Acl::open_unsafe(), CreateMode::Persistent);
/// assert_eq!(op.op_code(), OpCode::Create);
/// assert_eq!(op.path(), "/a");
/// assert!(!op.is_read());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiOp {
    /// create (1): the result is the path.
    Create(CreateRequest),
    /// create2 (15): the result is the path and the stat.
    Create2(CreateRequest),
    /// createContainer (19).
    CreateContainer(CreateRequest),
    /// createTTL (21).
    CreateTtl(CreateTtlRequest),
    /// delete (2).
    Delete(DeleteRequest),
    /// setData (5).
    SetData(SetDataRequest),
    /// check (13): fails the transaction unless the node has the version.
    Check(CheckVersionRequest),
    /// getData (4), multiRead only.
    GetData(GetDataRequest),
    /// getChildren (8), multiRead only.
    GetChildren(GetChildrenRequest),
}

impl MultiOp {
    /// A create op (op code 1).
    pub fn create(
        path: impl Into<String>,
        data: impl Into<Bytes>,
        acl: Vec<Acl>,
        mode: CreateMode,
    ) -> MultiOp {
        MultiOp::Create(CreateRequest {
            path: path.into(),
            data: data.into(),
            acl,
            mode,
        })
    }
    /// A delete op; `version` -1 matches any version.
    pub fn delete(path: impl Into<String>, version: i32) -> MultiOp {
        MultiOp::Delete(DeleteRequest {
            path: path.into(),
            version,
        })
    }
    /// A setData op; `version` -1 matches any version.
    pub fn set_data(path: impl Into<String>, data: impl Into<Bytes>, version: i32) -> MultiOp {
        MultiOp::SetData(SetDataRequest {
            path: path.into(),
            data: data.into(),
            version,
        })
    }
    /// A version check op.
    pub fn check(path: impl Into<String>, version: i32) -> MultiOp {
        MultiOp::Check(CheckVersionRequest {
            path: path.into(),
            version,
        })
    }

    /// The op code written in the op's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            MultiOp::Create(_) => OpCode::Create,
            MultiOp::Create2(_) => OpCode::Create2,
            MultiOp::CreateContainer(_) => OpCode::CreateContainer,
            MultiOp::CreateTtl(_) => OpCode::CreateTtl,
            MultiOp::Delete(_) => OpCode::Delete,
            MultiOp::SetData(_) => OpCode::SetData,
            MultiOp::Check(_) => OpCode::Check,
            MultiOp::GetData(_) => OpCode::GetData,
            MultiOp::GetChildren(_) => OpCode::GetChildren,
        }
    }

    /// The path the op works on.
    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => &r.path,
            MultiOp::CreateTtl(r) => &r.path,
            MultiOp::Delete(r) => &r.path,
            MultiOp::SetData(r) => &r.path,
            MultiOp::Check(r) => &r.path,
            MultiOp::GetData(r) => &r.path,
            MultiOp::GetChildren(r) => &r.path,
        }
    }

    /// A mutable reference to the path, e.g. to prepend a chroot.
    pub fn path_mut(&mut self) -> &mut String {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => &mut r.path,
            MultiOp::CreateTtl(r) => &mut r.path,
            MultiOp::Delete(r) => &mut r.path,
            MultiOp::SetData(r) => &mut r.path,
            MultiOp::Check(r) => &mut r.path,
            MultiOp::GetData(r) => &mut r.path,
            MultiOp::GetChildren(r) => &mut r.path,
        }
    }

    /// True for the multiRead ops (getData, getChildren).
    pub fn is_read(&self) -> bool {
        matches!(self, MultiOp::GetData(_) | MultiOp::GetChildren(_))
    }

    fn body_len(&self) -> usize {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => {
                r.encoded_len()
            }
            MultiOp::CreateTtl(r) => r.encoded_len(),
            MultiOp::Delete(r) => r.encoded_len(),
            MultiOp::SetData(r) => r.encoded_len(),
            MultiOp::Check(r) => r.encoded_len(),
            MultiOp::GetData(r) => r.encoded_len(),
            MultiOp::GetChildren(r) => r.encoded_len(),
        }
    }

    fn encode_body(&self, b: &mut BytesMut) {
        match self {
            MultiOp::Create(r) | MultiOp::Create2(r) | MultiOp::CreateContainer(r) => r.encode(b),
            MultiOp::CreateTtl(r) => r.encode(b),
            MultiOp::Delete(r) => r.encode(b),
            MultiOp::SetData(r) => r.encode(b),
            MultiOp::Check(r) => r.encode(b),
            MultiOp::GetData(r) => r.encode(b),
            MultiOp::GetChildren(r) => r.encode(b),
        }
    }

    fn decode_body(op_type: i32, r: &mut Reader) -> Result<MultiOp, DecodeError> {
        let op = OpCode::from_code(op_type);
        Ok(match op {
            Some(OpCode::Create) => MultiOp::Create(CreateRequest::decode(r)?),
            Some(OpCode::Create2) => MultiOp::Create2(CreateRequest::decode(r)?),
            Some(OpCode::CreateContainer) => MultiOp::CreateContainer(CreateRequest::decode(r)?),
            Some(OpCode::CreateTtl) => MultiOp::CreateTtl(CreateTtlRequest::decode(r)?),
            Some(OpCode::Delete) => MultiOp::Delete(DeleteRequest::decode(r)?),
            Some(OpCode::SetData) => MultiOp::SetData(SetDataRequest::decode(r)?),
            Some(OpCode::Check) => MultiOp::Check(CheckVersionRequest::decode(r)?),
            Some(OpCode::GetData) => MultiOp::GetData(GetDataRequest::decode(r)?),
            Some(OpCode::GetChildren) => MultiOp::GetChildren(GetChildrenRequest::decode(r)?),
            _ => {
                return Err(DecodeError::UnknownValue {
                    what: "multi op type",
                    value: op_type,
                })
            }
        })
    }
}

/// The body of a multi or multiRead request: the ops, each behind its header, then the end marker.
///
/// ```
/// use kazoo_proto::{Decode, Encode, MultiOp, MultiRequest};
/// let req = MultiRequest { ops: vec![MultiOp::check("/a", 3), MultiOp::delete("/a", 3)] };
/// let bytes = req.to_bytes();
/// assert_eq!(bytes.len(), req.encoded_len());
/// assert_eq!(MultiRequest::decode_exact(bytes), Ok(req));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiRequest {
    /// The operations, applied in order.
    pub ops: Vec<MultiOp>,
}

impl Encode for MultiRequest {
    fn encode(&self, b: &mut BytesMut) {
        for op in &self.ops {
            MultiHeader {
                op_type: op.op_code().code(),
                done: false,
                err: -1,
            }
            .encode(b);
            op.encode_body(b);
        }
        MultiHeader::END.encode(b);
    }
    fn encoded_len(&self) -> usize {
        self.ops
            .iter()
            .map(|op| MultiHeader::LEN + op.body_len())
            .sum::<usize>()
            + MultiHeader::LEN
    }
}

impl Decode for MultiRequest {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut ops = Vec::new();
        // Each iteration consumes at least a 9-byte header, so the loop ends with the input.
        loop {
            let h = MultiHeader::decode(r)?;
            if h.done {
                return Ok(MultiRequest { ops });
            }
            ops.push(MultiOp::decode_body(h.op_type, r)?);
        }
    }
}

/// The outcome of one op in a multi or multiRead reply.
///
/// When a transaction fails, every op reports [`MultiResult::Error`]: the failing op its own
/// code, the ops before it [`ErrorCode::Ok`] (rolled back) and those after it
/// [`ErrorCode::RuntimeInconsistency`]. In a multiRead each op succeeds or fails on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiResult {
    /// A create op's result (op code 1).
    Create(CreateResponse),
    /// A create2 / createContainer / createTTL op's result (op code 15).
    Create2(Create2Response),
    /// A delete op succeeded.
    Delete,
    /// A setData op's result.
    SetData(SetDataResponse),
    /// A check op succeeded.
    Check,
    /// A multiRead getData result.
    GetData(GetDataResponse),
    /// A multiRead getChildren result.
    GetChildren(GetChildrenResponse),
    /// The op failed or was rolled back (header type -1, body `ErrorResponse`).
    Error(ErrorCode),
}

impl MultiResult {
    /// The error code if this is an error result.
    pub fn error(&self) -> Option<ErrorCode> {
        match self {
            MultiResult::Error(e) => Some(*e),
            _ => None,
        }
    }

    fn header(&self) -> MultiHeader {
        let (op, err) = match self {
            MultiResult::Create(_) => (OpCode::Create, 0),
            MultiResult::Create2(_) => (OpCode::Create2, 0),
            MultiResult::Delete => (OpCode::Delete, 0),
            MultiResult::SetData(_) => (OpCode::SetData, 0),
            MultiResult::Check => (OpCode::Check, 0),
            MultiResult::GetData(_) => (OpCode::GetData, 0),
            MultiResult::GetChildren(_) => (OpCode::GetChildren, 0),
            MultiResult::Error(e) => (OpCode::Error, e.code()),
        };
        MultiHeader {
            op_type: op.code(),
            done: false,
            err,
        }
    }

    fn body_len(&self) -> usize {
        match self {
            MultiResult::Create(r) => r.encoded_len(),
            MultiResult::Create2(r) => r.encoded_len(),
            MultiResult::Delete | MultiResult::Check => 0,
            MultiResult::SetData(r) => r.encoded_len(),
            MultiResult::GetData(r) => r.encoded_len(),
            MultiResult::GetChildren(r) => r.encoded_len(),
            MultiResult::Error(_) => 4,
        }
    }

    fn encode_body(&self, b: &mut BytesMut) {
        match self {
            MultiResult::Create(r) => r.encode(b),
            MultiResult::Create2(r) => r.encode(b),
            MultiResult::Delete | MultiResult::Check => {}
            MultiResult::SetData(r) => r.encode(b),
            MultiResult::GetData(r) => r.encode(b),
            MultiResult::GetChildren(r) => r.encode(b),
            MultiResult::Error(e) => b.put_i32(e.code()),
        }
    }

    fn decode_body(op_type: i32, r: &mut Reader) -> Result<MultiResult, DecodeError> {
        Ok(match OpCode::from_code(op_type) {
            Some(OpCode::Create) => MultiResult::Create(CreateResponse::decode(r)?),
            Some(OpCode::Create2) => MultiResult::Create2(Create2Response::decode(r)?),
            Some(OpCode::Delete) => MultiResult::Delete,
            Some(OpCode::SetData) => MultiResult::SetData(SetDataResponse::decode(r)?),
            Some(OpCode::Check) => MultiResult::Check,
            Some(OpCode::GetData) => MultiResult::GetData(GetDataResponse::decode(r)?),
            Some(OpCode::GetChildren) => MultiResult::GetChildren(GetChildrenResponse::decode(r)?),
            // Like the Java client, the code comes from the ErrorResponse body, not the header.
            Some(OpCode::Error) => MultiResult::Error(ErrorCode::from_code(r.read_i32()?)),
            _ => {
                return Err(DecodeError::UnknownValue {
                    what: "multi result type",
                    value: op_type,
                })
            }
        })
    }
}

/// The body of a multi or multiRead reply.
///
/// ```
/// use kazoo_proto::{Decode, Encode, ErrorCode, MultiResponse, MultiResult};
/// let resp = MultiResponse {
///     results: vec![MultiResult::Error(ErrorCode::Ok), MultiResult::Error(ErrorCode::BadVersion)],
/// };
/// assert_eq!(resp.first_error(), Some((1, ErrorCode::BadVersion)));
/// assert_eq!(MultiResponse::decode_exact(resp.to_bytes()), Ok(resp));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiResponse {
    /// One result per op, in request order.
    pub results: Vec<MultiResult>,
}

impl MultiResponse {
    /// The index and code of the first error result other than [`ErrorCode::Ok`]: the op that
    /// made a transaction fail.
    pub fn first_error(&self) -> Option<(usize, ErrorCode)> {
        self.results
            .iter()
            .enumerate()
            .find_map(|(i, r)| match r.error() {
                Some(e) if e != ErrorCode::Ok => Some((i, e)),
                _ => None,
            })
    }
}

impl Encode for MultiResponse {
    fn encode(&self, b: &mut BytesMut) {
        for res in &self.results {
            res.header().encode(b);
            res.encode_body(b);
        }
        MultiHeader::END.encode(b);
    }
    fn encoded_len(&self) -> usize {
        self.results
            .iter()
            .map(|r| MultiHeader::LEN + r.body_len())
            .sum::<usize>()
            + MultiHeader::LEN
    }
}

impl Decode for MultiResponse {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut results = Vec::new();
        loop {
            let h = MultiHeader::decode(r)?;
            if h.done {
                return Ok(MultiResponse { results });
            }
            results.push(MultiResult::decode_body(h.op_type, r)?);
        }
    }
}
