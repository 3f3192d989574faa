//! Semaphore: a bounded number of lease holders, compatible with kazoo.
