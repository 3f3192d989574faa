//! A deliberately tiny, independent jute encoder/decoder: enough to build pre-encoded frames for the
//! canned server, the raw floor and the fixture loader, without depending on any client under test.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Op codes the benchmark speaks (values from ZooKeeper's `ZooDefs.OpCode`).
pub mod op {
    /// create
    pub const CREATE: i32 = 1;
    /// delete
    pub const DELETE: i32 = 2;
    /// exists
    pub const EXISTS: i32 = 3;
    /// getData
    pub const GET_DATA: i32 = 4;
    /// setData
    pub const SET_DATA: i32 = 5;
    /// getChildren
    pub const GET_CHILDREN: i32 = 8;
    /// sync
    pub const SYNC: i32 = 9;
    /// ping
    pub const PING: i32 = 11;
    /// getChildren2
    pub const GET_CHILDREN2: i32 = 12;
    /// check (inside multi)
    pub const CHECK: i32 = 13;
    /// multi
    pub const MULTI: i32 = 14;
    /// create2
    pub const CREATE2: i32 = 15;
    /// createContainer
    pub const CREATE_CONTAINER: i32 = 19;
    /// createTTL
    pub const CREATE_TTL: i32 = 21;
    /// closeSession
    pub const CLOSE_SESSION: i32 = -11;
}

/// Big-endian jute writer over a `Vec<u8>`.
#[derive(Default, Debug, Clone)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// Starts a frame: reserves the 4-byte length prefix, patched by [`Writer::finish_frame`].
    pub fn frame() -> Self {
        Writer { buf: vec![0; 4] }
    }
    /// Writes an i32.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Writes an i64.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Writes a bool (one byte).
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.buf.push(u8::from(v));
        self
    }
    /// Writes a length-prefixed buffer.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.i32(v.len() as i32);
        self.buf.extend_from_slice(v);
        self
    }
    /// Writes a length-prefixed UTF-8 string.
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
    /// Writes the open ACL (`world:anyone`, all permissions) as a one-element vector.
    pub fn open_acl(&mut self) -> &mut Self {
        self.i32(1).i32(31).str("world").str("anyone")
    }
    /// Writes a Stat with fixed, plausible values (the canned server's only Stat).
    pub fn stat(&mut self, data_len: i32) -> &mut Self {
        self.i64(2) // czxid
            .i64(3) // mzxid
            .i64(1_700_000_000_000) // ctime
            .i64(1_700_000_000_000) // mtime
            .i32(1) // version
            .i32(0) // cversion
            .i32(0) // aversion
            .i64(0) // ephemeralOwner
            .i32(data_len)
            .i32(0) // numChildren
            .i64(2) // pzxid
    }
    /// Patches the length prefix written by [`Writer::frame`] and returns the frame.
    pub fn finish_frame(mut self) -> Vec<u8> {
        let len = (self.buf.len() - 4) as i32;
        self.buf[..4].copy_from_slice(&len.to_be_bytes());
        self.buf
    }
}

/// Size in bytes of an encoded Stat.
#[cfg(test)]
pub const STAT_LEN: usize = 68;

/// Big-endian jute reader that reports truncation as `None` instead of panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }
    /// Reads an i32.
    pub fn i32(&mut self) -> Option<i32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(i32::from_be_bytes)
    }
    /// Reads an i64.
    pub fn i64(&mut self) -> Option<i64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_be_bytes)
    }
    /// Reads a bool.
    pub fn bool(&mut self) -> Option<bool> {
        self.take(1).map(|b| b[0] != 0)
    }
    /// Reads a length-prefixed buffer (`None` for the null buffer is mapped to empty).
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.i32()?;
        if n < 0 {
            return Some(&[]);
        }
        self.take(n as usize)
    }
    /// Skips `n` bytes.
    #[cfg(test)]
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(drop)
    }
}

/// The connect request every benchmark raw connection sends (protocol 0, fresh session).
pub fn connect_request(timeout_ms: i32) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(0)
        .i64(0)
        .i32(timeout_ms)
        .i64(0)
        .bytes(&[0; 16])
        .bool(false);
    w.finish_frame()
}

/// A getData request frame.
pub fn get_data(xid: i32, path: &str, watch: bool) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid).i32(op::GET_DATA).str(path).bool(watch);
    w.finish_frame()
}

/// An exists request frame.
#[cfg(test)]
pub fn exists(xid: i32, path: &str, watch: bool) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid).i32(op::EXISTS).str(path).bool(watch);
    w.finish_frame()
}

/// A create request frame with the open ACL; `flags` is the create mode.
pub fn create(xid: i32, path: &str, data: &[u8], flags: i32) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid)
        .i32(op::CREATE)
        .str(path)
        .bytes(data)
        .open_acl()
        .i32(flags);
    w.finish_frame()
}

/// A setData request frame (any version).
pub fn set_data(xid: i32, path: &str, data: &[u8]) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid).i32(op::SET_DATA).str(path).bytes(data).i32(-1);
    w.finish_frame()
}

/// A delete request frame (any version).
pub fn delete(xid: i32, path: &str) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid).i32(op::DELETE).str(path).i32(-1);
    w.finish_frame()
}

/// A multi request frame of setData operations (any version) on `paths`.
pub fn multi_set_data(xid: i32, paths: &[String], data: &[u8]) -> Vec<u8> {
    let mut w = Writer::frame();
    w.i32(xid).i32(op::MULTI);
    for p in paths {
        w.i32(op::SET_DATA).bool(false).i32(-1);
        w.str(p).bytes(data).i32(-1);
    }
    w.i32(-1).bool(true).i32(-1);
    w.finish_frame()
}

/// A reply header: `(xid, zxid, err)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyHeader {
    /// Request id the reply answers.
    pub xid: i32,
    /// Transaction id.
    pub zxid: i64,
    /// Error code (0 = ok).
    pub err: i32,
}

impl ReplyHeader {
    /// Decodes the header at the start of a reply body.
    pub fn decode(body: &[u8]) -> Option<Self> {
        let mut r = Reader::new(body);
        Some(ReplyHeader {
            xid: r.i32()?,
            zxid: r.i64()?,
            err: r.i32()?,
        })
    }
}

/// A blocking, single-connection raw ZooKeeper session used for fixtures, triggers and the floor.
///
/// Reads go through a large buffer; frames are parsed in place and only their header inspected.
#[derive(Debug)]
pub struct RawConn {
    stream: TcpStream,
    frames: FrameBuf,
    next_xid: i32,
}

/// Received bytes, cut into frames in place: what the raw connections (blocking here, async in
/// the async floor) share. Bytes are read into [`FrameBuf::spare`] and committed with
/// [`FrameBuf::filled`].
#[derive(Debug)]
pub struct FrameBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl FrameBuf {
    /// An empty buffer of `capacity` bytes (it grows for a larger frame).
    pub fn new(capacity: usize) -> Self {
        FrameBuf {
            buf: vec![0; capacity],
            start: 0,
            end: 0,
        }
    }

    /// Whether every received byte was cut into frames.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The body range of the next complete frame already in the buffer, without reading.
    pub fn next(&mut self) -> io::Result<Option<(usize, usize)>> {
        let avail = self.end - self.start;
        if avail < 4 {
            return Ok(None);
        }
        let mut len4 = [0u8; 4];
        len4.copy_from_slice(&self.buf[self.start..self.start + 4]);
        let len =
            usize::try_from(i32::from_be_bytes(len4)).map_err(|_| bad("negative frame length"))?;
        if avail >= 4 + len {
            let s = self.start + 4;
            self.start = s + len;
            return Ok(Some((s, s + len)));
        }
        if 4 + len > self.buf.len() {
            self.buf.resize(4 + len, 0);
        }
        Ok(None)
    }

    /// The bytes of a range returned by [`FrameBuf::next`].
    pub fn body(&self, range: (usize, usize)) -> &[u8] {
        &self.buf[range.0..range.1]
    }

    /// The header of the next buffered reply that is not a notification or ping, without
    /// reading (those are skipped).
    pub fn next_reply(&mut self) -> io::Result<Option<ReplyHeader>> {
        while let Some(r) = self.next()? {
            let h = ReplyHeader::decode(self.body(r)).ok_or_else(|| bad("short reply"))?;
            if h.xid >= 0 {
                return Ok(Some(h));
            }
        }
        Ok(None)
    }

    /// Room for the next read (made by moving what is left to the front when needed).
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.buf.len() - self.end < 65536 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Commits `n` bytes read into [`FrameBuf::spare`]; 0 means the server closed.
    pub fn filled(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed",
            ));
        }
        self.end += n;
        Ok(())
    }
}

impl RawConn {
    /// Connects and completes the session handshake.
    pub fn connect(addr: SocketAddr, timeout_ms: i32) -> io::Result<Self> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        stream.write_all(&connect_request(timeout_ms))?;
        let mut conn = RawConn {
            stream,
            frames: FrameBuf::new(1 << 20),
            next_xid: 1,
        };
        let body = conn.read_frame()?;
        let mut r = Reader::new(&body);
        let _proto = r.i32();
        let negotiated = r.i32().ok_or_else(|| bad("short connect response"))?;
        if negotiated <= 0 {
            return Err(bad("session refused"));
        }
        Ok(conn)
    }

    /// The connected socket, once the handshake is done (nothing may be buffered then).
    pub fn into_stream(self) -> io::Result<TcpStream> {
        if !self.frames.is_empty() {
            return Err(bad("bytes after the handshake"));
        }
        Ok(self.stream)
    }

    /// Returns the next request id.
    pub fn xid(&mut self) -> i32 {
        let x = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1).max(1);
        x
    }

    /// Writes raw bytes (one or more whole frames).
    pub fn send(&mut self, frames: &[u8]) -> io::Result<()> {
        self.stream.write_all(frames)
    }

    /// Reads one frame body into an owned vector.
    pub fn read_frame(&mut self) -> io::Result<Vec<u8>> {
        let r = self.next_frame()?;
        Ok(self.frames.body(r).to_vec())
    }

    /// Reads the next reply that is not a notification or ping and returns its header.
    pub fn read_reply(&mut self) -> io::Result<ReplyHeader> {
        loop {
            if let Some(h) = self.frames.next_reply()? {
                return Ok(h);
            }
            self.fill()?;
        }
    }

    /// Parses the next frame out of the buffer, reading more when needed; returns its body range.
    fn next_frame(&mut self) -> io::Result<(usize, usize)> {
        loop {
            if let Some(f) = self.frames.next()? {
                return Ok(f);
            }
            self.fill()?;
        }
    }

    /// The header of the next buffered reply that is not a notification or ping, without
    /// reading.
    pub fn buffered_reply(&mut self) -> io::Result<Option<ReplyHeader>> {
        self.frames.next_reply()
    }

    /// Blocks until more bytes arrive.
    pub fn fill(&mut self) -> io::Result<()> {
        let n = self.stream.read(self.frames.spare())?;
        self.frames.filled(n)
    }

    /// Sends `frames` (each built with a fresh xid) keeping at most `window` in flight, and returns
    /// the error codes of the replies in order.
    pub fn pipeline(&mut self, frames: &[Vec<u8>], window: usize) -> io::Result<Vec<i32>> {
        let mut errs = Vec::with_capacity(frames.len());
        let mut sent = 0;
        while errs.len() < frames.len() {
            let mut batch = Vec::new();
            while sent < frames.len() && sent - errs.len() < window {
                batch.extend_from_slice(&frames[sent]);
                sent += 1;
            }
            if !batch.is_empty() {
                self.send(&batch)?;
            }
            errs.push(self.read_reply()?.err);
        }
        Ok(errs)
    }

    /// Sends closeSession and waits for its reply.
    pub fn close(mut self) -> io::Result<()> {
        let mut w = Writer::frame();
        let xid = self.xid();
        w.i32(xid).i32(op::CLOSE_SESSION);
        self.send(&w.finish_frame())?;
        self.read_reply().map(drop)
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}
