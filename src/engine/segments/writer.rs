//! Where a segmented download's bytes go: a thread that writes each connection's chunks at
//! their offsets in the partial file and hashes the file's contiguous prefix as it grows. A
//! chunk that lands at the end of the prefix is hashed from memory; when the prefix reaches
//! bytes another connection wrote earlier, they are read back (from the page cache) a few MiB
//! at a time, so no full read is needed at the end. Every [`CHECKPOINT`] bytes the
//! [`checkpoint`] thread, and when the attempt ends the writer itself, `fdatasync`s the file
//! and then has the [`sidecar`] record what is on disk.
//! The channel to the thread is bounded in bytes, so memory stays flat whatever the size.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc};

use super::checkpoint::{self, Offer};
use super::sidecar::{self, Sidecar};
use crate::engine::http::Failure;
use crate::engine::sink::{SinkDone, io_failure};
use crate::model::{ErrorKind, Sha256Digest};
use crate::store::positioned::{read_at, write_at};

/// Bytes queued for the disk, at most.
const QUEUE_BYTES: usize = 4 << 20;
/// Bytes written between two checkpoint offers (sync, then record: [`checkpoint`]).
const CHECKPOINT: u64 = 8 << 20;
/// Bytes of the prefix read back and hashed between two chunks.
const CATCH_UP: u64 = 8 << 20;
const BUFFER: usize = 256 * 1024;

type Chunk = (u64, Bytes, OwnedSemaphorePermit);

/// A cloneable way for connections to hand chunks to the writer.
#[derive(Clone)]
pub struct Chunks {
    sender: mpsc::Sender<Chunk>,
    budget: Arc<Semaphore>,
    /// Nanoseconds connections spent waiting for room in the queue, in all.
    waited: Arc<AtomicU64>,
}

impl Chunks {
    /// Queues `bytes` for `offset`; `false` when the writer has stopped (its error comes from
    /// [`Writer::finish`]).
    pub async fn write(&self, offset: u64, bytes: Bytes) -> bool {
        let permits = bytes.len().clamp(1, QUEUE_BYTES) as u32;
        let permit = match Arc::clone(&self.budget).try_acquire_many_owned(permits) {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return false,
            Err(TryAcquireError::NoPermits) => {
                let since = Instant::now();
                let Ok(permit) = Arc::clone(&self.budget).acquire_many_owned(permits).await else {
                    return false;
                };
                let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
                self.waited.fetch_add(nanos, Ordering::Relaxed);
                permit
            }
        };
        self.sender.send((offset, bytes, permit)).await.is_ok()
    }

    /// How long connections have waited for the writer, in all: the disk or the CPU, not the
    /// origin, sets the pace while this grows.
    pub fn waited(&self) -> Duration {
        Duration::from_nanos(self.waited.load(Ordering::Relaxed))
    }
}

/// The writer thread of one attempt.
pub struct Writer {
    chunks: Option<Chunks>,
    partial: PathBuf,
    thread: tokio::task::JoinHandle<io::Result<State>>,
}

/// What the writer has when it stops.
struct State {
    record: Sidecar,
    hasher: Sha256,
    hashed: u64,
}

impl Writer {
    /// Starts writing into `file` (the partial file, already `record.total` bytes long).
    pub fn start(file: File, partial: PathBuf, record: Sidecar) -> Self {
        let (sender, receiver) = mpsc::channel(256);
        let path = partial.clone();
        let thread = tokio::task::spawn_blocking(move || write_all(&file, &path, record, receiver));
        Self {
            chunks: Some(Chunks {
                sender,
                budget: Arc::new(Semaphore::new(QUEUE_BYTES)),
                waited: Arc::new(AtomicU64::new(0)),
            }),
            partial,
            thread,
        }
    }

    /// A handle for a connection.
    pub fn chunks(&self) -> Option<Chunks> {
        self.chunks.clone()
    }

    /// Waits for every queued chunk to be written, syncs and records: the whole file's digest
    /// when every byte is in, else how many bytes are kept.
    pub async fn finish(mut self) -> Result<Result<SinkDone, u64>, Failure> {
        self.chunks.take();
        let state = match self.thread.await {
            Ok(Ok(state)) => state,
            Ok(Err(e)) => return Err(io_failure(&self.partial, e)),
            Err(join) => {
                return Err(Failure::fatal(
                    ErrorKind::Io,
                    format!(
                        "{}: the writer thread stopped: {join}",
                        self.partial.display()
                    ),
                ));
            }
        };
        if state.hashed != state.record.total {
            return Ok(Err(state.record.extents.covered()));
        }
        Ok(Ok(SinkDone {
            sha256: Sha256Digest(state.hasher.finalize().into()),
            length: state.hashed,
        }))
    }
}

fn write_all(
    file: &File,
    partial: &std::path::Path,
    record: Sidecar,
    receiver: mpsc::Receiver<Chunk>,
) -> io::Result<State> {
    let (offers, records) = checkpoint::channel();
    let (written, checkpoints) = std::thread::scope(|scope| {
        let checkpoints = scope.spawn(|| checkpoint::run(file, partial, records));
        let written = write_chunks(file, record, receiver, &offers);
        drop(offers);
        let checkpoints = checkpoints
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the checkpoint thread panicked")));
        (written, checkpoints)
    });
    // A failed checkpoint is the cause when the writer stopped because of it.
    checkpoints?;
    let mut state = written?;
    let mut buffer = Vec::new();
    catch_up(file, &mut state, u64::MAX, &mut buffer)?;
    file.sync_data()?;
    sidecar::save(partial, &state.record)?;
    Ok(state)
}

/// Writes and hashes chunks until every connection is done, offering a checkpoint every
/// [`CHECKPOINT`] bytes (the checkpoint thread syncs while writing goes on).
fn write_chunks(
    file: &File,
    record: Sidecar,
    mut receiver: mpsc::Receiver<Chunk>,
    offers: &checkpoint::Offers,
) -> io::Result<State> {
    let mut state = State {
        record,
        hasher: Sha256::new(),
        hashed: 0,
    };
    let mut buffer = Vec::new();
    let mut unsynced = 0u64;
    catch_up(file, &mut state, CATCH_UP, &mut buffer)?;
    while let Some((offset, bytes, permit)) = receiver.blocking_recv() {
        let length = bytes.len() as u64;
        write_at(file, &bytes, offset)?;
        let end = offset.saturating_add(length);
        state.record.extents.insert(offset, end);
        if offset == state.hashed {
            state.hasher.update(&bytes);
            state.hashed = end;
        }
        drop((bytes, permit));
        catch_up(file, &mut state, CATCH_UP, &mut buffer)?;
        unsynced = unsynced.saturating_add(length);
        if unsynced >= CHECKPOINT {
            match offers.offer(&state.record) {
                Offer::Taken => unsynced = 0,
                Offer::Busy => {}
                Offer::Stopped => return Err(io::Error::other("the checkpoint thread stopped")),
            }
        }
    }
    Ok(state)
}

/// Hashes up to `most` bytes of the written prefix not hashed yet, reading them back.
fn catch_up(file: &File, state: &mut State, most: u64, buffer: &mut Vec<u8>) -> io::Result<()> {
    let stop = state
        .record
        .extents
        .prefix()
        .min(state.hashed.saturating_add(most));
    if stop <= state.hashed {
        return Ok(());
    }
    if buffer.is_empty() {
        buffer.resize(BUFFER, 0);
    }
    while state.hashed < stop {
        let want = usize::try_from(stop - state.hashed)
            .unwrap_or(BUFFER)
            .min(BUFFER);
        let read = read_at(file, &mut buffer[..want], state.hashed)?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the partial file is shorter than its segment record",
            ));
        }
        state.hasher.update(&buffer[..read]);
        state.hashed += read as u64;
    }
    Ok(())
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
