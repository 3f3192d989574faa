//! Decoders of the most frequent replies, straight from the received frame into the
//! operation's result type (the `finish` functions of [`crate::client::OpFuture`]), instead
//! of through the general [`kazoo_proto::Response`] enum. Data is a slice of the frame, not a
//! copy. Each checks lengths before reading; a short body is a [`Error::Decode`] error.

use crate::client::{error_for, ErrPath};
use crate::error::{Error, Result};
use crate::session::RawReply;
use bytes::Bytes;
use kazoo_proto::{DecodeError, ErrorCode, OpCode, Stat};

fn checked(op: OpCode, raw: &RawReply, path: &ErrPath) -> Result<()> {
    if raw.err == ErrorCode::Ok {
        Ok(())
    } else {
        Err(error_for(op, raw.err, path.as_str()))
    }
}

/// A length-prefixed buffer at the start of `b`: its bounds in `b` (`-1`, null, reads as
/// empty).
fn buffer_at(b: &[u8]) -> Result<(usize, usize)> {
    let Some(len) = b.get(..4) else {
        return Err(DecodeError::Truncated {
            needed: 4,
            remaining: b.len(),
        }
        .into());
    };
    let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
    if len == -1 {
        return Ok((4, 4));
    }
    let Ok(n) = usize::try_from(len) else {
        return Err(DecodeError::NegativeLength(len).into());
    };
    if b.len() - 4 < n {
        return Err(DecodeError::TooLong {
            len: n,
            max: b.len() - 4,
        }
        .into());
    }
    Ok((4, 4 + n))
}

/// getData: the data (a slice of the frame) and the stat.
pub(crate) fn data_and_stat(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    _: usize,
) -> Result<(Bytes, Stat)> {
    checked(op, &raw, path)?;
    let (start, end) = buffer_at(&raw.body)?;
    let stat = Stat::from_slice(&raw.body[end..])?;
    Ok((raw.body.slice(start..end), stat))
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

/// The created node's path, with the chroot (`chroot_len` bytes) taken off.
fn created_path(body: &[u8], chroot_len: usize) -> Result<(String, usize)> {
    let (start, end) = buffer_at(body)?;
    let full = std::str::from_utf8(&body[start..end]).map_err(|_| DecodeError::InvalidUtf8)?;
    let path = match full.get(chroot_len..) {
        Some("") => "/",
        Some(rest) if chroot_len == 0 || rest.starts_with('/') => rest,
        _ => {
            return Err(Error::Protocol(format!(
                "created path {full:?} is outside the chroot"
            )))
        }
    };
    Ok((path.to_owned(), end))
}

/// create: the created node's chroot-relative path.
pub(crate) fn created(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    chroot_len: usize,
) -> Result<String> {
    checked(op, &raw, path)?;
    Ok(created_path(&raw.body, chroot_len)?.0)
}

/// create2 (and container / TTL creates): the path and the new node's stat.
pub(crate) fn created_with_stat(
    op: OpCode,
    raw: RawReply,
    path: &ErrPath,
    chroot_len: usize,
) -> Result<(String, Stat)> {
    checked(op, &raw, path)?;
    let (p, end) = created_path(&raw.body, chroot_len)?;
    Ok((p, Stat::from_slice(&raw.body[end..])?))
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
