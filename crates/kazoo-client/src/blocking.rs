//! The blocking client (being written).
