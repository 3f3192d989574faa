//! Queue: a priority queue of entries, compatible with kazoo.
