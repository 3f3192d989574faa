//! [`TreeEvent`]: what a tree cache tells its listeners (kazoo's `TreeEvent`).

use super::NodeData;

/// A change of a tree cache, or of its connection (kazoo's `TreeEvent` types).
///
/// Node events describe the cache's own transitions, in the order it applied them: replaying
/// them onto an empty map (added and updated: insert; removed: delete) rebuilds the cache.
///
/// ```
/// use kazoo_recipes::cache::{TreeEvent, TreeEventType};
/// assert_eq!(TreeEvent::Initialized.event_type(), TreeEventType::Initialized);
/// assert!(TreeEvent::Initialized.node().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeEvent {
    /// A node entered the cache.
    NodeAdded(NodeData),
    /// A cached node's data changed (its mzxid differs).
    NodeUpdated(NodeData),
    /// A node left the cache (its last known data).
    NodeRemoved(NodeData),
    /// The client lost its connection; the cache may fall behind until it reconnects.
    ConnectionSuspended,
    /// The client reconnected; the cache catches up on what changed meanwhile.
    ConnectionReconnected,
    /// The session was lost; the cache is read again in full once a new session exists.
    ConnectionLost,
    /// The cache holds the whole tree for the first time (again after a session loss).
    Initialized,
}

/// The kind of a [`TreeEvent`] (kazoo's `TreeEvent.NODE_ADDED` ... constants).
///
/// ```
/// use kazoo_recipes::cache::TreeEventType;
/// assert_ne!(TreeEventType::NodeAdded, TreeEventType::NodeRemoved);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreeEventType {
    /// See [`TreeEvent::NodeAdded`].
    NodeAdded,
    /// See [`TreeEvent::NodeUpdated`].
    NodeUpdated,
    /// See [`TreeEvent::NodeRemoved`].
    NodeRemoved,
    /// See [`TreeEvent::ConnectionSuspended`].
    ConnectionSuspended,
    /// See [`TreeEvent::ConnectionReconnected`].
    ConnectionReconnected,
    /// See [`TreeEvent::ConnectionLost`].
    ConnectionLost,
    /// See [`TreeEvent::Initialized`].
    Initialized,
}

impl TreeEvent {
    /// The event's kind (kazoo's `event_type`).
    pub fn event_type(&self) -> TreeEventType {
        match self {
            TreeEvent::NodeAdded(_) => TreeEventType::NodeAdded,
            TreeEvent::NodeUpdated(_) => TreeEventType::NodeUpdated,
            TreeEvent::NodeRemoved(_) => TreeEventType::NodeRemoved,
            TreeEvent::ConnectionSuspended => TreeEventType::ConnectionSuspended,
            TreeEvent::ConnectionReconnected => TreeEventType::ConnectionReconnected,
            TreeEvent::ConnectionLost => TreeEventType::ConnectionLost,
            TreeEvent::Initialized => TreeEventType::Initialized,
        }
    }

    /// The node of a node event (kazoo's `event_data`).
    pub fn node(&self) -> Option<&NodeData> {
        match self {
            TreeEvent::NodeAdded(n) | TreeEvent::NodeUpdated(n) | TreeEvent::NodeRemoved(n) => {
                Some(n)
            }
            _ => None,
        }
    }
}
