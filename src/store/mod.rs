//! Durable storage: files written so that a crash at any moment leaves either the old content or
//! the new, never a mix.
//!
//! - [`atomic`]: write-then-rename with `sync_data`, and the `.partial` naming it uses.
//! - [`beneath`]: one file removed below a folder, never through a link on the way.
//! - [`saver`]: a background task that saves a state file atomically, coalescing bursts.
//! - [`forgiving`]: loading a state file that may be missing or damaged.
//! - [`paths`]: every folder and file of a manager, under `--data-dir` or the platform's folders.
//! - [`positioned`]: reads and writes at an offset of a file.
//! - [`remove`]: the one recursive delete, refusing anything outside the folder bgassets owns.

pub mod atomic;
pub mod beneath;
pub mod forgiving;
pub mod paths;
pub mod positioned;
pub mod remove;
pub mod saver;

pub use atomic::write_atomically;
pub use paths::Paths;
pub use remove::{RemoveError, remove_tree};
