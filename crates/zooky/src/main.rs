//! zooky: a command-line tool for ZooKeeper operators.
fn main() {}
