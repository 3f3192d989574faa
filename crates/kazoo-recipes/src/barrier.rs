//! Barrier: clients wait until a node is removed.
