//! Node value tracking (zktools' ZkNode): a node's current value kept up to date.
