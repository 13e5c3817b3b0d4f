//! Small bodies held in memory: a fresh download of at most [`SMALL`] bytes is hashed and
//! gathered as it arrives (into aligned pages, [`super::direct::PageBuf`]), then written past
//! the page cache and synced in one go on the thread that then verifies and renames it, instead
//! of feeding a writer thread chunk by chunk. Per file that saves a thread hand-off per chunk
//! and one per file (measured: the context switches were a tenth of the CPU time of 500
//! downloads of 256 KiB, on two cores shared with the server), and the copy into the page cache.
//!
//! Memory stays bounded: every held body first takes its size from one budget the engine's
//! workers share ([`HeldBudget`], [`BUDGET`] bytes), and gives it back only once its bytes are
//! on disk; a download that finds the budget spent streams through the writer thread as before.
//! Durability is the same as the writer thread's: the bytes are `fdatasync`ed before the file
//! is verified and renamed, and a body cut short is still written out, so a resumed attempt
//! continues from what arrived. What a killed process held is lost (at most [`SMALL`] bytes per
//! download, fetched again by the next attempt), where the writer thread's bytes would have
//! been in the page cache.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::direct::PageBuf;
use super::http::Failure;
use super::sink::{SinkDone, io_failure};
use crate::model::Sha256Digest;

/// The largest body held in memory.
pub const SMALL: u64 = 1 << 20;
/// The bytes all held bodies of one engine may take together.
pub const BUDGET: usize = 16 << 20;

/// The memory budget the held bodies of one engine share.
#[derive(Debug, Clone)]
pub struct HeldBudget(Arc<Semaphore>);

impl Default for HeldBudget {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(BUDGET)))
    }
}

impl HeldBudget {
    /// Room for a body of at most `limit` bytes, when it is small and the budget has it now.
    /// Counted in whole pages, as the body's memory is taken ([`PageBuf`]): a 100-byte body
    /// takes 4 KiB of the budget, so thousands of tiny bodies waiting to be written stay
    /// within it.
    pub fn reserve(&self, limit: u64) -> Option<OwnedSemaphorePermit> {
        if limit == 0 || limit > SMALL {
            return None;
        }
        let pages = limit.div_ceil(super::direct::ALIGN as u64);
        let permits = u32::try_from(pages.saturating_mul(super::direct::ALIGN as u64)).ok()?;
        Arc::clone(&self.0).try_acquire_many_owned(permits).ok()
    }
}

/// A body being held: its bytes, in pages ready for a direct write, and the budget it holds
/// until written.
#[derive(Debug)]
pub struct HeldBody {
    partial: PathBuf,
    bytes: PageBuf,
    hasher: Sha256,
    room: OwnedSemaphorePermit,
}

impl HeldBody {
    /// An empty body for `partial`, holding `room` from the budget (its memory is taken at
    /// once, in whole pages: at most a page more than the budget counts).
    pub fn new(partial: PathBuf, room: OwnedSemaphorePermit) -> Self {
        let bytes = PageBuf::with_capacity(room.num_permits());
        Self {
            partial,
            bytes,
            hasher: Sha256::new(),
            room,
        }
    }

    /// Adds a chunk (copied: the chunk's own buffer goes back at once) and hashes it, on the
    /// runtime thread that received it, while its bytes are in the core's cache: at most
    /// [`SMALL`] bytes per download, about half a millisecond. The caller never passes more
    /// than the limit the room was reserved for (the worker cuts the body at it).
    pub fn push(&mut self, chunk: Bytes) {
        self.hasher.update(&chunk);
        self.bytes.extend(&chunk);
    }

    /// The bytes held so far.
    pub fn length(&self) -> u64 {
        self.bytes.as_bytes().len() as u64
    }

    /// Writes the body to its partial file (replacing whatever was there) and syncs it; the
    /// digest was taken as the chunks came. Blocking.
    pub fn write(self) -> Result<SinkDone, Failure> {
        super::direct::write_synced(&self.partial, &self.bytes)
            .map_err(|e| io_failure(&self.partial, e))?;
        let bytes = self.bytes.as_bytes();
        let done = SinkDone {
            sha256: Sha256Digest(self.hasher.finalize().into()),
            length: bytes.len() as u64,
        };
        drop(self.room);
        Ok(done)
    }

    /// Where the body goes.
    pub fn partial(&self) -> &Path {
        &self.partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_body_is_written_whole_over_what_was_there_and_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("f.partial");
        std::fs::write(&partial, b"an older, longer attempt's bytes").unwrap();
        let budget = HeldBudget::default();
        let mut body = HeldBody::new(partial.clone(), budget.reserve(12).unwrap());
        body.push(Bytes::from_static(b"hello, "));
        body.push(Bytes::from_static(b"world"));
        let done = body.write().unwrap();
        assert_eq!(std::fs::read(&partial).unwrap(), b"hello, world");
        assert_eq!(done.length, 12);
        assert_eq!(done.sha256, Sha256Digest::of(b"hello, world"));
    }

    /// The regression this guards: a body sent in one-byte HTTP chunks kept every chunk, its
    /// bookkeeping (32 bytes a chunk) far beyond the bytes the budget counts. Now each chunk is
    /// copied into the pages taken at the start, which never grow.
    #[test]
    fn a_body_in_tiny_pieces_takes_no_more_memory_than_its_pages() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("f.partial");
        let budget = HeldBudget::default();
        let mut body = HeldBody::new(partial.clone(), budget.reserve(5000).unwrap());
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        for byte in &bytes {
            body.push(Bytes::copy_from_slice(std::slice::from_ref(byte)));
        }
        assert_eq!(body.bytes.capacity(), 8192, "two pages for 5,000 bytes");
        let done = body.write().unwrap();
        assert_eq!(std::fs::read(&partial).unwrap(), bytes);
        assert_eq!(done.sha256, Sha256Digest::of(&bytes));
    }

    #[test]
    fn only_small_bodies_are_held_and_the_budget_bounds_them_until_written() {
        let budget = HeldBudget::default();
        assert!(budget.reserve(SMALL + 1).is_none(), "too big to hold");
        assert!(budget.reserve(0).is_none(), "nothing to hold");
        let held: Vec<_> = (0..BUDGET as u64 / SMALL)
            .map(|_| budget.reserve(SMALL).unwrap())
            .collect();
        assert!(budget.reserve(1).is_none(), "the budget is spent");
        drop(held);
        assert!(
            budget.reserve(SMALL).is_some(),
            "written bodies give it back"
        );
    }

    /// The regression this guards: a body's memory is whole pages, and the budget counted its
    /// bytes, so thousands of tiny bodies waiting for a finishing thread held far more memory
    /// than the budget (100-byte files: about 40 times).
    #[test]
    fn tiny_bodies_take_whole_pages_of_the_budget() {
        let budget = HeldBudget::default();
        let pages = BUDGET / crate::engine::direct::ALIGN;
        let held: Vec<_> = (0..pages).map(|_| budget.reserve(100).unwrap()).collect();
        assert_eq!(held[0].num_permits(), crate::engine::direct::ALIGN);
        assert!(
            budget.reserve(1).is_none(),
            "one page each: the budget is spent"
        );
    }

    #[test]
    fn a_held_body_whose_folder_is_gone_fails_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("gone").join("f.partial");
        let budget = HeldBudget::default();
        let mut body = HeldBody::new(partial, budget.reserve(1).unwrap());
        body.push(Bytes::from_static(b"x"));
        let failure = body.write().unwrap_err();
        assert!(failure.error.message.contains("f.partial"), "{failure:?}");
    }
}
