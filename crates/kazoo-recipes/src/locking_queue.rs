//! LockingQueue: entries taken under an ephemeral lock and consumed or released.
