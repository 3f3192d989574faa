//! Connection states: kazoo's high-level [`KazooState`] and the detailed [`SessionState`]
//! (kazoo's `KeeperState`), and the transition record subscribers receive.

/// kazoo's simplified connection state (`KazooState`).
///
/// A new client is `Lost`; it becomes `Connected` once a session is established, `Suspended` when
/// the connection drops (the session may still be alive), and `Lost` again when the session
/// expired, authentication failed or the client was closed.
///
/// ```
/// use kazoo_client::{KazooState, SessionState};
/// assert_eq!(SessionState::ConnectedReadOnly.kazoo_state(), KazooState::Connected);
/// assert_eq!(SessionState::Connecting.kazoo_state(), KazooState::Suspended);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KazooState {
    /// The connection is up and the session valid.
    Connected,
    /// The connection was lost; the session may still be valid. Pause work that needs agreement
    /// with other processes (locks) until `Connected` or `Lost`.
    Suspended,
    /// The session is gone (expired, closed, or never established): its ephemeral nodes are gone.
    Lost,
}

/// The detailed session state (kazoo's `KeeperState`, named apart from the wire-level
/// `kazoo_proto::KeeperState`).
///
/// ```
/// use kazoo_client::SessionState;
/// assert!(SessionState::ConnectedReadOnly.is_connected());
/// assert!(SessionState::Closed.is_terminal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Trying to (re)establish a connection.
    Connecting,
    /// Connected to a read-write server.
    Connected,
    /// Connected to a server in read-only mode: reads work, writes fail with `NotReadOnly`.
    ConnectedReadOnly,
    /// The server refused the credentials; the client stopped.
    AuthFailed,
    /// The session expired (the server said so, or the client gave it up under
    /// [`crate::ClientBuilder::read_only_fresh_session`]); the client starts a new one.
    ExpiredSession,
    /// The client was closed.
    Closed,
}

impl SessionState {
    /// The matching high-level state. `Connecting` maps to `Suspended`; a client that never
    /// connected yet reports `Lost` through [`crate::Client::state`] instead.
    pub fn kazoo_state(self) -> KazooState {
        match self {
            SessionState::Connected | SessionState::ConnectedReadOnly => KazooState::Connected,
            SessionState::Connecting => KazooState::Suspended,
            SessionState::AuthFailed | SessionState::ExpiredSession | SessionState::Closed => {
                KazooState::Lost
            }
        }
    }

    /// True for the two connected states.
    pub fn is_connected(self) -> bool {
        matches!(
            self,
            SessionState::Connected | SessionState::ConnectedReadOnly
        )
    }

    /// True when the client will not reconnect by itself.
    pub fn is_terminal(self) -> bool {
        matches!(self, SessionState::AuthFailed | SessionState::Closed)
    }
}

/// One transition, as delivered to state subscribers.
///
/// ```
/// use kazoo_client::{KazooState, SessionState, StateChange};
/// let c = StateChange { kazoo: KazooState::Connected, session: SessionState::Connected };
/// assert!(c.session.is_connected());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateChange {
    /// The new high-level state.
    pub kazoo: KazooState,
    /// The new detailed state.
    pub session: SessionState,
}
