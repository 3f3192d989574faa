//! Caches kept up to date by watches: [`TreeCache`] (a local mirror of a subtree, kazoo's
//! `TreeCache`) and [`NodeCache`] (one node, Curator's `NodeCache`). [`blocking`] has both
//! for the blocking client.
//!
//! # How the tree cache stays exact
//!
//! One task is the only writer of a tree cache. It turns watch events, read results and
//! connection changes into cache transitions and [`TreeEvent`]s.
//!
//! ## Rules (both watch modes)
//!
//! - An event about a node never changes the cache by itself (except a deletion in persistent
//!   mode): it makes the task read the node again. A node's cached state is always what the
//!   last read of it returned, and that read was sent after every event about the node the
//!   task had seen. Reads of one path are single-flight: a trigger during a read marks it
//!   dirty and the read is repeated when it returns, so the last read always follows the last
//!   event. Replies and watch events travel on different channels, so the task cannot know
//!   their exact interleaving; these rules make that order irrelevant.
//! - A node enters the cache only under a cached parent. When it enters, its children are
//!   listed and each unknown child is read. Lists only discover; nodes leave the cache on a
//!   read that finds them missing, or (persistent mode) on their deletion event.
//! - Persistent mode: one persistent-recursive watch on the root (ZooKeeper 3.6+) reports
//!   creation, deletion and data change of every node below it.
//! - One-shot mode (older servers): each cached node carries a data watch (getData) and a
//!   child watch (getChildren), kazoo's way. After a deletion the parent is listed again, so a
//!   node re-created before its deletion was seen is not lost.
//!
//! ## Catching up after a reconnect with the same session
//!
//! One-shot mode needs nothing: the client re-registers every armed watch with SetWatches2
//! and the server fires at once those whose node changed meanwhile (it compares the node's
//! mzxid / pzxid with the last zxid the client saw). Persistent watches are re-registered too,
//! but the server does not replay what they missed (ZooKeeper's `DataTree.setWatches` only
//! adds them back). So in persistent mode the task makes a cheap pass: an `exists` (a stat,
//! no data) for every cached node, sent after the reconnect and thus after the watch is back.
//! A node whose stat shows another czxid or mzxid is read again; one whose pzxid moved has
//! its children listed again; a missing one is removed. Correctness: every change made after
//! the watch came back produces an event; every change made before is visible in the stat,
//! because a stat equal to the cached one (same czxid, mzxid, pzxid) means neither the data
//! nor the set of children changed since the read that cached it. Nodes created under an
//! unchanged parent cannot exist (their creation moves the parent's pzxid), and new subtrees
//! are found from their topmost new node. Reads lost with the connection are sent again.
//! Nothing is re-read unless it changed: kazoo re-reads the whole tree (its issue #664).
//!
//! ## After a session loss
//!
//! Every watch is gone and anything may have changed: the task re-adds its watch (persistent
//! mode), then reads every cached node and lists every cached parent again, reporting only
//! the differences, and announces `Initialized` once that read is complete.

pub mod blocking;
mod event;
pub(crate) mod fanout;
mod node_cache;
mod node_data;
mod tree;

pub use event::{TreeEvent, TreeEventType};
pub use node_cache::{NodeCache, NodeCacheEvent, NodeCacheEventStream};
pub(crate) use node_data::own as node_data_own;
pub use node_data::NodeData;
pub use tree::{TreeCache, TreeCacheBuilder, TreeCacheStats, TreeEventStream, WatchMode};
