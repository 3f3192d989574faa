//! Caches: TreeCache (a local mirror of a subtree) and NodeCache (one node).
