//! Counter: an integer or float stored as text (kazoo) or as 4 bytes (Curator SharedCount).
