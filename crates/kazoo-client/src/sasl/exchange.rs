//! Frames a mechanism's tokens as sasl (op 102) requests and reads the server's
//! `SetSASLResponse` replies; the session machine supplies the xids and routes the replies.

use super::{SaslCredentials, SaslMechanism};
use crate::error::Error;
use bytes::{Bytes, BytesMut};
use kazoo_proto::{Decode, ErrorCode, GetSaslRequest, Reader, Request, SetSaslResponse};

/// Where an exchange stands after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaslProgress {
    /// Another token went out; wait for its reply.
    Pending,
    /// Both sides are authenticated.
    Done,
}

/// One SASL exchange on one connection.
pub(crate) struct SaslExchange {
    mech: Box<dyn SaslMechanism>,
    awaiting: Option<i32>,
}

impl std::fmt::Debug for SaslExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslExchange")
            .field("mechanism", &self.mech.name())
            .field("awaiting", &self.awaiting)
            .finish()
    }
}

impl SaslExchange {
    pub fn new(creds: &SaslCredentials) -> SaslExchange {
        SaslExchange {
            mech: creds.start(),
            awaiting: None,
        }
    }

    /// Writes the first token with `xid`.
    pub fn start(&mut self, xid: i32, out: &mut BytesMut) -> Result<(), Error> {
        tracing::debug!(mechanism = self.mech.name(), "starting SASL authentication");
        let token = self.mech.initial_response();
        self.send(xid, token, out)
    }

    /// True when a reply with `xid` answers our last token.
    pub fn awaits(&self, xid: i32) -> bool {
        self.awaiting == Some(xid)
    }

    /// Handles the reply to our last token: its header's error code and the body after the
    /// header. `next_xid` is called only when another token must go out.
    pub fn handle_reply(
        &mut self,
        err: i32,
        body: Bytes,
        next_xid: impl FnOnce() -> i32,
        out: &mut BytesMut,
    ) -> Result<SaslProgress, Error> {
        self.awaiting = None;
        match ErrorCode::from_code(err) {
            ErrorCode::Ok => {}
            ErrorCode::AuthFailed => {
                tracing::warn!(
                    mechanism = self.mech.name(),
                    "the server refused the SASL credentials"
                );
                return Err(Error::AuthFailed);
            }
            ErrorCode::SessionClosedRequireSasl => return Err(Error::SessionClosedRequireSasl),
            code => return Err(Error::from_code(code, "")),
        }
        let reply = SetSaslResponse::decode(&mut Reader::new(body))
            .map_err(|e| Error::Protocol(format!("malformed SASL reply: {e}")))?;
        match self.mech.step(&reply.token) {
            Ok(Some(token)) => {
                self.send(next_xid(), token, out)?;
                Ok(SaslProgress::Pending)
            }
            Ok(None) if self.mech.is_complete() => {
                tracing::debug!(mechanism = self.mech.name(), "SASL authentication complete");
                Ok(SaslProgress::Done)
            }
            Ok(None) => Err(Error::Protocol(
                "the SASL mechanism stopped before completing".into(),
            )),
            Err(e) => {
                tracing::warn!(mechanism = self.mech.name(), error = %e, "SASL authentication failed");
                Err(Error::AuthFailed)
            }
        }
    }

    fn send(&mut self, xid: i32, token: Vec<u8>, out: &mut BytesMut) -> Result<(), Error> {
        Request::Sasl(GetSaslRequest {
            token: Bytes::from(token),
        })
        .encode_frame(xid, out)
        .map_err(|e| Error::Protocol(e.to_string()))?;
        self.awaiting = Some(xid);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;
    use kazoo_proto::OpCode;

    fn exchange() -> SaslExchange {
        SaslExchange::new(&SaslCredentials::digest_md5("alice", "secret"))
    }

    fn sasl_body(token: &[u8]) -> Bytes {
        let mut b = BytesMut::new();
        b.put_i32(token.len() as i32);
        b.put_slice(token);
        b.freeze()
    }

    /// Splits a written frame into (xid, op, token).
    fn read_frame(out: &BytesMut) -> (i32, i32, Vec<u8>) {
        let mut r = Reader::new(Bytes::copy_from_slice(out));
        let len = r.read_i32().unwrap();
        assert_eq!(len as usize, out.len() - 4);
        let xid = r.read_i32().unwrap();
        let op = r.read_i32().unwrap();
        let token = r.read_buffer().unwrap().to_vec();
        (xid, op, token)
    }

    #[test]
    fn opens_with_an_empty_token_on_op_102() {
        let mut x = exchange();
        let mut out = BytesMut::new();
        x.start(7, &mut out).unwrap();
        assert_eq!(read_frame(&out), (7, OpCode::Sasl.code(), Vec::new()));
        assert!(x.awaits(7));
        assert!(!x.awaits(8));
    }

    #[test]
    fn answers_the_challenge_with_the_next_xid_then_checks_rspauth() {
        let mut x = exchange();
        let mut out = BytesMut::new();
        x.start(1, &mut out).unwrap();
        out.clear();
        let challenge =
            br#"realm="zk-sasl-md5",nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess"#;
        let p = x
            .handle_reply(0, sasl_body(challenge), || 2, &mut out)
            .unwrap();
        assert_eq!(p, SaslProgress::Pending);
        let (xid, op, token) = read_frame(&out);
        assert_eq!((xid, op), (2, OpCode::Sasl.code()));
        assert!(String::from_utf8(token)
            .unwrap()
            .contains("username=\"alice\""));
        assert!(x.awaits(2));
        // A forged rspauth is refused as an authentication failure.
        let err = x
            .handle_reply(
                0,
                sasl_body(b"rspauth=00000000000000000000000000000000"),
                || 3,
                &mut out,
            )
            .unwrap_err();
        assert!(matches!(err, Error::AuthFailed), "{err:?}");
    }

    #[test]
    fn server_error_codes_are_typed() {
        let mut out = BytesMut::new();
        let mut x = exchange();
        x.start(1, &mut out).unwrap();
        let e = x
            .handle_reply(ErrorCode::AuthFailed.code(), Bytes::new(), || 2, &mut out)
            .unwrap_err();
        assert!(matches!(e, Error::AuthFailed));
        let mut x = exchange();
        x.start(1, &mut out).unwrap();
        let e = x
            .handle_reply(
                ErrorCode::SessionClosedRequireSasl.code(),
                Bytes::new(),
                || 2,
                &mut out,
            )
            .unwrap_err();
        assert!(matches!(e, Error::SessionClosedRequireSasl));
    }

    #[test]
    fn a_truncated_reply_is_a_protocol_error() {
        let mut out = BytesMut::new();
        let mut x = exchange();
        x.start(1, &mut out).unwrap();
        let e = x
            .handle_reply(0, Bytes::from_static(&[0, 0, 0, 9, 1]), || 2, &mut out)
            .unwrap_err();
        assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    }
}
