//! Every error code a ZooKeeper server (3.4 to 3.9) can put in a reply header or a multi result.

/// A server error code, as found in `ReplyHeader.err` and in multi error results.
///
/// Unknown codes decode to [`ErrorCode::Unknown`] so a newer server never breaks decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0: success.
    Ok,
    /// -1: a system or server-side error.
    SystemError,
    /// -2: a runtime inconsistency (also reported for ops after the failing one in a multi).
    RuntimeInconsistency,
    /// -3: a data inconsistency.
    DataInconsistency,
    /// -4: the connection to the server was lost.
    ConnectionLoss,
    /// -5: error while marshalling or unmarshalling data.
    MarshallingError,
    /// -6: the operation is not implemented by this server.
    Unimplemented,
    /// -7: the operation timed out.
    OperationTimeout,
    /// -8: invalid arguments.
    BadArguments,
    /// -12: unknown session (internal to the server).
    UnknownSession,
    /// -13: no quorum of the new config is connected and up to date.
    NewConfigNoQuorum,
    /// -14: another reconfiguration is in progress.
    ReconfigInProgress,
    /// -100: generic API error.
    ApiError,
    /// -101: the node does not exist.
    NoNode,
    /// -102: not authenticated for this operation.
    NoAuth,
    /// -103: version conflict.
    BadVersion,
    /// -108: ephemeral nodes may not have children.
    NoChildrenForEphemerals,
    /// -110: the node already exists.
    NodeExists,
    /// -111: the node has children.
    NotEmpty,
    /// -112: the session has been expired by the server.
    SessionExpired,
    /// -113: invalid callback.
    InvalidCallback,
    /// -114: invalid ACL.
    InvalidAcl,
    /// -115: client authentication failed.
    AuthFailed,
    /// -118: the session moved to another server.
    SessionMoved,
    /// -119: a write was sent to a read-only server.
    NotReadOnly,
    /// -120: attempt to create an ephemeral node on a local session.
    EphemeralOnLocalSession,
    /// -121: the watch to remove does not exist.
    NoWatcher,
    /// -122: the request timed out while waiting on the server.
    RequestTimeout,
    /// -123: reconfiguration is disabled on the server.
    ReconfigDisabled,
    /// -124: the server requires SASL authentication and closed the session.
    SessionClosedRequireSasl,
    /// -125: a quota was exceeded.
    QuotaExceeded,
    /// -127: the server throttled the request.
    Throttled,
    /// A code this library does not know.
    Unknown(i32),
}

impl ErrorCode {
    /// Maps a wire code to the enum.
    #[inline]
    pub fn from_code(code: i32) -> ErrorCode {
        // Almost every reply succeeds: those skip the table (inlined into the caller).
        if code == 0 {
            ErrorCode::Ok
        } else {
            Self::from_error_code(code)
        }
    }

    fn from_error_code(code: i32) -> ErrorCode {
        use ErrorCode::*;
        match code {
            0 => Ok,
            -1 => SystemError,
            -2 => RuntimeInconsistency,
            -3 => DataInconsistency,
            -4 => ConnectionLoss,
            -5 => MarshallingError,
            -6 => Unimplemented,
            -7 => OperationTimeout,
            -8 => BadArguments,
            -12 => UnknownSession,
            -13 => NewConfigNoQuorum,
            -14 => ReconfigInProgress,
            -100 => ApiError,
            -101 => NoNode,
            -102 => NoAuth,
            -103 => BadVersion,
            -108 => NoChildrenForEphemerals,
            -110 => NodeExists,
            -111 => NotEmpty,
            -112 => SessionExpired,
            -113 => InvalidCallback,
            -114 => InvalidAcl,
            -115 => AuthFailed,
            -118 => SessionMoved,
            -119 => NotReadOnly,
            -120 => EphemeralOnLocalSession,
            -121 => NoWatcher,
            -122 => RequestTimeout,
            -123 => ReconfigDisabled,
            -124 => SessionClosedRequireSasl,
            -125 => QuotaExceeded,
            -127 => Throttled,
            other => Unknown(other),
        }
    }

    /// The wire code.
    pub fn code(self) -> i32 {
        use ErrorCode::*;
        match self {
            Ok => 0,
            SystemError => -1,
            RuntimeInconsistency => -2,
            DataInconsistency => -3,
            ConnectionLoss => -4,
            MarshallingError => -5,
            Unimplemented => -6,
            OperationTimeout => -7,
            BadArguments => -8,
            UnknownSession => -12,
            NewConfigNoQuorum => -13,
            ReconfigInProgress => -14,
            ApiError => -100,
            NoNode => -101,
            NoAuth => -102,
            BadVersion => -103,
            NoChildrenForEphemerals => -108,
            NodeExists => -110,
            NotEmpty => -111,
            SessionExpired => -112,
            InvalidCallback => -113,
            InvalidAcl => -114,
            AuthFailed => -115,
            SessionMoved => -118,
            NotReadOnly => -119,
            EphemeralOnLocalSession => -120,
            NoWatcher => -121,
            RequestTimeout => -122,
            ReconfigDisabled => -123,
            SessionClosedRequireSasl => -124,
            QuotaExceeded => -125,
            Throttled => -127,
            Unknown(c) => c,
        }
    }

    /// Every known code, for tests and documentation tables.
    pub const ALL: [ErrorCode; 32] = {
        use ErrorCode::*;
        [
            Ok,
            SystemError,
            RuntimeInconsistency,
            DataInconsistency,
            ConnectionLoss,
            MarshallingError,
            Unimplemented,
            OperationTimeout,
            BadArguments,
            UnknownSession,
            NewConfigNoQuorum,
            ReconfigInProgress,
            ApiError,
            NoNode,
            NoAuth,
            BadVersion,
            NoChildrenForEphemerals,
            NodeExists,
            NotEmpty,
            SessionExpired,
            InvalidCallback,
            InvalidAcl,
            AuthFailed,
            SessionMoved,
            NotReadOnly,
            EphemeralOnLocalSession,
            NoWatcher,
            RequestTimeout,
            ReconfigDisabled,
            SessionClosedRequireSasl,
            QuotaExceeded,
            Throttled,
        ]
    };
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({})", self, self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(c.code()), c);
        }
        assert_eq!(ErrorCode::from_code(-9999), ErrorCode::Unknown(-9999));
    }
}
