//! Benchmark program for kazoo for Rust.
fn main() {}
