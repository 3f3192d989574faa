//! The jute primitives: big-endian integers, booleans, length-prefixed buffers and strings, and
//! the [`Encode`] / [`Decode`] traits every record implements.

use bytes::{BufMut, Bytes, BytesMut};

/// Why a byte sequence could not be decoded. Decoders return this instead of panicking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the record did.
    #[error("truncated input: needed {needed} more bytes, {remaining} remain")]
    Truncated {
        /// Bytes the decoder needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length prefix was negative (other than -1 where null is allowed).
    #[error("negative length {0}")]
    NegativeLength(i32),
    /// A length prefix or element count is larger than the input or an allowed maximum.
    #[error("length {len} exceeds the limit {max}")]
    TooLong {
        /// The announced length.
        len: usize,
        /// The limit that applied.
        max: usize,
    },
    /// A string was not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// An enumerated field carried a value the protocol does not define.
    #[error("unknown {what} value {value}")]
    UnknownValue {
        /// Which field.
        what: &'static str,
        /// The value read.
        value: i32,
    },
    /// Bytes were left over after a complete record.
    #[error("{0} trailing bytes after the record")]
    TrailingBytes(usize),
    /// A null was found where the protocol requires a value.
    #[error("unexpected null {0}")]
    UnexpectedNull(&'static str),
}

/// Why a frame could not be encoded. Encoders return this instead of writing a corrupt length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The frame is longer than its `i32` length prefix can announce.
    #[error("frame of {len} bytes exceeds the limit {max}")]
    FrameTooLarge {
        /// The frame's length.
        len: usize,
        /// The limit that applied.
        max: usize,
    },
}

/// A record that can be written in jute's binary format.
pub trait Encode {
    /// Appends the record to `buf`.
    fn encode(&self, buf: &mut BytesMut);
    /// The exact number of bytes [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Encodes into a fresh buffer of the exact size.
    fn to_bytes(&self) -> Bytes {
        let mut buf = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut buf);
        buf.freeze()
    }
}

/// A record that can be read from jute's binary format.
pub trait Decode: Sized {
    /// Reads one record from the reader.
    fn decode(r: &mut Reader) -> Result<Self, DecodeError>;

    /// Decodes a whole buffer that must contain exactly one record.
    fn decode_exact(bytes: Bytes) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// A cursor over received bytes. Buffers are returned as cheap [`Bytes`] slices of the input.
#[derive(Debug, Clone)]
pub struct Reader {
    buf: Bytes,
    pos: usize,
}

impl Reader {
    /// Starts reading at the beginning of `buf`.
    pub fn new(buf: Bytes) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails with [`DecodeError::TrailingBytes`] if bytes are left.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }

    /// The whole input back, read or not (no copy).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use kazoo_proto::Reader;
    /// let mut r = Reader::new(Bytes::from_static(&[0, 0, 0, 1, 9]));
    /// assert_eq!(r.read_len().unwrap(), Some(1));
    /// assert_eq!(&r.into_inner()[..], &[0, 0, 0, 1, 9]);
    /// ```
    pub fn into_inner(self) -> Bytes {
        self.buf
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> Bytes {
        self.buf.slice(self.pos..)
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                needed: n,
                remaining: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Reads a big-endian `i32`.
    #[inline]
    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a big-endian `i64`.
    pub fn read_i64(&mut self) -> Result<i64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    /// Reads a jute boolean (one byte, non-zero is true).
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.take(1)?[0] != 0)
    }

    /// Reads a length prefix: `None` for -1 (null), an error for other negatives or for a length
    /// larger than the remaining input.
    #[inline]
    pub fn read_len(&mut self) -> Result<Option<usize>, DecodeError> {
        let n = self.read_i32()?;
        if n == -1 {
            return Ok(None);
        }
        if n < 0 {
            return Err(DecodeError::NegativeLength(n));
        }
        let n = n as usize;
        if n > self.remaining() {
            return Err(DecodeError::Truncated {
                needed: n,
                remaining: self.remaining(),
            });
        }
        Ok(Some(n))
    }

    /// Reads a nullable buffer as a slice of the input (no copy).
    pub fn read_buffer_opt(&mut self) -> Result<Option<Bytes>, DecodeError> {
        match self.read_len()? {
            None => Ok(None),
            Some(n) => {
                let start = self.pos;
                self.pos += n;
                Ok(Some(self.buf.slice(start..start + n)))
            }
        }
    }

    /// Reads a buffer; null decodes as empty, as the Java server treats it.
    pub fn read_buffer(&mut self) -> Result<Bytes, DecodeError> {
        Ok(self.read_buffer_opt()?.unwrap_or_default())
    }

    /// Reads a buffer as a borrowed slice of the input (no copy, no reference count); null
    /// reads as empty. For a caller that only compares the bytes or decodes them itself.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use kazoo_proto::Reader;
    /// let mut r = Reader::new(Bytes::from_static(&[0, 0, 0, 2, b'/', b'a', 0xff, 0xff, 0xff, 0xff]));
    /// assert_eq!(r.read_bytes().unwrap(), b"/a");
    /// assert_eq!(r.read_bytes().unwrap(), b"", "null");
    /// assert!(r.read_bytes().is_err(), "truncated");
    /// ```
    #[inline]
    pub fn read_bytes(&mut self) -> Result<&[u8], DecodeError> {
        match self.read_len()? {
            None => Ok(&[]),
            Some(n) => self.take(n),
        }
    }

    /// Reads a nullable UTF-8 string.
    pub fn read_string_opt(&mut self) -> Result<Option<String>, DecodeError> {
        match self.read_len()? {
            None => Ok(None),
            Some(n) => {
                let b = self.take(n)?;
                std::str::from_utf8(b)
                    .map(|s| Some(s.to_owned()))
                    .map_err(|_| DecodeError::InvalidUtf8)
            }
        }
    }

    /// Reads a UTF-8 string; null decodes as empty.
    pub fn read_string(&mut self) -> Result<String, DecodeError> {
        Ok(self.read_string_opt()?.unwrap_or_default())
    }

    /// Reads a vector: an `i32` count (-1 is null, read as empty) followed by the elements.
    /// `min_elem_len` is the smallest encoded size of one element; it bounds the count by the
    /// remaining input so that a hostile count cannot make us allocate.
    pub fn read_vec<T>(
        &mut self,
        min_elem_len: usize,
        mut elem: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let n = self.read_i32()?;
        if n == -1 {
            return Ok(Vec::new());
        }
        if n < 0 {
            return Err(DecodeError::NegativeLength(n));
        }
        let n = n as usize;
        let max = self.remaining() / min_elem_len.max(1);
        if n > max {
            return Err(DecodeError::TooLong { len: n, max });
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(elem(self)?);
        }
        Ok(v)
    }

    /// Reads a vector of strings.
    pub fn read_string_vec(&mut self) -> Result<Vec<String>, DecodeError> {
        self.read_vec(4, |r| r.read_string())
    }
}

/// Writing helpers for jute primitives on [`BytesMut`].
pub trait WriteExt {
    /// Writes a jute boolean.
    fn put_jute_bool(&mut self, v: bool);
    /// Writes a length-prefixed buffer.
    fn put_jute_buffer(&mut self, v: &[u8]);
    /// Writes a nullable length-prefixed buffer (-1 for `None`).
    fn put_jute_buffer_opt(&mut self, v: Option<&[u8]>);
    /// Writes a length-prefixed UTF-8 string.
    fn put_jute_string(&mut self, v: &str);
    /// Writes a vector of strings.
    fn put_jute_string_vec(&mut self, v: &[String]);
}

impl WriteExt for BytesMut {
    fn put_jute_bool(&mut self, v: bool) {
        self.put_u8(v as u8);
    }
    fn put_jute_buffer(&mut self, v: &[u8]) {
        self.put_i32(v.len() as i32);
        self.put_slice(v);
    }
    fn put_jute_buffer_opt(&mut self, v: Option<&[u8]>) {
        match v {
            Some(v) => self.put_jute_buffer(v),
            None => self.put_i32(-1),
        }
    }
    fn put_jute_string(&mut self, v: &str) {
        self.put_jute_buffer(v.as_bytes());
    }
    fn put_jute_string_vec(&mut self, v: &[String]) {
        self.put_i32(v.len() as i32);
        for s in v {
            self.put_jute_string(s);
        }
    }
}

/// Encoded size of a length-prefixed string or buffer.
pub fn buffer_len(v: &[u8]) -> usize {
    4 + v.len()
}

/// Encoded size of a vector of strings.
pub fn string_vec_len(v: &[String]) -> usize {
    4 + v.iter().map(|s| 4 + s.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_length_is_an_error_not_an_allocation() {
        let mut r = Reader::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 1, 2]));
        assert!(matches!(
            r.read_buffer(),
            Err(DecodeError::Truncated { .. })
        ));
        let mut r = Reader::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff]));
        assert!(matches!(
            r.read_string_vec(),
            Err(DecodeError::TooLong { .. })
        ));
        let mut r = Reader::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xfe]));
        assert_eq!(r.read_buffer(), Err(DecodeError::NegativeLength(-2)));
    }

    #[test]
    fn null_buffer_reads_as_none() {
        let mut r = Reader::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xff]));
        assert_eq!(r.read_buffer_opt(), Ok(None));
        assert!(r.is_empty());
    }
}
