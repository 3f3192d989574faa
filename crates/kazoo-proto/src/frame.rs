//! Framing: a sans-io [`FrameDecoder`] that cuts a byte stream into length-prefixed frames, and
//! helpers to split a reply frame into its header and body.

use crate::codec::{Decode, DecodeError, Reader};
use crate::records::ReplyHeader;
use bytes::{Buf, Bytes, BytesMut};

/// The default largest frame accepted: the Java client's default `jute.maxbuffer` (4 MiB) plus
/// slack for the reply header and record overhead around a maximal payload.
pub const DEFAULT_MAX_FRAME_LEN: usize = 4 * 1024 * 1024 + 1024;

/// The complete ping request frame (`len 8, xid -2, op 11`); it never changes.
pub const PING_FRAME: [u8; 12] = [0, 0, 0, 8, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 11];

/// Why the byte stream cannot be framed. The stream is unusable afterwards: drop the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix was negative.
    #[error("negative frame length {0}")]
    NegativeLength(i32),
    /// The length prefix exceeded the configured maximum.
    #[error("frame length {len} exceeds the maximum {max}")]
    TooLong {
        /// The announced length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
}

/// Cuts a byte stream into frames (the bytes after each 4-byte big-endian length prefix).
///
/// Feed it what the socket delivered, or read straight into [`FrameDecoder::buffer_mut`], then
/// take frames until it returns `Ok(None)`. Frames are zero-copy slices of the internal buffer.
///
/// ```
/// use kazoo_proto::frame::{FrameDecoder, FrameError};
/// let mut dec = FrameDecoder::new();
/// dec.feed(&[0, 0, 0, 3, b'a']);
/// assert_eq!(dec.next_frame(), Ok(None)); // incomplete
/// dec.feed(b"bc");
/// assert_eq!(dec.next_frame().unwrap().as_deref(), Some(&b"abc"[..]));
/// assert_eq!(dec.next_frame(), Ok(None));
/// dec.feed(&[0xff, 0xff, 0xff, 0xff]);
/// assert_eq!(dec.next_frame(), Err(FrameError::NegativeLength(-1)));
/// ```
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: BytesMut,
    max_frame_len: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting frames up to [`DEFAULT_MAX_FRAME_LEN`].
    pub fn new() -> FrameDecoder {
        FrameDecoder::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A decoder accepting frames up to `max_frame_len` bytes (excluding the length prefix).
    pub fn with_max_frame_len(max_frame_len: usize) -> FrameDecoder {
        FrameDecoder {
            buf: BytesMut::new(),
            max_frame_len,
        }
    }

    /// The largest frame accepted.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The internal buffer, for reading from a socket into it directly (e.g. `read_buf`).
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        decode_frame(&mut self.buf, self.max_frame_len)
    }
}

/// Takes one frame off the front of `src` if it is complete (the stateless core of
/// [`FrameDecoder`], usable on any buffer, e.g. inside a `tokio_util` codec).
///
/// When the frame is incomplete it reserves room for the rest, so that a following read can
/// fill it; the reservation is bounded by `max_frame_len`.
///
/// ```
/// use bytes::BytesMut;
/// use kazoo_proto::frame::{decode_frame, FrameError};
/// let mut buf = BytesMut::from(&[0x7f, 0xff, 0xff, 0xff][..]);
/// assert_eq!(
///     decode_frame(&mut buf, 1024),
///     Err(FrameError::TooLong { len: i32::MAX as usize, max: 1024 })
/// );
/// ```
pub fn decode_frame(src: &mut BytesMut, max_frame_len: usize) -> Result<Option<Bytes>, FrameError> {
    if src.len() < 4 {
        return Ok(None);
    }
    let n = i32::from_be_bytes([src[0], src[1], src[2], src[3]]);
    if n < 0 {
        return Err(FrameError::NegativeLength(n));
    }
    let len = n as usize;
    if len > max_frame_len {
        return Err(FrameError::TooLong {
            len,
            max: max_frame_len,
        });
    }
    if src.len() - 4 < len {
        src.reserve(4 + len - src.len());
        return Ok(None);
    }
    src.advance(4);
    Ok(Some(src.split_to(len).freeze()))
}

/// Splits a reply frame into its header and a reader positioned on the body.
///
/// ```
/// use bytes::Bytes;
/// use kazoo_proto::frame::split_reply;
/// use kazoo_proto::{ErrorCode, ReplyKind};
/// let frame = Bytes::from_static(&[0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0]);
/// let (header, body) = split_reply(frame).unwrap();
/// assert_eq!((header.kind(), header.zxid, header.err), (ReplyKind::Ping, 9, ErrorCode::Ok));
/// assert!(body.is_empty());
/// ```
pub fn split_reply(frame: Bytes) -> Result<(ReplyHeader, Reader), DecodeError> {
    let mut r = Reader::new(frame);
    let header = ReplyHeader::decode(&mut r)?;
    Ok((header, r))
}
