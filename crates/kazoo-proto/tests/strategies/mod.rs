//! proptest strategies for every record, shared by the round-trip and hostile-input tests.
#![allow(dead_code)]

use bytes::Bytes;
use kazoo_proto::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

pub fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z/]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

pub fn opt_string() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(string())
}

pub fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..48).prop_map(Bytes::from)
}

pub fn strings() -> impl Strategy<Value = Vec<String>> {
    vec(string(), 0..5)
}

pub fn stat() -> impl Strategy<Value = Stat> {
    (
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i32>(),
        any::<i32>(),
        any::<i32>(),
        any::<i64>(),
        any::<i32>(),
        any::<i32>(),
        any::<i64>(),
    )
        .prop_map(|t| Stat {
            czxid: t.0,
            mzxid: t.1,
            ctime: t.2,
            mtime: t.3,
            version: t.4,
            cversion: t.5,
            aversion: t.6,
            ephemeral_owner: t.7,
            data_length: t.8,
            num_children: t.9,
            pzxid: t.10,
        })
}

pub fn id() -> impl Strategy<Value = Id> {
    (string(), string()).prop_map(|(s, i)| Id::new(s, i))
}

pub fn acl() -> impl Strategy<Value = Acl> {
    (any::<i32>(), id()).prop_map(|(p, id)| Acl::new(Perms(p), id))
}

pub fn acls() -> impl Strategy<Value = Vec<Acl>> {
    vec(acl(), 0..4)
}

pub fn create_mode() -> impl Strategy<Value = CreateMode> {
    select(CreateMode::ALL.to_vec())
}

pub fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        select(ErrorCode::ALL.to_vec()),
        any::<i32>().prop_map(ErrorCode::from_code),
    ]
}

pub fn op_code() -> impl Strategy<Value = OpCode> {
    select(OpCode::ALL.to_vec())
}

pub fn watcher_type() -> impl Strategy<Value = WatcherType> {
    select(vec![
        WatcherType::Children,
        WatcherType::Data,
        WatcherType::Any,
    ])
}

pub fn add_watch_mode() -> impl Strategy<Value = AddWatchMode> {
    select(vec![
        AddWatchMode::Persistent,
        AddWatchMode::PersistentRecursive,
    ])
}

pub fn event_type() -> impl Strategy<Value = EventType> {
    select(vec![
        EventType::None,
        EventType::NodeCreated,
        EventType::NodeDeleted,
        EventType::NodeDataChanged,
        EventType::NodeChildrenChanged,
        EventType::DataWatchRemoved,
        EventType::ChildWatchRemoved,
        EventType::PersistentWatchRemoved,
    ])
}

pub fn keeper_state() -> impl Strategy<Value = KeeperState> {
    select(vec![
        KeeperState::Unknown,
        KeeperState::Disconnected,
        KeeperState::NoSyncConnected,
        KeeperState::SyncConnected,
        KeeperState::AuthFailed,
        KeeperState::ConnectedReadOnly,
        KeeperState::SaslAuthenticated,
        KeeperState::Expired,
        KeeperState::Closed,
    ])
}

pub fn watched_event() -> impl Strategy<Value = WatchedEvent> {
    (event_type(), keeper_state(), string()).prop_map(|(event_type, state, path)| WatchedEvent {
        event_type,
        state,
        path,
    })
}

pub fn connect_request() -> impl Strategy<Value = ConnectRequest> {
    (
        any::<i32>(),
        any::<i64>(),
        any::<i32>(),
        any::<i64>(),
        bytes(),
        any::<bool>(),
    )
        .prop_map(|t| ConnectRequest {
            protocol_version: t.0,
            last_zxid_seen: t.1,
            time_out: t.2,
            session_id: t.3,
            passwd: t.4,
            read_only: t.5,
        })
}

pub fn connect_response() -> impl Strategy<Value = ConnectResponse> {
    (
        any::<i32>(),
        any::<i32>(),
        any::<i64>(),
        bytes(),
        any::<bool>(),
    )
        .prop_map(|t| ConnectResponse {
            protocol_version: t.0,
            time_out: t.1,
            session_id: t.2,
            passwd: t.3,
            read_only: t.4,
        })
}

pub fn request_header() -> impl Strategy<Value = RequestHeader> {
    (any::<i32>(), op_code()).prop_map(|(xid, op)| RequestHeader { xid, op })
}

pub fn reply_header() -> impl Strategy<Value = ReplyHeader> {
    (any::<i32>(), any::<i64>(), error_code()).prop_map(|(xid, zxid, err)| ReplyHeader {
        xid,
        zxid,
        err,
    })
}

pub fn create_request() -> impl Strategy<Value = CreateRequest> {
    (string(), bytes(), acls(), create_mode()).prop_map(|(path, data, acl, mode)| CreateRequest {
        path,
        data,
        acl,
        mode,
    })
}

pub fn create_ttl_request() -> impl Strategy<Value = CreateTtlRequest> {
    (string(), bytes(), acls(), create_mode(), any::<i64>()).prop_map(
        |(path, data, acl, mode, ttl)| CreateTtlRequest {
            path,
            data,
            acl,
            mode,
            ttl,
        },
    )
}

pub fn create_response() -> impl Strategy<Value = CreateResponse> {
    string().prop_map(|path| CreateResponse { path })
}

pub fn create2_response() -> impl Strategy<Value = Create2Response> {
    (string(), stat()).prop_map(|(path, stat)| Create2Response { path, stat })
}

pub fn delete_request() -> impl Strategy<Value = DeleteRequest> {
    (string(), any::<i32>()).prop_map(|(path, version)| DeleteRequest { path, version })
}

pub fn exists_request() -> impl Strategy<Value = ExistsRequest> {
    (string(), any::<bool>()).prop_map(|(path, watch)| ExistsRequest { path, watch })
}

pub fn get_data_request() -> impl Strategy<Value = GetDataRequest> {
    (string(), any::<bool>()).prop_map(|(path, watch)| GetDataRequest { path, watch })
}

pub fn get_data_response() -> impl Strategy<Value = GetDataResponse> {
    (bytes(), stat()).prop_map(|(data, stat)| GetDataResponse { data, stat })
}

pub fn set_data_request() -> impl Strategy<Value = SetDataRequest> {
    (string(), bytes(), any::<i32>()).prop_map(|(path, data, version)| SetDataRequest {
        path,
        data,
        version,
    })
}

pub fn get_acl_request() -> impl Strategy<Value = GetAclRequest> {
    string().prop_map(|path| GetAclRequest { path })
}

pub fn get_acl_response() -> impl Strategy<Value = GetAclResponse> {
    (acls(), stat()).prop_map(|(acl, stat)| GetAclResponse { acl, stat })
}

pub fn set_acl_request() -> impl Strategy<Value = SetAclRequest> {
    (string(), acls(), any::<i32>()).prop_map(|(path, acl, version)| SetAclRequest {
        path,
        acl,
        version,
    })
}

pub fn get_children_request() -> impl Strategy<Value = GetChildrenRequest> {
    (string(), any::<bool>()).prop_map(|(path, watch)| GetChildrenRequest { path, watch })
}

pub fn get_children_response() -> impl Strategy<Value = GetChildrenResponse> {
    strings().prop_map(|children| GetChildrenResponse { children })
}

pub fn get_children2_request() -> impl Strategy<Value = GetChildren2Request> {
    (string(), any::<bool>()).prop_map(|(path, watch)| GetChildren2Request { path, watch })
}

pub fn get_children2_response() -> impl Strategy<Value = GetChildren2Response> {
    (strings(), stat()).prop_map(|(children, stat)| GetChildren2Response { children, stat })
}

pub fn check_version_request() -> impl Strategy<Value = CheckVersionRequest> {
    (string(), any::<i32>()).prop_map(|(path, version)| CheckVersionRequest { path, version })
}

pub fn multi_header() -> impl Strategy<Value = MultiHeader> {
    (any::<i32>(), any::<bool>(), any::<i32>()).prop_map(|(op_type, done, err)| MultiHeader {
        op_type,
        done,
        err,
    })
}

pub fn multi_op() -> impl Strategy<Value = MultiOp> {
    prop_oneof![
        create_request().prop_map(MultiOp::Create),
        create_request().prop_map(MultiOp::Create2),
        create_request().prop_map(MultiOp::CreateContainer),
        create_ttl_request().prop_map(MultiOp::CreateTtl),
        delete_request().prop_map(MultiOp::Delete),
        set_data_request().prop_map(MultiOp::SetData),
        check_version_request().prop_map(MultiOp::Check),
        get_data_request().prop_map(MultiOp::GetData),
        get_children_request().prop_map(MultiOp::GetChildren),
    ]
}

pub fn multi_request() -> impl Strategy<Value = MultiRequest> {
    vec(multi_op(), 0..5).prop_map(|ops| MultiRequest { ops })
}

pub fn multi_result() -> impl Strategy<Value = MultiResult> {
    prop_oneof![
        create_response().prop_map(MultiResult::Create),
        create2_response().prop_map(MultiResult::Create2),
        Just(MultiResult::Delete),
        stat().prop_map(|stat| MultiResult::SetData(SetDataResponse { stat })),
        Just(MultiResult::Check),
        get_data_response().prop_map(MultiResult::GetData),
        get_children_response().prop_map(MultiResult::GetChildren),
        error_code().prop_map(MultiResult::Error),
    ]
}

pub fn multi_response() -> impl Strategy<Value = MultiResponse> {
    vec(multi_result(), 0..5).prop_map(|results| MultiResponse { results })
}

pub fn reconfig_request() -> impl Strategy<Value = ReconfigRequest> {
    (opt_string(), opt_string(), opt_string(), any::<i64>()).prop_map(|t| ReconfigRequest {
        joining_servers: t.0,
        leaving_servers: t.1,
        new_members: t.2,
        cur_config_id: t.3,
    })
}

pub fn check_watches_request() -> impl Strategy<Value = CheckWatchesRequest> {
    (string(), watcher_type())
        .prop_map(|(path, watcher_type)| CheckWatchesRequest { path, watcher_type })
}

pub fn remove_watches_request() -> impl Strategy<Value = RemoveWatchesRequest> {
    (string(), watcher_type())
        .prop_map(|(path, watcher_type)| RemoveWatchesRequest { path, watcher_type })
}

pub fn add_watch_request() -> impl Strategy<Value = AddWatchRequest> {
    (string(), add_watch_mode()).prop_map(|(path, mode)| AddWatchRequest { path, mode })
}

pub fn set_watches() -> impl Strategy<Value = SetWatches> {
    (any::<i64>(), strings(), strings(), strings()).prop_map(|t| SetWatches {
        relative_zxid: t.0,
        data_watches: t.1,
        exist_watches: t.2,
        child_watches: t.3,
    })
}

pub fn set_watches2() -> impl Strategy<Value = SetWatches2> {
    (
        any::<i64>(),
        strings(),
        strings(),
        strings(),
        strings(),
        strings(),
    )
        .prop_map(|t| SetWatches2 {
            relative_zxid: t.0,
            data_watches: t.1,
            exist_watches: t.2,
            child_watches: t.3,
            persistent_watches: t.4,
            persistent_recursive_watches: t.5,
        })
}

pub fn auth_packet() -> impl Strategy<Value = AuthPacket> {
    (any::<i32>(), string(), bytes()).prop_map(|(auth_type, scheme, auth)| AuthPacket {
        auth_type,
        scheme,
        auth,
    })
}

pub fn client_info() -> impl Strategy<Value = ClientInfo> {
    (string(), string()).prop_map(|(auth_scheme, user)| ClientInfo { auth_scheme, user })
}

pub fn who_am_i_response() -> impl Strategy<Value = WhoAmIResponse> {
    vec(client_info(), 0..4).prop_map(|client_info| WhoAmIResponse { client_info })
}

pub fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        create_request().prop_map(Request::Create),
        create_request().prop_map(Request::Create2),
        create_request().prop_map(Request::CreateContainer),
        create_ttl_request().prop_map(Request::CreateTtl),
        delete_request().prop_map(Request::Delete),
        exists_request().prop_map(Request::Exists),
        get_data_request().prop_map(Request::GetData),
        set_data_request().prop_map(Request::SetData),
        get_acl_request().prop_map(Request::GetAcl),
        set_acl_request().prop_map(Request::SetAcl),
        get_children_request().prop_map(Request::GetChildren),
        get_children2_request().prop_map(Request::GetChildren2),
        string().prop_map(|path| Request::Sync(SyncRequest { path })),
        check_version_request().prop_map(Request::Check),
        multi_request().prop_map(Request::Multi),
        multi_request().prop_map(Request::MultiRead),
        reconfig_request().prop_map(Request::Reconfig),
        check_watches_request().prop_map(Request::CheckWatches),
        remove_watches_request().prop_map(Request::RemoveWatches),
        add_watch_request().prop_map(Request::AddWatch),
        set_watches().prop_map(Request::SetWatches),
        set_watches2().prop_map(Request::SetWatches2),
        auth_packet().prop_map(Request::Auth),
        bytes().prop_map(|token| Request::Sasl(GetSaslRequest { token })),
        string()
            .prop_map(|prefix_path| Request::GetEphemerals(GetEphemeralsRequest { prefix_path })),
        string()
            .prop_map(|path| Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path })),
        Just(Request::WhoAmI),
        Just(Request::Ping),
        Just(Request::CloseSession),
    ]
}

/// A response together with an op code whose reply has that shape.
pub fn response() -> impl Strategy<Value = (OpCode, Response)> {
    prop_oneof![
        create_response().prop_map(|r| (OpCode::Create, Response::Create(r))),
        (
            select(vec![
                OpCode::Create2,
                OpCode::CreateContainer,
                OpCode::CreateTtl
            ]),
            create2_response()
        )
            .prop_map(|(op, r)| (op, Response::Create2(r))),
        (
            select(vec![
                OpCode::Exists,
                OpCode::SetData,
                OpCode::SetAcl,
                OpCode::Check
            ]),
            stat()
        )
            .prop_map(|(op, s)| (op, Response::Stat(s))),
        (
            select(vec![OpCode::GetData, OpCode::Reconfig]),
            get_data_response()
        )
            .prop_map(|(op, r)| (op, Response::GetData(r))),
        get_acl_response().prop_map(|r| (OpCode::GetAcl, Response::GetAcl(r))),
        get_children_response().prop_map(|r| (OpCode::GetChildren, Response::GetChildren(r))),
        get_children2_response().prop_map(|r| (OpCode::GetChildren2, Response::GetChildren2(r))),
        string().prop_map(|path| (OpCode::Sync, Response::Sync(SyncResponse { path }))),
        (
            select(vec![OpCode::Multi, OpCode::MultiRead]),
            multi_response()
        )
            .prop_map(|(op, r)| (op, Response::Multi(r))),
        bytes().prop_map(|token| (OpCode::Sasl, Response::Sasl(SetSaslResponse { token }))),
        strings().prop_map(|ephemerals| (
            OpCode::GetEphemerals,
            Response::GetEphemerals(GetEphemeralsResponse { ephemerals })
        )),
        any::<i32>().prop_map(|total_number| (
            OpCode::GetAllChildrenNumber,
            Response::GetAllChildrenNumber(GetAllChildrenNumberResponse { total_number })
        )),
        who_am_i_response().prop_map(|r| (OpCode::WhoAmI, Response::WhoAmI(r))),
        error_code().prop_map(|err| (OpCode::AddWatch, Response::AddWatch(ErrorResponse { err }))),
        select(vec![
            OpCode::Delete,
            OpCode::Ping,
            OpCode::CheckWatches,
            OpCode::RemoveWatches,
            OpCode::Auth,
            OpCode::SetWatches,
            OpCode::SetWatches2,
            OpCode::CloseSession,
        ])
        .prop_map(|op| (op, Response::Empty)),
    ]
}
