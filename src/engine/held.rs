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
//! Written bodies' buffers are kept for the next ones, up to [`SPARE`] bytes besides the budget.
//! Durability is the same as the writer thread's: the bytes are `fdatasync`ed before the file
//! is verified and renamed, and a body cut short is still written out, so a resumed attempt
//! continues from what arrived. What a killed process held is lost (at most [`SMALL`] bytes per
//! download, fetched again by the next attempt), where the writer thread's bytes would have
//! been in the page cache.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
/// The bytes of written bodies' buffers kept for the next bodies, at most: a buffer used again
/// is neither zeroed nor faulted in page by page (measured with `perf` on 500 bodies of 256
/// KiB: half the process's page faults were in the zeroing of new pages). Idle, an engine
/// keeps this much.
pub const SPARE: usize = 4 << 20;

/// The memory budget the held bodies of one engine share, and the spare buffers of bodies
/// already written.
#[derive(Debug, Clone, Default)]
pub struct HeldBudget(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    room: Arc<Semaphore>,
    spares: Mutex<Vec<PageBuf>>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            room: Arc::new(Semaphore::new(BUDGET)),
            spares: Mutex::new(Vec::new()),
        }
    }
}

/// Room for one body: the budget it takes, counted in whole pages of the buffer it fills (a
/// spare one, or one taken now).
#[derive(Debug)]
pub struct Room {
    permit: OwnedSemaphorePermit,
    pages: PageBuf,
    budget: HeldBudget,
}

impl Room {
    /// The bytes of the budget this room takes.
    pub fn bytes(&self) -> usize {
        self.permit.num_permits()
    }
}

impl HeldBudget {
    /// Room for a body of at most `limit` bytes, when it is small and the budget has it now.
    /// Counted in whole pages, as the body's memory is taken ([`PageBuf`]): a 100-byte body
    /// takes 4 KiB of the budget, so thousands of tiny bodies waiting to be written stay
    /// within it. A spare buffer is used when one fits (at most twice the pages needed); the
    /// budget counts its whole size.
    pub fn reserve(&self, limit: u64) -> Option<Room> {
        if limit == 0 || limit > SMALL {
            return None;
        }
        let align = super::direct::ALIGN as u64;
        let needed = usize::try_from(limit.div_ceil(align).saturating_mul(align)).ok()?;
        let permit = |bytes: usize| {
            let bytes = u32::try_from(bytes).ok()?;
            Arc::clone(&self.0.room).try_acquire_many_owned(bytes).ok()
        };
        if let Some(spare) = self.take_spare(needed) {
            match permit(spare.capacity()) {
                Some(permit) => return Some(self.room(permit, spare)),
                // The budget may still have room for the pages needed alone.
                None => self.give_back(spare),
            }
        }
        let permit = permit(needed)?;
        Some(self.room(permit, PageBuf::with_capacity(needed)))
    }

    fn room(&self, permit: OwnedSemaphorePermit, pages: PageBuf) -> Room {
        Room {
            permit,
            pages,
            budget: self.clone(),
        }
    }

    /// A spare buffer of `needed` bytes or more (at most twice), emptied.
    fn take_spare(&self, needed: usize) -> Option<PageBuf> {
        let mut spares = self.0.spares.lock().unwrap_or_else(PoisonError::into_inner);
        let fits = |b: &PageBuf| b.capacity() >= needed && b.capacity() / 2 <= needed;
        let index = spares.iter().rposition(fits)?;
        let mut spare = spares.swap_remove(index);
        spare.clear();
        Some(spare)
    }

    /// Keeps a written body's buffer for the next body; the oldest spares go first when they
    /// would hold more than [`SPARE`] bytes, so that the spares follow the sizes downloaded now.
    fn give_back(&self, buffer: PageBuf) {
        if buffer.capacity() > SPARE {
            return;
        }
        let mut spares = self.0.spares.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kept: usize = spares.iter().map(PageBuf::capacity).sum();
        while kept.saturating_add(buffer.capacity()) > SPARE && !spares.is_empty() {
            kept = kept.saturating_sub(spares.remove(0).capacity());
        }
        spares.push(buffer);
    }
}

/// A body being held: its bytes, in pages ready for a direct write, and the room it holds
/// until written.
#[derive(Debug)]
pub struct HeldBody {
    partial: PathBuf,
    hasher: Sha256,
    room: Room,
}

impl HeldBody {
    /// An empty body for `partial`, filling `room`'s buffer (its memory was taken at once, in
    /// whole pages: at most a page more than the budget counts).
    pub fn new(partial: PathBuf, room: Room) -> Self {
        Self {
            partial,
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
        self.room.pages.extend(&chunk);
    }

    /// The bytes held so far.
    pub fn length(&self) -> u64 {
        self.room.pages.as_bytes().len() as u64
    }

    /// Writes the body to its partial file (replacing whatever was there) and syncs it; the
    /// digest was taken as the chunks came. Blocking.
    pub fn write(self) -> Result<SinkDone, Failure> {
        let Room {
            permit,
            pages,
            budget,
        } = self.room;
        super::direct::write_synced(&self.partial, &pages)
            .map_err(|e| io_failure(&self.partial, e))?;
        let done = SinkDone {
            sha256: Sha256Digest(self.hasher.finalize().into()),
            length: pages.as_bytes().len() as u64,
        };
        budget.give_back(pages);
        drop(permit);
        Ok(done)
    }

    /// Where the body goes.
    pub fn partial(&self) -> &Path {
        &self.partial
    }
}

#[cfg(test)]
#[path = "held_tests.rs"]
mod tests;
