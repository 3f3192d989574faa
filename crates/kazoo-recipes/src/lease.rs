//! NonBlockingLease and MultiNonBlockingLease: time-bounded leases.
