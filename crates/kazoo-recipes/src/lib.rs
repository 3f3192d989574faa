//! ZooKeeper recipes, znode-compatible with Python kazoo: locks, election, semaphore, barriers,
//! counter, party, queues, partitioner, leases, watch helpers and caches.
//!
//! Every recipe uses only the public API of [`kazoo_client`].
#![forbid(unsafe_code)]

pub mod barrier;
pub mod cache;
pub mod counter;
pub mod double_barrier;
pub mod election;
pub mod fencing;
pub mod lease;
pub mod lock;
pub mod locking_queue;
pub mod node_tracker;
pub mod partitioner;
pub mod party;
pub mod queue;
pub mod semaphore;
pub mod watchers;

pub use barrier::{Barrier, BlockingBarrier};
pub use cache::{NodeCache, TreeCache, TreeEvent};
pub use counter::{BlockingCounter, Counter, CounterError, CounterValue};
pub use double_barrier::{BlockingDoubleBarrier, DoubleBarrier};
pub use election::{BlockingElection, Election};
pub use fencing::{FencingToken, Grant, GrantOptions, LostReason, LostSignal};
pub use lease::{
    BlockingMultiNonBlockingLease, BlockingNonBlockingLease, Lease, LeaseError,
    MultiNonBlockingLease, NonBlockingLease,
};
pub use lock::{
    BlockingLock, BlockingReadLock, BlockingWriteLock, Lock, LockError, LockGuard, LockOptions,
    ReadLock, WriteLock,
};
pub use locking_queue::{BlockingLockingQueue, LockingQueue};
pub use node_tracker::NodeTracker;
pub use partitioner::{
    BlockingSetPartitioner, PartitionState, PartitionStatus, PartitionerError, SetPartitioner,
};
pub use party::{BlockingParty, BlockingShallowParty, Party, ShallowParty};
pub use queue::{BlockingQueue, Queue, QueueError};
pub use semaphore::{BlockingSemaphore, Semaphore, SemaphoreGuard, SemaphoreOptions};
pub use watchers::{ChildrenWatch, DataWatch, PatientChildrenWatch};
