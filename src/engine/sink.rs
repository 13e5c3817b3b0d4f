//! Where a download's bytes go: a thread that hashes each chunk and appends it to the partial
//! file, so hashing and disk writes overlap the network on another core. The channel to it is
//! bounded, so memory stays constant whatever the file's size. A small fresh body skips the
//! thread and is held in memory until complete ([`super::held`]).
//!
//! On resume the kept prefix of the partial file is hashed first, so the final SHA-256 covers
//! every byte. The writer thread's finish flushes and `sync_data`s the file before reporting
//! (a held body is synced the same way when it is written), so a crash after a reported byte
//! count never loses those bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::model::{ErrorKind, Sha256Digest};

use super::held::HeldBody;
use super::http::Failure;

/// Chunks buffered between the network and the disk, at most.
const QUEUE: usize = 64;
/// Bytes buffered between the network and the disk, at most: reqwest hands out chunks of up to
/// 1 MiB on loopback, so the queue is bounded in bytes too (memory stays flat whatever the size).
const QUEUE_BYTES: usize = 4 << 20;
/// Written bytes are handed to the kernel's writeback every 8 MiB, so the final `sync_data`
/// has little left to flush.
const WRITEBACK_EVERY: u64 = 8 << 20;
const BUFFER: usize = 256 * 1024;

/// Starts writeback of `length` bytes from `offset` without waiting (Linux `sync_file_range`).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, length: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain syscall on a file descriptor we own; no memory is passed.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            length as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _length: u64) {}

/// What the sink wrote: the digest and length of the whole partial file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkDone {
    /// The SHA-256 of the whole partial file.
    pub sha256: Sha256Digest,
    /// Its length in bytes.
    pub length: u64,
}

/// The writing end, used by a worker: a writer thread fed chunk by chunk, or a small body held
/// in memory and written in one go ([`HeldBody`]).
pub enum FileSink {
    /// Chunks go to a writer thread through a queue bounded in bytes.
    Thread(WriterThread),
    /// Chunks are held until the body is complete.
    Held(HeldBody),
}

/// A writer thread and the bounded queue to it.
pub struct WriterThread {
    sender: Option<mpsc::Sender<(Bytes, tokio::sync::OwnedSemaphorePermit)>>,
    budget: std::sync::Arc<tokio::sync::Semaphore>,
    thread: tokio::task::JoinHandle<Result<SinkDone, Failure>>,
}

/// What a sink has when its body ended.
#[derive(Debug)]
pub enum Written {
    /// Written and synced by the writer thread.
    Synced(SinkDone),
    /// Still in memory: [`Written::into_synced`] writes it.
    Held(HeldBody),
}

impl Written {
    /// The body's length so far.
    pub fn length(&self) -> u64 {
        match self {
            Written::Synced(done) => done.length,
            Written::Held(body) => body.length(),
        }
    }

    /// The written and synced file's digest, writing a held body first. Blocking.
    pub fn into_synced(self) -> Result<SinkDone, Failure> {
        match self {
            Written::Synced(done) => Ok(done),
            Written::Held(body) => body.write(),
        }
    }
}

impl FileSink {
    /// Opens `partial`, keeping (and hashing) its first `keep` bytes and dropping the rest.
    pub fn open(partial: PathBuf, keep: u64) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let thread = tokio::task::spawn_blocking(move || {
            write_all(&partial, keep, receiver).map_err(|e| io_failure(&partial, e))
        });
        FileSink::Thread(WriterThread {
            sender: Some(sender),
            budget: std::sync::Arc::new(tokio::sync::Semaphore::new(QUEUE_BYTES)),
            thread,
        })
    }

    /// Hands a chunk to the writer; `false` when the writer has stopped (its error comes from
    /// [`FileSink::finish`]).
    pub async fn write(&mut self, chunk: Bytes) -> bool {
        let (sender, budget) = match self {
            FileSink::Held(body) => {
                body.push(chunk);
                return true;
            }
            FileSink::Thread(writer) => (&writer.sender, &writer.budget),
        };
        let permits = chunk.len().clamp(1, QUEUE_BYTES) as u32;
        let Ok(permit) = budget.clone().acquire_many_owned(permits).await else {
            return false;
        };
        match sender {
            Some(sender) => sender.send((chunk, permit)).await.is_ok(),
            None => false,
        }
    }

    /// Waits for every chunk to be written and synced by the writer thread; a held body is
    /// handed back unwritten.
    pub async fn finish(self) -> Result<Written, Failure> {
        let (mut sender, thread) = match self {
            FileSink::Held(body) => return Ok(Written::Held(body)),
            FileSink::Thread(writer) => (writer.sender, writer.thread),
        };
        sender.take();
        match thread.await {
            Ok(result) => result.map(Written::Synced),
            Err(join) => Err(Failure::fatal(
                ErrorKind::Io,
                format!("the writer thread stopped: {join}"),
            )),
        }
    }
}

fn write_all(
    path: &PathBuf,
    keep: u64,
    mut receiver: mpsc::Receiver<(Bytes, tokio::sync::OwnedSemaphorePermit)>,
) -> io::Result<SinkDone> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let existing = file.metadata()?.len();
    let keep = keep.min(existing);
    if existing != keep {
        file.set_len(keep)?;
    }
    let mut hasher = Sha256::new();
    hash_prefix(&mut file, keep, &mut hasher)?;
    file.seek(SeekFrom::Start(keep))?;
    let mut length = keep;
    let mut writer = BufWriter::with_capacity(BUFFER, file);
    let mut started_writeback = keep;
    while let Some((chunk, permit)) = receiver.blocking_recv() {
        hasher.update(&chunk);
        writer.write_all(&chunk)?;
        length += chunk.len() as u64;
        drop((chunk, permit));
        let on_file = length - writer.buffer().len() as u64;
        if on_file - started_writeback >= WRITEBACK_EVERY {
            start_writeback(
                writer.get_ref(),
                started_writeback,
                on_file - started_writeback,
            );
            started_writeback = on_file;
        }
    }
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_data()?;
    Ok(SinkDone {
        sha256: Sha256Digest(hasher.finalize().into()),
        length,
    })
}

fn hash_prefix(file: &mut File, keep: u64, hasher: &mut Sha256) -> io::Result<()> {
    if keep == 0 {
        // A fresh download: nothing to hash, and no buffer to zero (measured at 1.3% of the
        // CPU time of 500 small downloads).
        return Ok(());
    }
    file.seek(SeekFrom::Start(0))?;
    let mut buffer = vec![0u8; BUFFER];
    let mut left = keep;
    while left > 0 {
        let want = left.min(BUFFER as u64) as usize;
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the partial file is shorter than recorded",
            ));
        }
        hasher.update(&buffer[..read]);
        left -= read as u64;
    }
    Ok(())
}

/// `ENOSPC` (and quota errors) become `diskFull`; other errors are final I/O errors.
pub fn io_failure(path: &std::path::Path, error: io::Error) -> Failure {
    let full = matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || error.raw_os_error() == Some(28);
    let message = format!("writing {}: {error}", path.display());
    if full {
        Failure::fatal(ErrorKind::DiskFull, message)
    } else {
        Failure::fatal(ErrorKind::Io, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resumed_files_hash_as_a_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.partial");
        std::fs::write(&path, b"hello, wXXXXXXX").unwrap();
        let mut sink = FileSink::open(path.clone(), 8);
        assert!(sink.write(Bytes::from_static(b"orld")).await);
        let done = sink.finish().await.unwrap().into_synced().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello, world");
        assert_eq!(done.length, 12);
        assert_eq!(done.sha256, Sha256Digest::of(b"hello, world"));
    }

    #[test]
    fn no_space_is_disk_full() {
        let failure = io_failure(std::path::Path::new("/x"), io::Error::from_raw_os_error(28));
        assert_eq!(failure.error.kind, ErrorKind::DiskFull);
        assert!(failure.error.message.contains("writing /x"));
    }
}
