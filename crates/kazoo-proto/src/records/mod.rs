//! Every jute record of the client protocol (ZooKeeper 3.4 to 3.9), one concern per file. Field
//! order and types follow `zookeeper.jute`; each record implements [`Encode`](crate::Encode) and
//! [`Decode`](crate::Decode).

pub(crate) mod field;

mod acl_ops;
mod auth;
mod check;
mod children;
mod connect;
mod create;
mod data;
mod delete;
mod ephemerals;
mod error;
mod exists;
mod header;
mod multi;
mod reconfig;
mod sasl;
mod sync;
mod watches;
mod who_am_i;

pub use acl_ops::{GetAclRequest, GetAclResponse, SetAclRequest, SetAclResponse};
pub use auth::AuthPacket;
pub use check::CheckVersionRequest;
pub use children::{
    GetAllChildrenNumberRequest, GetAllChildrenNumberResponse, GetChildren2Request,
    GetChildren2Response, GetChildrenRequest, GetChildrenResponse,
};
pub use connect::{ConnectRequest, ConnectResponse};
pub use create::{Create2Response, CreateRequest, CreateResponse, CreateTtlRequest};
pub use data::{GetDataRequest, GetDataResponse, SetDataRequest, SetDataResponse};
pub use delete::DeleteRequest;
pub use ephemerals::{GetEphemeralsRequest, GetEphemeralsResponse};
pub use error::ErrorResponse;
pub use exists::{ExistsRequest, ExistsResponse};
pub use header::{ReplyHeader, ReplyKind, RequestHeader};
pub use multi::{MultiHeader, MultiOp, MultiRequest, MultiResponse, MultiResult};
pub use reconfig::ReconfigRequest;
pub use sasl::{GetSaslRequest, SetSaslRequest, SetSaslResponse};
pub use sync::{SyncRequest, SyncResponse};
pub use watches::{
    AddWatchMode, AddWatchRequest, CheckWatchesRequest, RemoveWatchesRequest, SetWatches,
    SetWatches2, WatcherType,
};
pub use who_am_i::{ClientInfo, WhoAmIResponse};
