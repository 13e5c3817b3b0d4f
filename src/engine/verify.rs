//! The ends of an attempt: before it, whether the disk has room for the bytes to come; after
//! it, whether the partial file has the expected size and SHA-256, and then its rename into
//! place (synced, so a crash after `Finished` never loses the file). Blocking: workers call
//! [`verify_and_install`] on a blocking thread.

use tokio_util::sync::CancellationToken;

use super::dirsync::DirSyncer;
use super::http::Failure;
use super::job::{Finished, Job};
use super::sink::io_failure;
use crate::model::{ErrorKind, Sha256Digest};

/// Checks the finished partial file (already `fdatasync`ed by the sink) against the request,
/// renames it into place and syncs the folder (shared with the renames of other workers
/// finishing at the same time), so the file is durable before the worker reports it finished.
pub fn verify_and_install(
    job: &Job,
    sha256: Sha256Digest,
    size: u64,
    folders: &DirSyncer,
    discard: &CancellationToken,
) -> Result<Finished, Failure> {
    let request = &job.request;
    let partial = request.partial_path();
    if let Some(expected) = request.expected_size
        && expected != size
    {
        super::segments::remove_partial(&partial);
        return Err(Failure::fatal(
            ErrorKind::SizeMismatch,
            format!(
                "{}: {size} bytes received, {expected} expected",
                request.url
            ),
        )
        .restarting());
    }
    if let Some(expected) = request.sha256
        && expected != sha256
    {
        super::segments::remove_partial(&partial);
        return Err(Failure::fatal(
            ErrorKind::ChecksumMismatch,
            format!("{}: SHA-256 is {sha256}, {expected} expected", request.url),
        )
        .restarting());
    }
    // Cancelled while it was being written, checked or waiting for its turn to rename: not put
    // in place (the engine deletes the partial file). Any other stop lets the verified file in:
    // its bytes are all here, and a resume would need the server again. A cancel that comes
    // after this point finds the file in place: the download ends finished, as the file is.
    let renamed = super::namespace::serialized(&request.destination, || {
        if discard.is_cancelled() {
            return Ok(false);
        }
        std::fs::rename(&partial, &request.destination).map(|()| true)
    })
    .map_err(|e| io_failure(&request.destination, e))?;
    if !renamed {
        let url = crate::model::url_shown::shown_url(&request.url);
        return Err(super::worker::cancelled(&url));
    }
    // A segmented download's record: its file is in place, so it names nothing any more. Looked
    // for first: an `unlink` of nothing still locks the folder every worker is renaming into.
    let sidecar = super::segments::sidecar::path(&partial);
    if std::fs::symlink_metadata(&sidecar).is_ok() {
        let _ = std::fs::remove_file(&sidecar);
    }
    let dir = match request.destination.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    folders.sync(dir).map_err(|e| {
        Failure::fatal(
            ErrorKind::Io,
            format!(
                "syncing {} after renaming {} into it: {e}",
                dir.display(),
                request.destination.display()
            ),
        )
    })?;
    Ok(Finished { sha256, size })
}
