//! Fencing tokens and lost signals shared by every exclusive grant (locks, leases, elections).
