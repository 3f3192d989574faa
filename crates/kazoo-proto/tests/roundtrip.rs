//! Every record survives encode then decode unchanged, `encoded_len()` is exactly what `encode`
//! writes, every strict prefix of an encoding fails to decode, and a trailing byte is reported.

mod strategies;

use bytes::{Bytes, BytesMut};
use kazoo_proto::*;
use proptest::prelude::*;
use std::fmt::Debug;
use strategies::*;

fn check<T: Encode + Decode + PartialEq + Debug>(v: &T) -> Result<(), TestCaseError> {
    check_with(v, |_| None)
}

/// `allowed_prefix(cut)` returns the value a prefix of `cut` bytes may legitimately decode to
/// (the handshake records without their trailing `readOnly` byte).
fn check_with<T: Encode + Decode + PartialEq + Debug>(
    v: &T,
    allowed_prefix: impl Fn(usize) -> Option<T>,
) -> Result<(), TestCaseError> {
    let mut buf = BytesMut::new();
    v.encode(&mut buf);
    prop_assert_eq!(buf.len(), v.encoded_len());
    let bytes = buf.freeze();
    prop_assert_eq!(&T::decode_exact(bytes.clone()).expect("decodes"), v);
    prop_assert_eq!(v.to_bytes(), bytes.clone());
    for cut in 0..bytes.len() {
        let mut r = Reader::new(bytes.slice(..cut));
        let got = T::decode(&mut r);
        match allowed_prefix(cut) {
            Some(expected) => prop_assert_eq!(got, Ok(expected)),
            None => prop_assert!(got.is_err(), "a {}-byte prefix decoded: {:?}", cut, got),
        }
    }
    let mut extra = bytes.to_vec();
    extra.push(0);
    prop_assert_eq!(
        T::decode_exact(Bytes::from(extra)),
        Err(DecodeError::TrailingBytes(1))
    );
    Ok(())
}

macro_rules! round_trips {
    ($($name:ident: $t:ty => $strat:expr;)*) => {
        proptest! {
            $(
                #[test]
                fn $name(v in $strat) {
                    check::<$t>(&v)?;
                }
            )*
        }
    };
}

round_trips! {
    stat_round_trips: Stat => stat();
    id_round_trips: Id => id();
    acl_round_trips: Acl => acl();
    watched_event_round_trips: WatchedEvent => watched_event();
    request_header_round_trips: RequestHeader => request_header();
    reply_header_round_trips: ReplyHeader => reply_header();
    create_request_round_trips: CreateRequest => create_request();
    create_ttl_request_round_trips: CreateTtlRequest => create_ttl_request();
    create_response_round_trips: CreateResponse => create_response();
    create2_response_round_trips: Create2Response => create2_response();
    delete_request_round_trips: DeleteRequest => delete_request();
    exists_request_round_trips: ExistsRequest => exists_request();
    exists_response_round_trips: ExistsResponse => stat().prop_map(|stat| ExistsResponse { stat });
    get_data_request_round_trips: GetDataRequest => get_data_request();
    get_data_response_round_trips: GetDataResponse => get_data_response();
    set_data_request_round_trips: SetDataRequest => set_data_request();
    set_data_response_round_trips: SetDataResponse => stat().prop_map(|stat| SetDataResponse { stat });
    get_acl_request_round_trips: GetAclRequest => get_acl_request();
    get_acl_response_round_trips: GetAclResponse => get_acl_response();
    set_acl_request_round_trips: SetAclRequest => set_acl_request();
    set_acl_response_round_trips: SetAclResponse => stat().prop_map(|stat| SetAclResponse { stat });
    get_children_request_round_trips: GetChildrenRequest => get_children_request();
    get_children_response_round_trips: GetChildrenResponse => get_children_response();
    get_children2_request_round_trips: GetChildren2Request => get_children2_request();
    get_children2_response_round_trips: GetChildren2Response => get_children2_response();
    get_all_children_number_request_round_trips: GetAllChildrenNumberRequest =>
        string().prop_map(|path| GetAllChildrenNumberRequest { path });
    get_all_children_number_response_round_trips: GetAllChildrenNumberResponse =>
        any::<i32>().prop_map(|total_number| GetAllChildrenNumberResponse { total_number });
    sync_request_round_trips: SyncRequest => string().prop_map(|path| SyncRequest { path });
    sync_response_round_trips: SyncResponse => string().prop_map(|path| SyncResponse { path });
    check_version_request_round_trips: CheckVersionRequest => check_version_request();
    multi_header_round_trips: MultiHeader => multi_header();
    multi_request_round_trips: MultiRequest => multi_request();
    multi_response_round_trips: MultiResponse => multi_response();
    reconfig_request_round_trips: ReconfigRequest => reconfig_request();
    check_watches_request_round_trips: CheckWatchesRequest => check_watches_request();
    remove_watches_request_round_trips: RemoveWatchesRequest => remove_watches_request();
    add_watch_request_round_trips: AddWatchRequest => add_watch_request();
    set_watches_round_trips: SetWatches => set_watches();
    set_watches2_round_trips: SetWatches2 => set_watches2();
    auth_packet_round_trips: AuthPacket => auth_packet();
    get_sasl_request_round_trips: GetSaslRequest => bytes().prop_map(|token| GetSaslRequest { token });
    set_sasl_request_round_trips: SetSaslRequest => bytes().prop_map(|token| SetSaslRequest { token });
    set_sasl_response_round_trips: SetSaslResponse => bytes().prop_map(|token| SetSaslResponse { token });
    get_ephemerals_request_round_trips: GetEphemeralsRequest =>
        string().prop_map(|prefix_path| GetEphemeralsRequest { prefix_path });
    get_ephemerals_response_round_trips: GetEphemeralsResponse =>
        strings().prop_map(|ephemerals| GetEphemeralsResponse { ephemerals });
    client_info_round_trips: ClientInfo => client_info();
    who_am_i_response_round_trips: WhoAmIResponse => who_am_i_response();
    error_response_round_trips: ErrorResponse => error_code().prop_map(|err| ErrorResponse { err });
}

proptest! {
    #[test]
    fn connect_request_round_trips(v in connect_request()) {
        let len = v.encoded_len();
        check_with(&v, |cut| (cut == len - 1).then(|| ConnectRequest { read_only: false, ..v.clone() }))?;
        let mut framed = BytesMut::new();
        v.encode_frame(&mut framed);
        prop_assert_eq!(framed.len(), 4 + len);
        prop_assert_eq!(&framed[..4], &(len as i32).to_be_bytes()[..]);
    }

    #[test]
    fn connect_response_round_trips(v in connect_response()) {
        let len = v.encoded_len();
        check_with(&v, |cut| (cut == len - 1).then(|| ConnectResponse { read_only: false, ..v.clone() }))?;
    }
}
