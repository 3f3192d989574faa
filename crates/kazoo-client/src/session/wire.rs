//! The few frames the session machine writes and reads itself: the connect handshake, pings,
//! auth packets, SetWatches2, closeSession and reply headers. Ordinary requests arrive already
//! encoded by the operation layer.

use bytes::{BufMut, Bytes, BytesMut};
use kazoo_proto::codec::{buffer_len, string_vec_len, WriteExt};
use kazoo_proto::types::xid;
use kazoo_proto::{DecodeError, OpCode, Reader};

/// ZooKeeper refuses frames over `jute.maxbuffer` (1 MiB by default, plus slack); replies can be
/// larger when a server raised its limit, so the client accepts up to this before calling a
/// length prefix garbage.
pub const MAX_FRAME_LEN: usize = 64 * 1024 * 1024;

/// The Java client keeps each SetWatches packet under 128 KiB.
pub const SET_WATCHES_CHUNK: usize = 128 * 1024;

/// The fields of the handshake the client sends (`ConnectRequest`).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// Highest zxid seen in a reply.
    pub last_zxid_seen: i64,
    /// Requested timeout in milliseconds.
    pub timeout_ms: i32,
    /// 0 for a new session.
    pub session_id: i64,
    /// Session password (empty for a new session).
    pub password: Vec<u8>,
    /// Whether a read-only server may accept us.
    pub read_only: bool,
}

impl std::fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("last_zxid_seen", &self.last_zxid_seen)
            .field("timeout_ms", &self.timeout_ms)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("password", &"<redacted>")
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl ConnectRequest {
    /// Appends the length-prefixed handshake frame (no request header).
    pub fn write_frame(&self, b: &mut BytesMut) {
        let len = 4 + 8 + 4 + 8 + buffer_len(&self.password) + 1;
        b.put_i32(len as i32);
        b.put_i32(0); // protocol version
        b.put_i64(self.last_zxid_seen);
        b.put_i32(self.timeout_ms);
        b.put_i64(self.session_id);
        b.put_jute_buffer(&self.password);
        b.put_jute_bool(self.read_only);
    }
}

/// The server's handshake answer (`ConnectResponse`).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectResponse {
    /// Negotiated timeout in milliseconds; `<= 0` means the session expired.
    pub timeout_ms: i32,
    /// The session id.
    pub session_id: i64,
    /// The session password.
    pub password: Vec<u8>,
    /// True when the server is in read-only mode (absent from pre-3.4 servers).
    pub read_only: bool,
}

impl std::fmt::Debug for ConnectResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectResponse")
            .field("timeout_ms", &self.timeout_ms)
            .field("session_id", &format_args!("{:#x}", self.session_id))
            .field("password", &"<redacted>")
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl ConnectResponse {
    /// Decodes a handshake frame body.
    pub fn decode(body: Bytes) -> Result<ConnectResponse, DecodeError> {
        let mut r = Reader::new(body);
        let _protocol_version = r.read_i32()?;
        let timeout_ms = r.read_i32()?;
        let session_id = r.read_i64()?;
        // A server refusing the session (not serving yet, or a read-only server asked to
        // resume a global session) may stop after the session id.
        let password = if r.is_empty() {
            Vec::new()
        } else {
            r.read_buffer()?.to_vec()
        };
        let read_only = if r.is_empty() { false } else { r.read_bool()? };
        Ok(ConnectResponse {
            timeout_ms,
            session_id,
            password,
            read_only,
        })
    }
}

/// Writes a frame with a request header and no body.
pub fn write_header_only(b: &mut BytesMut, xid: i32, op: OpCode) {
    b.put_i32(8);
    b.put_i32(xid);
    b.put_i32(op.code());
}

/// Writes an auth packet (xid -4, op 100).
pub fn write_auth(b: &mut BytesMut, scheme: &str, credential: &[u8]) {
    let body = 4 + buffer_len(scheme.as_bytes()) + buffer_len(credential);
    b.put_i32((8 + body) as i32);
    b.put_i32(xid::AUTH);
    b.put_i32(OpCode::Auth.code());
    b.put_i32(0);
    b.put_jute_string(scheme);
    b.put_jute_buffer(credential);
}

/// The watch lists of a SetWatches packet (server-absolute paths): five for SetWatches2 (3.6+),
/// the first three for the older SetWatches, which every server version knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetWatches2 {
    /// Data watches.
    pub data: Vec<String>,
    /// Exist watches.
    pub exist: Vec<String>,
    /// Child watches.
    pub child: Vec<String>,
    /// Persistent watches.
    pub persistent: Vec<String>,
    /// Persistent recursive watches.
    pub recursive: Vec<String>,
}

impl SetWatches2 {
    fn lists(&self) -> [&Vec<String>; 5] {
        [
            &self.data,
            &self.exist,
            &self.child,
            &self.persistent,
            &self.recursive,
        ]
    }

    /// True when a persistent or persistent-recursive list is not empty: only SetWatches2
    /// can carry the packet.
    pub fn needs_v2(&self) -> bool {
        !self.persistent.is_empty() || !self.recursive.is_empty()
    }

    /// The lists the packet carries: all five for SetWatches2, the first three otherwise.
    fn sent_lists(&self) -> impl Iterator<Item = &Vec<String>> {
        let n = if self.needs_v2() { 5 } else { 3 };
        self.lists().into_iter().take(n)
    }

    /// Encoded body length.
    pub fn body_len(&self) -> usize {
        8 + self.sent_lists().map(|l| string_vec_len(l)).sum::<usize>()
    }

    /// True when every list is empty.
    pub fn is_empty(&self) -> bool {
        self.lists().iter().all(|l| l.is_empty())
    }

    /// Appends the frame (xid -8): SetWatches2 (op 105) when a persistent list is in use,
    /// else SetWatches (op 101), as the Java client does, so that a client without persistent
    /// watches keeps its watches across reconnects to servers older than 3.6.
    pub fn write_frame(&self, b: &mut BytesMut, relative_zxid: i64) {
        let op = if self.needs_v2() {
            OpCode::SetWatches2
        } else {
            OpCode::SetWatches
        };
        b.put_i32((8 + self.body_len()) as i32);
        b.put_i32(xid::SET_WATCHES);
        b.put_i32(op.code());
        b.put_i64(relative_zxid);
        for l in self.sent_lists() {
            b.put_jute_string_vec(l);
        }
    }
}

/// `xid, zxid, err` at the start of every reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyHeader {
    /// The request's xid (or a special xid).
    pub xid: i32,
    /// The zxid of the server state the reply reflects.
    pub zxid: i64,
    /// The error code (0 for success).
    pub err: i32,
}

impl ReplyHeader {
    /// Reads the header from the start of a frame body.
    pub fn decode(r: &mut Reader) -> Result<ReplyHeader, DecodeError> {
        Ok(ReplyHeader {
            xid: r.read_i32()?,
            zxid: r.read_i64()?,
            err: r.read_i32()?,
        })
    }
}

/// Takes every complete frame out of `buf` as one shared chunk, and the bounds of each frame
/// body in it (slicing the chunk is one reference count, where splitting the buffer per
/// frame costs several). A negative or absurd length prefix is a protocol error: the caller
/// resets the connection; the frames before it are still returned.
pub fn split_frames(
    buf: &mut BytesMut,
    bounds: &mut Vec<(usize, usize)>,
) -> (Bytes, Result<(), String>) {
    let mut at = 0;
    let result = loop {
        let Some(prefix) = buf.get(at..at + 4) else {
            break Ok(());
        };
        let len = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        if len < 0 || len as usize > MAX_FRAME_LEN {
            break Err(format!("invalid frame length {len}"));
        }
        let end = at + 4 + len as usize;
        if buf.len() < end {
            // The reader makes room as it reads (reserving here would copy the buffer the
            // returned chunk still shares).
            break Ok(());
        }
        bounds.push((at + 4, end));
        at = end;
    };
    (buf.split_to(at).freeze(), result)
}

/// Reads the reply header at the start of a frame body.
pub fn reply_header(frame: &[u8]) -> Result<ReplyHeader, DecodeError> {
    let Some(h) = frame.get(..16) else {
        return Err(DecodeError::Truncated {
            needed: 16,
            remaining: frame.len(),
        });
    };
    let i32_at = |o: usize| i32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
    let mut zxid = [0u8; 8];
    zxid.copy_from_slice(&h[4..12]);
    Ok(ReplyHeader {
        xid: i32_at(0),
        zxid: i64::from_be_bytes(zxid),
        err: i32_at(12),
    })
}
