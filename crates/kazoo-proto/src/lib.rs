//! Sans-io ZooKeeper wire protocol: the jute codec, every record of ZooKeeper 3.4 to 3.9, op codes,
//! error codes, create modes, ACL types and path validation. No sockets, no runtime, no clock.
//!
//! Everything that decodes bytes from the network returns a typed [`DecodeError`] on bad input and
//! never panics or reads past the end of its input.
#![forbid(unsafe_code)]

pub mod acl;
pub mod codec;
pub mod error_code;
pub mod event;
pub mod opcode;
pub mod stat;
pub mod types;

pub use acl::{Acl, Id, Perms};
pub use codec::{Decode, DecodeError, Encode, Reader};
pub use error_code::ErrorCode;
pub use event::{EventType, KeeperState, WatchedEvent};
pub use opcode::OpCode;
pub use stat::Stat;
pub use types::{CreateMode, SessionId, Xid, Zxid};
