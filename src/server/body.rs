//! Response bodies. Small ones are held in memory; files stream from disk through a bounded
//! channel fed by one task per response, which reads at most [`CHUNK`] bytes at a time, so
//! memory does not grow with file size. That task is also where the body faults act: the
//! global `rate`, `drop_after` (abort the connection), `stall_after` (stop sending, keep the
//! connection) and `corrupt`. The body faults are read live on every chunk, so clearing a
//! stall through the control endpoint lets a stalled download go on.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;

use super::log::{Outcome, trace};
use super::rate::RateLimiter;
use super::state::Shared;

/// The largest chunk read from a file and sent at once.
pub const CHUNK: usize = 64 * 1024;
/// Chunks buffered between the file reader and the connection.
const CHANNEL_CHUNKS: usize = 4;

/// The body of any response of the server.
#[derive(Debug)]
pub enum ServeBody {
    /// Bytes already in memory (control replies, error messages), or nothing.
    Full(Option<Bytes>),
    /// A file streaming from its reader task; an `Err` aborts the connection.
    Stream(mpsc::Receiver<io::Result<Bytes>>),
}

impl ServeBody {
    /// No body at all (`HEAD`, `304`, `416`…).
    pub fn empty() -> Self {
        ServeBody::Full(None)
    }

    /// A body held in memory.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        ServeBody::Full((!bytes.is_empty()).then_some(bytes))
    }
}

impl Body for ServeBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            ServeBody::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            ServeBody::Stream(receiver) => receiver
                .poll_recv(cx)
                .map(|item| item.map(|chunk| chunk.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ServeBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ServeBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            ServeBody::Stream(_) => SizeHint::default(),
        }
    }
}

/// What part of which file a streaming body sends.
#[derive(Debug, Clone)]
pub struct FileSlice {
    /// The file to read.
    pub path: PathBuf,
    /// The first byte to send.
    pub start: u64,
    /// How many bytes to send.
    pub len: u64,
    /// The file offset whose byte is flipped (`corrupt`), when it lies in this slice.
    pub corrupt_at: Option<u64>,
    /// The request log record to keep up to date.
    pub record: u64,
}

/// Starts the reader task of `slice` and returns the body it feeds.
pub fn stream_file(slice: FileSlice, shared: Arc<Shared>) -> ServeBody {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::spawn(async move {
        let outcome = send_slice(&slice, &shared, &sender).await;
        shared
            .log
            .update(slice.record, |record| record.outcome = outcome);
        if let Some(record) = shared.log.get(slice.record) {
            trace(&record);
        }
    });
    ServeBody::Stream(receiver)
}

type Sender = mpsc::Sender<io::Result<Bytes>>;

/// Sends the slice chunk by chunk, applying the body faults, and says how it ended.
async fn send_slice(slice: &FileSlice, shared: &Shared, sender: &Sender) -> Outcome {
    let mut file = match open_at(slice).await {
        Ok(file) => file,
        Err(error) => {
            tracing::warn!(path = %slice.path.display(), %error, "cannot read the file");
            let _ = sender.send(Err(error)).await;
            return Outcome::Failed;
        }
    };
    let mut faults = shared.faults.subscribe();
    let mut sent = 0u64;
    while sent < slice.len {
        let current = faults.borrow_and_update().clone();
        if current.drop_after.is_some_and(|limit| sent >= limit) {
            note_fault(shared, slice.record, "drop_after");
            return drop_connection(sender).await;
        }
        if current.stall_after.is_some_and(|limit| sent >= limit) {
            note_fault(shared, slice.record, "stall_after");
            tokio::select! {
                _ = sender.closed() => return Outcome::ClientGone,
                changed = faults.changed() => match changed {
                    Ok(()) => continue,
                    Err(_) => return Outcome::ClientGone,
                },
            }
        }
        let mut len = (slice.len - sent).min(CHUNK as u64);
        for limit in [current.drop_after, current.stall_after]
            .into_iter()
            .flatten()
        {
            len = len.min(limit - sent);
        }
        if let Some(rate) = current.rate {
            len = len.min(RateLimiter::chunk_for(rate, CHUNK) as u64);
            let wait = shared.limiter.reserve(len, rate);
            if !wait.is_zero() {
                note_fault(shared, slice.record, "rate");
                tokio::select! {
                    _ = sender.closed() => return Outcome::ClientGone,
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
        let mut chunk = match read_chunk(&mut file, len).await {
            Ok(chunk) => chunk,
            Err(error) => {
                tracing::warn!(path = %slice.path.display(), %error, "reading the file failed");
                let _ = sender.send(Err(error)).await;
                return Outcome::Failed;
            }
        };
        if let Some(at) = slice.corrupt_at
            && let Some(index) = at.checked_sub(slice.start + sent)
            && let Some(byte) = usize::try_from(index).ok().and_then(|i| chunk.get_mut(i))
        {
            *byte ^= 0xFF;
        }
        if sender.send(Ok(chunk.freeze())).await.is_err() {
            return Outcome::ClientGone;
        }
        sent += len;
        shared
            .log
            .update(slice.record, |record| record.bytes_sent = sent);
    }
    Outcome::Complete
}

async fn open_at(slice: &FileSlice) -> io::Result<tokio::fs::File> {
    let mut file = tokio::fs::File::open(&slice.path).await?;
    if slice.start > 0 {
        file.seek(io::SeekFrom::Start(slice.start)).await?;
    }
    Ok(file)
}

/// Reads exactly `len` bytes; a file that shrank while being served is an error.
async fn read_chunk(file: &mut tokio::fs::File, len: u64) -> io::Result<BytesMut> {
    let capacity = usize::try_from(len).unwrap_or(CHUNK);
    let mut chunk = BytesMut::with_capacity(capacity);
    let mut limited = file.take(len);
    while chunk.len() < capacity {
        if limited.read_buf(&mut chunk).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being served",
            ));
        }
    }
    Ok(chunk)
}

/// Lets the connection write what it was already given, then aborts it with an error.
async fn drop_connection(sender: &Sender) -> Outcome {
    // Wait (briefly) until the connection has taken every queued chunk, so the client gets
    // the bytes before the connection is cut.
    for _ in 0..200 {
        if sender.capacity() == sender.max_capacity() {
            break;
        }
        tokio::select! {
            _ = sender.closed() => return Outcome::ClientGone,
            () = tokio::time::sleep(Duration::from_millis(1)) => {}
        }
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let error = io::Error::new(io::ErrorKind::ConnectionAborted, "drop_after fault");
    let _ = sender.send(Err(error)).await;
    Outcome::Dropped
}

fn note_fault(shared: &Shared, record: u64, fault: &str) {
    shared.log.update(record, |record| {
        if !record.faults.iter().any(|name| name == fault) {
            record.faults.push(fault.to_string());
        }
    });
}
