//! One object's upload. A small file goes up in one PUT after its SHA-256 is checked; a large
//! one as a multipart upload of [`PART_SIZE`] parts, [`PART_CONCURRENCY`] at a time, hashed while
//! it is read, and completed only when size and digest match what the manifest names it by (on
//! a mismatch the upload is aborted, so the content-addressed name never holds other bytes).
//! An interrupted multipart upload is not resumed part by part: the rerun starts that one object
//! again (the store discards unfinished uploads by its lifecycle rule; see docs/publish.md).
//! An optional byte rate limit applies to everything sent.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use object_store::{MultipartUpload, ObjectStore, PutMultipartOptions};
use sha2::{Digest, Sha256};

use super::plan::Wanted;
use super::remote::{Remote, attributes, classify, headers_for};
use super::{PublishError, Request};
use crate::bucket::Bucket;
use crate::model::Sha256Digest;

/// Objects at least this large go up as multipart uploads.
pub const MULTIPART_THRESHOLD: u64 = 16 << 20;
/// The size of one part.
pub const PART_SIZE: usize = 8 << 20;
/// Parts of one object in flight at once.
pub const PART_CONCURRENCY: usize = 4;

/// A byte rate shared by every upload of a publish.
#[derive(Debug)]
pub struct Limiter {
    rate: u64,
    state: Mutex<(Bucket, Instant)>,
}

impl Limiter {
    /// A limit of `rate` bytes per second.
    pub fn new(rate: u64) -> Self {
        Self {
            rate: rate.max(1),
            state: Mutex::new((Bucket::default(), Instant::now())),
        }
    }

    /// Waits until `bytes` may be sent.
    pub async fn take(&self, bytes: u64) {
        let wait = match self.state.lock() {
            Ok(mut state) => {
                let now = Instant::now();
                let elapsed = now.duration_since(state.1);
                state.1 = now;
                state.0.reserve(elapsed, bytes, self.rate, 0.25)
            }
            Err(_) => Duration::ZERO,
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Uploads `object`, calling `progress` with each batch of bytes sent.
pub async fn upload(
    remote: &Remote,
    object: &Wanted,
    limiter: Option<&Limiter>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PublishError> {
    if object.size < MULTIPART_THRESHOLD {
        upload_whole(remote, object, limiter, progress).await
    } else {
        upload_parts(remote, object, limiter, progress).await
    }
}

async fn upload_whole(
    remote: &Remote,
    object: &Wanted,
    limiter: Option<&Limiter>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PublishError> {
    let path = object.source.clone();
    let limit = object.size;
    let bytes = tokio::task::spawn_blocking(move || {
        let mut bytes = Vec::new();
        File::open(&path)
            .and_then(|f| f.take(limit.saturating_add(1)).read_to_end(&mut bytes))
            .map(|_| bytes)
            .map_err(|source| PublishError::Read { path, source })
    })
    .await
    .map_err(|e| join_error(&object.source, e))??;
    check(object, bytes.len() as u64, Sha256Digest::of(&bytes))?;
    if let Some(limiter) = limiter {
        limiter.take(object.size).await;
    }
    let (caching, content_type) = headers_for(object.kind, &object.name);
    remote
        .put(
            &object.name,
            Bytes::from(bytes).into(),
            caching,
            content_type,
        )
        .await?;
    progress(object.size);
    Ok(())
}

async fn upload_parts(
    remote: &Remote,
    object: &Wanted,
    limiter: Option<&Limiter>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PublishError> {
    let request = || remote.request("upload", &object.name);
    let (caching, content_type) = headers_for(object.kind, &object.name);
    let options = PutMultipartOptions {
        attributes: attributes(caching, content_type),
        ..PutMultipartOptions::default()
    };
    let mut upload = remote
        .store
        .put_multipart_opts(&remote.path(&object.name), options)
        .await
        .map_err(|e| classify(request(), &e))?;
    let result = send_parts(upload.as_mut(), &request(), object, limiter, progress).await;
    let finished = match result {
        Ok(()) => upload
            .complete()
            .await
            .map(drop)
            .map_err(|e| classify(request(), &e)),
        Err(error) => Err(error),
    };
    if finished.is_err() {
        // Best effort: the parts sent so far are discarded; the error that matters is the first.
        let _ = upload.abort().await;
    }
    finished
}

/// Reads, hashes and sends every part; checks size and digest before returning `Ok`.
async fn send_parts(
    upload: &mut dyn MultipartUpload,
    request: &Request,
    object: &Wanted,
    limiter: Option<&Limiter>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PublishError> {
    let path = object.source.clone();
    let file = File::open(&path).map_err(|source| PublishError::Read {
        path: path.clone(),
        source,
    })?;
    let mut reader = Some((file, Sha256::new()));
    let mut in_flight = FuturesUnordered::new();
    let mut sent = 0u64;
    loop {
        let Some((file, hasher)) = reader.take() else {
            break;
        };
        let read_path = path.clone();
        let (file, hasher, chunk) =
            tokio::task::spawn_blocking(move || read_part(file, hasher, &read_path))
                .await
                .map_err(|e| join_error(&path, e))??;
        if chunk.is_empty() {
            let actual = Sha256Digest(hasher.finalize().into());
            check(object, sent, actual)?;
            break;
        }
        sent = sent.saturating_add(chunk.len() as u64);
        if sent > object.size {
            return Err(size_error(object, sent));
        }
        if let Some(limiter) = limiter {
            limiter.take(chunk.len() as u64).await;
        }
        let length = chunk.len() as u64;
        let part = upload.put_part(chunk.into());
        in_flight.push(async move { part.await.map(|()| length) });
        while in_flight.len() >= PART_CONCURRENCY {
            wait_one(&mut in_flight, request, progress).await?;
        }
        reader = Some((file, hasher));
    }
    while !in_flight.is_empty() {
        wait_one(&mut in_flight, request, progress).await?;
    }
    Ok(())
}

async fn wait_one<F>(
    in_flight: &mut FuturesUnordered<F>,
    request: &Request,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PublishError>
where
    F: std::future::Future<Output = Result<u64, object_store::Error>>,
{
    match in_flight.next().await {
        Some(Ok(length)) => progress(length),
        Some(Err(e)) => return Err(classify(request.clone(), &e)),
        None => {}
    }
    Ok(())
}

/// Reads up to one part from `file`, feeding the hash.
fn read_part(
    mut file: File,
    mut hasher: Sha256,
    path: &Path,
) -> Result<(File, Sha256, Bytes), PublishError> {
    let mut buffer = vec![0u8; PART_SIZE];
    let mut filled = 0;
    while filled < PART_SIZE {
        let read = file
            .read(&mut buffer[filled..])
            .map_err(|source| PublishError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    buffer.truncate(filled);
    hasher.update(&buffer);
    Ok((file, hasher, Bytes::from(buffer)))
}

fn check(object: &Wanted, size: u64, actual: Sha256Digest) -> Result<(), PublishError> {
    if size != object.size {
        return Err(size_error(object, size));
    }
    if actual != object.sha256 {
        return Err(PublishError::Digest {
            path: object.source.clone(),
            expected: object.sha256.to_hex(),
            actual: actual.to_hex(),
        });
    }
    Ok(())
}

fn size_error(object: &Wanted, size: u64) -> PublishError {
    PublishError::Site {
        path: object.source.clone(),
        problem: format!(
            "changed while publishing: {size} bytes read, {} expected",
            object.size
        ),
    }
}

fn join_error(path: &Path, error: tokio::task::JoinError) -> PublishError {
    PublishError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other(error.to_string()),
    }
}
