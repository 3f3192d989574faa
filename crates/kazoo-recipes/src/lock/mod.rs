//! Locks: Lock, ReadLock and WriteLock, compatible with Python kazoo's znode layout.
