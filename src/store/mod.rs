//! Durable storage: files written so that a crash at any moment leaves either the old content or
//! the new, never a mix.
//!
//! - [`atomic`]: write-then-rename with `sync_data`, and the `.partial` naming it uses.

pub mod atomic;

pub use atomic::write_atomically;
