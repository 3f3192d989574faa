//! The session handshake records, sent without a request or reply header.

use crate::codec::{Decode, DecodeError, Encode, Reader, WriteExt};
use crate::types::{SessionId, Zxid};
use bytes::{BufMut, Bytes, BytesMut};

/// `ConnectRequest`: the first frame a client sends on a new connection.
///
/// The trailing `readOnly` byte was added in 3.4; decoding accepts frames without it (read as
/// `false`) because 3.3-era peers omit it.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use kazoo_proto::{ConnectRequest, Decode, Encode};
/// let req = ConnectRequest::new(30_000);
/// let mut buf = BytesMut::new();
/// req.encode_frame(&mut buf);
/// assert_eq!(buf.len(), 4 + req.encoded_len());
/// assert_eq!(ConnectRequest::decode_exact(buf.freeze().slice(4..)), Ok(req));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// Protocol version, always 0.
    pub protocol_version: i32,
    /// The highest zxid the client has seen in a reply (0 for a new session).
    pub last_zxid_seen: Zxid,
    /// Requested session timeout in milliseconds.
    pub time_out: i32,
    /// The session to resume, 0 for a new one.
    pub session_id: SessionId,
    /// The session password (16 zero bytes for a new session, as the Java client sends).
    pub passwd: Bytes,
    /// True if the client accepts a read-only server.
    pub read_only: bool,
}

impl ConnectRequest {
    /// A request for a new session with the given timeout in milliseconds.
    pub fn new(time_out: i32) -> ConnectRequest {
        ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            time_out,
            session_id: 0,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: false,
        }
    }

    /// Writes the 4-byte length prefix and the record.
    pub fn encode_frame(&self, buf: &mut BytesMut) {
        buf.reserve(4 + self.encoded_len());
        buf.put_i32(self.encoded_len() as i32);
        self.encode(buf);
    }
}

impl Encode for ConnectRequest {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.protocol_version);
        b.put_i64(self.last_zxid_seen);
        b.put_i32(self.time_out);
        b.put_i64(self.session_id);
        b.put_jute_buffer(&self.passwd);
        b.put_jute_bool(self.read_only);
    }
    fn encoded_len(&self) -> usize {
        4 + 8 + 4 + 8 + 4 + self.passwd.len() + 1
    }
}

impl Decode for ConnectRequest {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ConnectRequest {
            protocol_version: r.read_i32()?,
            last_zxid_seen: r.read_i64()?,
            time_out: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: r.read_buffer()?,
            read_only: read_optional_bool(r)?,
        })
    }
}

/// `ConnectResponse`: the server's answer to a [`ConnectRequest`].
///
/// A timeout of 0 or less means the session to resume has expired. Decoding accepts the form
/// without the trailing `readOnly` byte (servers before 3.4).
///
/// ```
/// use bytes::Bytes;
/// use kazoo_proto::{ConnectResponse, Decode};
/// let mut wire = vec![0, 0, 0, 0, 0, 0, 0x75, 0x30, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0];
/// let old = ConnectResponse::decode_exact(Bytes::from(wire.clone())).unwrap();
/// assert_eq!((old.time_out, old.session_id, old.read_only), (30_000, 9, false));
/// wire.push(1);
/// assert!(ConnectResponse::decode_exact(Bytes::from(wire)).unwrap().read_only);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResponse {
    /// Protocol version, 0.
    pub protocol_version: i32,
    /// The negotiated session timeout in milliseconds; `<= 0` when the session expired.
    pub time_out: i32,
    /// The session id.
    pub session_id: SessionId,
    /// The session password, needed to resume the session on another connection.
    pub passwd: Bytes,
    /// True when the server is in read-only mode.
    pub read_only: bool,
}

impl ConnectResponse {
    /// True when the server refused to resume the session because it expired.
    pub fn is_expired(&self) -> bool {
        self.time_out <= 0
    }
}

impl Encode for ConnectResponse {
    fn encode(&self, b: &mut BytesMut) {
        b.put_i32(self.protocol_version);
        b.put_i32(self.time_out);
        b.put_i64(self.session_id);
        b.put_jute_buffer(&self.passwd);
        b.put_jute_bool(self.read_only);
    }
    fn encoded_len(&self) -> usize {
        4 + 4 + 8 + 4 + self.passwd.len() + 1
    }
}

impl Decode for ConnectResponse {
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ConnectResponse {
            protocol_version: r.read_i32()?,
            time_out: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: r.read_buffer()?,
            read_only: read_optional_bool(r)?,
        })
    }
}

fn read_optional_bool(r: &mut Reader) -> Result<bool, DecodeError> {
    if r.is_empty() {
        Ok(false)
    } else {
        r.read_bool()
    }
}
