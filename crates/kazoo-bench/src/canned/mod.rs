//! The client-bound server mode: a loopback server that answers every request with a pre-encoded
//! reply and does no other work, so a client's own cost is what the benchmark measures.

mod replies;
mod server;

pub use server::{CannedServer, ServerUsage};
