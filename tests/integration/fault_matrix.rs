//! The fault matrix: the download engine against every fault of the mock server, against nginx,
//! and against servers that lie (small raw TCP servers, `fault_matrix/liar.rs`). Each case
//! downloads one 1 MB pack with its size and SHA-256 declared, as the manager does, prints one
//! markdown row (case, server, expected, observed, attempts, most bytes on disk, time, ok) and
//! asserts the expected end, that never more than the declared size reached the disk, and that
//! nothing outside the download folder changed (a canary folder beside it).
//!
//! A case the engine gets wrong today is `#[ignore]`d with the engine fix it needs; the table in
//! docs/reliability.md ("Fault matrix") shows every case, ignored ones included, regenerated with
//!
//! ```sh
//! cargo test --test integration fault_matrix:: -- --include-ignored --test-threads=1 --nocapture 2>/dev/null | grep '^| '
//! ```

mod harness;
mod liars;
mod mock;
mod nginx;
