//! Decoders of the most frequent replies, straight from the received frame into the
//! operation's result type (the `finish` functions of [`crate::client::OpFuture`]), instead
//! of through the general [`kazoo_proto::Response`] enum, with `kazoo_proto`'s [`Reader`]. Data
//! is a slice of the frame, not a copy; a short body is a [`Error::Decode`] error.

use crate::client::{error_for, ErrPath};
use crate::error::{Error, Result};
use crate::session::RawReply;
use bytes::{Buf, Bytes};
use kazoo_proto::{Decode, DecodeError, ErrorCode, OpCode, Reader, Stat};

#[inline]
fn checked(op: OpCode, raw: &RawReply, path: &ErrPath) -> Result<()> {
    if raw.err == ErrorCode::Ok {
        Ok(())
    } else {
        Err(failed(op, raw, path))
    }
}

#[cold]
fn failed(op: OpCode, raw: &RawReply, path: &ErrPath) -> Error {
    error_for(op, raw.err, path.as_str())
}

/// getData: the data (a slice of the frame) and the stat.
pub(crate) fn data_and_stat(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    _: usize,
) -> Result<(Bytes, Stat)> {
    checked(op, &raw, path)?;
    // The body is the data (a length, -1 for null, then the bytes) and the stat. The stat is
    // read in place and the body itself narrowed to the data: the frame's buffer is not
    // shared a second time (a reference count up and down per getData).
    let mut r = Reader::new(raw.body);
    let n = r.read_len()?.unwrap_or(0);
    let mut body = r.into_inner();
    // `read_len` took the 4-byte prefix and checked that `n` bytes follow it.
    let stat = Stat::from_slice(&body[4 + n..])?;
    if n == 0 {
        // Not a slice of the frame: an empty value does not keep the read buffer alive.
        return Ok((Bytes::new(), stat));
    }
    body.truncate(4 + n);
    body.advance(4);
    Ok((body, stat))
}

/// setData, setACL: the new stat.
pub(crate) fn stat(op: OpCode, raw: RawReply, path: &ErrPath, _: usize) -> Result<Stat> {
    checked(op, &raw, path)?;
    Ok(Stat::from_slice(&raw.body)?)
}

/// exists: the stat, or `None` when there is no node.
pub(crate) fn stat_or_none(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    _: usize,
) -> Result<Option<Stat>> {
    if raw.err == ErrorCode::NoNode {
        return Ok(None);
    }
    checked(op, &raw, path)?;
    Ok(Some(Stat::from_slice(&raw.body)?))
}

/// delete and other replies without a body.
pub(crate) fn nothing(op: OpCode, raw: RawReply, path: &ErrPath, _: usize) -> Result<()> {
    checked(op, &raw, path)
}

/// The created node's path, with the chroot (`chroot_len` bytes) taken off. When it is the
/// path the caller asked for (every create that is not sequential, made with the caller's own
/// path), the answer is a copy of the caller's path, already known to be UTF-8: the reply's
/// bytes are compared, not decoded again.
fn created_path(r: &mut Reader, chroot_len: usize, asked: &ErrPath) -> Result<String> {
    let full = r.read_bytes()?;
    let rest = match kazoo_proto::path::strip_chroot_bytes(chroot_len, full) {
        Some([]) if chroot_len > 0 => Some(&b"/"[..]),
        rest => rest,
    };
    match rest {
        Some(rest) if rest == asked.as_str().as_bytes() => Ok(asked.as_str().to_owned()),
        Some(rest) => Ok(std::str::from_utf8(rest)
            .map_err(|_| DecodeError::InvalidUtf8)?
            .to_owned()),
        None => Err(Error::Protocol(format!(
            "created path {:?} is outside the chroot",
            String::from_utf8_lossy(full)
        ))),
    }
}

/// create: the created node's chroot-relative path.
pub(crate) fn created(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    chroot_len: usize,
) -> Result<String> {
    checked(op, &raw, path)?;
    created_path(&mut Reader::new(raw.body), chroot_len, path)
}

/// create2 (and container / TTL creates): the path and the new node's stat.
pub(crate) fn created_with_stat(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    chroot_len: usize,
) -> Result<(String, Stat)> {
    checked(op, &raw, path)?;
    let mut r = Reader::new(raw.body);
    let p = created_path(&mut r, chroot_len, path)?;
    Ok((p, Stat::decode(&mut r)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, BytesMut};
    use kazoo_proto::{Encode, GetDataResponse};

    fn raw(err: ErrorCode, body: Bytes) -> RawReply {
        RawReply {
            zxid: 1,
            err,
            body,
            watch_set: false,
        }
    }

    fn stat() -> Stat {
        Stat {
            czxid: 1,
            mzxid: 2,
            version: 3,
            ephemeral_owner: 0x55,
            pzxid: 9,
            ..Stat::default()
        }
    }

    #[test]
    fn get_data_agrees_with_the_general_decoder_and_rejects_every_truncation() {
        let mut b = BytesMut::new();
        GetDataResponse {
            data: Bytes::from_static(b"hello"),
            stat: stat(),
        }
        .encode(&mut b);
        let body = b.freeze();
        let (d, s) = data_and_stat(
            OpCode::GetData,
            raw(ErrorCode::Ok, body.clone()),
            &ErrPath::new("/a"),
            0,
        )
        .unwrap();
        assert_eq!((&d[..], s), (&b"hello"[..], stat()));
        for cut in 0..body.len() {
            let r = data_and_stat(
                OpCode::GetData,
                raw(ErrorCode::Ok, body.slice(..cut)),
                &ErrPath::new("/a"),
                0,
            );
            assert!(r.is_err(), "cut at {cut}");
        }
        let mut null = BytesMut::new();
        null.put_i32(-1);
        stat().encode(&mut null);
        let (d, _) = data_and_stat(
            OpCode::GetData,
            raw(ErrorCode::Ok, null.freeze()),
            &ErrPath::new("/a"),
            0,
        )
        .unwrap();
        assert!(d.is_empty());
        let mut hostile = BytesMut::new();
        hostile.put_i32(-7);
        stat().encode(&mut hostile);
        assert!(data_and_stat(
            OpCode::GetData,
            raw(ErrorCode::Ok, hostile.freeze()),
            &ErrPath::new("/a"),
            0
        )
        .is_err());
    }

    #[test]
    fn error_codes_become_errors_naming_the_path() {
        let e = data_and_stat(
            OpCode::GetData,
            raw(ErrorCode::NoNode, Bytes::new()),
            &ErrPath::new("/x"),
            0,
        );
        assert!(matches!(e, Err(Error::NoNode { path }) if path == "/x"));
        assert_eq!(
            stat_or_none(
                OpCode::Exists,
                raw(ErrorCode::NoNode, Bytes::new()),
                &ErrPath::new("/x"),
                0
            )
            .unwrap(),
            None
        );
        assert!(nothing(
            OpCode::Delete,
            raw(ErrorCode::NotEmpty, Bytes::new()),
            &ErrPath::new("/x"),
            0
        )
        .is_err());
    }

    fn path_body(path: &[u8]) -> Bytes {
        let mut b = BytesMut::new();
        b.put_i32(path.len() as i32);
        b.put_slice(path);
        b.freeze()
    }

    #[test]
    fn a_created_path_is_the_servers_whether_or_not_it_is_the_one_asked_for() {
        let create = |reply: &[u8], asked: &str, chroot_len| {
            created(
                OpCode::Create,
                raw(ErrorCode::Ok, path_body(reply)),
                &ErrPath::new(asked),
                chroot_len,
            )
        };
        // The path asked for (a plain create), with and without a chroot.
        assert_eq!(create(b"/a/b", "/a/b", 0).unwrap(), "/a/b");
        assert_eq!(create(b"/app/a/b", "/a/b", 4).unwrap(), "/a/b");
        assert_eq!(create(b"/app", "/", 4).unwrap(), "/");
        // Another path (a sequential create, or a server that differs by one byte): the
        // server's, never the one asked for.
        assert_eq!(
            create(b"/a/b0000000001", "/a/b", 0).unwrap(),
            "/a/b0000000001"
        );
        assert_eq!(create(b"/a/c", "/a/b", 0).unwrap(), "/a/c");
        assert_eq!(create(b"/app/a/c", "/a/b", 4).unwrap(), "/a/c");
        assert_eq!(create(b"/a/b", "/a/bc", 0).unwrap(), "/a/b");
        // Not UTF-8, outside the chroot, truncated: typed errors.
        assert!(matches!(
            create(b"/a/\xff", "/a/b", 0),
            Err(Error::Decode(DecodeError::InvalidUtf8))
        ));
        assert!(matches!(
            create(b"/apple", "/le", 4),
            Err(Error::Protocol(_))
        ));
        let mut short = path_body(b"/a/b").to_vec();
        short.pop();
        assert!(matches!(
            created(
                OpCode::Create,
                raw(ErrorCode::Ok, Bytes::from(short)),
                &ErrPath::new("/a/b"),
                0
            ),
            Err(Error::Decode(DecodeError::Truncated { .. }))
        ));
    }

    #[test]
    fn created_paths_lose_the_chroot() {
        let mut b = BytesMut::new();
        b.put_i32(13);
        b.put_slice(b"/app/job-0001");
        stat().encode(&mut b);
        let body = b.freeze();
        assert_eq!(
            created(
                OpCode::Create,
                raw(ErrorCode::Ok, body.clone()),
                &ErrPath::new("/job-"),
                4
            )
            .unwrap(),
            "/job-0001"
        );
        let (p, s) = created_with_stat(
            OpCode::Create2,
            raw(ErrorCode::Ok, body.clone()),
            &ErrPath::new("/job-"),
            0,
        )
        .unwrap();
        assert_eq!((p.as_str(), s), ("/app/job-0001", stat()));
        assert!(created(
            OpCode::Create,
            raw(ErrorCode::Ok, body),
            &ErrPath::new("/job-"),
            5
        )
        .is_err());
    }
}
