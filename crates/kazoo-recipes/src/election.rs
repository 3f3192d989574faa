//! Leader election built on the lock recipe, compatible with kazoo.
