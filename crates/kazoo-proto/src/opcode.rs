//! Request op codes (`ZooDefs.OpCode`).

/// The type field of a request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpCode {
    /// 0: the connect handshake (never in a header; used for logging).
    Notification,
    /// 1
    Create,
    /// 2
    Delete,
    /// 3
    Exists,
    /// 4
    GetData,
    /// 5
    SetData,
    /// 6
    GetAcl,
    /// 7
    SetAcl,
    /// 8
    GetChildren,
    /// 9
    Sync,
    /// 11
    Ping,
    /// 12
    GetChildren2,
    /// 13
    Check,
    /// 14
    Multi,
    /// 15
    Create2,
    /// 16
    Reconfig,
    /// 17
    CheckWatches,
    /// 18
    RemoveWatches,
    /// 19
    CreateContainer,
    /// 20
    DeleteContainer,
    /// 21
    CreateTtl,
    /// 22
    MultiRead,
    /// 100
    Auth,
    /// 101
    SetWatches,
    /// 102
    Sasl,
    /// 103
    GetEphemerals,
    /// 104
    GetAllChildrenNumber,
    /// 105
    SetWatches2,
    /// 106
    AddWatch,
    /// 107
    WhoAmI,
    /// -10
    CreateSession,
    /// -11
    CloseSession,
    /// -1: marks an error result inside a multi reply.
    Error,
}

impl OpCode {
    /// Every op code.
    pub const ALL: [OpCode; 33] = {
        use OpCode::*;
        [
            Notification,
            Create,
            Delete,
            Exists,
            GetData,
            SetData,
            GetAcl,
            SetAcl,
            GetChildren,
            Sync,
            Ping,
            GetChildren2,
            Check,
            Multi,
            Create2,
            Reconfig,
            CheckWatches,
            RemoveWatches,
            CreateContainer,
            DeleteContainer,
            CreateTtl,
            MultiRead,
            Auth,
            SetWatches,
            Sasl,
            GetEphemerals,
            GetAllChildrenNumber,
            SetWatches2,
            AddWatch,
            WhoAmI,
            CreateSession,
            CloseSession,
            Error,
        ]
    };

    /// The wire value.
    pub fn code(self) -> i32 {
        use OpCode::*;
        match self {
            Notification => 0,
            Create => 1,
            Delete => 2,
            Exists => 3,
            GetData => 4,
            SetData => 5,
            GetAcl => 6,
            SetAcl => 7,
            GetChildren => 8,
            Sync => 9,
            Ping => 11,
            GetChildren2 => 12,
            Check => 13,
            Multi => 14,
            Create2 => 15,
            Reconfig => 16,
            CheckWatches => 17,
            RemoveWatches => 18,
            CreateContainer => 19,
            DeleteContainer => 20,
            CreateTtl => 21,
            MultiRead => 22,
            Auth => 100,
            SetWatches => 101,
            Sasl => 102,
            GetEphemerals => 103,
            GetAllChildrenNumber => 104,
            SetWatches2 => 105,
            AddWatch => 106,
            WhoAmI => 107,
            CreateSession => -10,
            CloseSession => -11,
            Error => -1,
        }
    }

    /// Maps a wire value to the enum, `None` for an unknown value.
    pub fn from_code(code: i32) -> Option<OpCode> {
        OpCode::ALL.into_iter().find(|op| op.code() == code)
    }

    /// The first ZooKeeper release that implements the op, as `(major, minor)`.
    pub fn min_server_version(self) -> (u32, u32) {
        use OpCode::*;
        match self {
            Create2 | Reconfig | CheckWatches | RemoveWatches | CreateContainer
            | DeleteContainer | CreateTtl => (3, 5),
            MultiRead | GetEphemerals | GetAllChildrenNumber | SetWatches2 | AddWatch => (3, 6),
            WhoAmI => (3, 7),
            _ => (3, 4),
        }
    }

    /// True for ops that change server state (refused by a read-only server).
    pub fn is_write(self) -> bool {
        use OpCode::*;
        matches!(
            self,
            Create
                | Delete
                | SetData
                | SetAcl
                | Multi
                | Create2
                | Reconfig
                | CreateContainer
                | DeleteContainer
                | CreateTtl
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for op in OpCode::ALL {
            assert_eq!(OpCode::from_code(op.code()), Some(op));
        }
        assert_eq!(OpCode::from_code(10), None);
    }
}
