//! Where an attempt starts: the partial file's length when its bytes can be trusted, and a
//! complete file a crash left at the destination taken back as the partial file. Blocking
//! (a few `stat`s and at most one rename), called by the worker before its request; and the
//! [`Validator`] an answer carries, which later resumes send back in `If-Range`.

use reqwest::header::{ETAG, HeaderMap, LAST_MODIFIED};

use serde::{Deserialize, Serialize};

use super::job::Job;

/// Where to resume: the partial file's length, unless it cannot be trusted. Its bytes can be
/// trusted when the server can say whether they still match (a validator for `If-Range`), or
/// when the SHA-256 is pinned, so that the final check catches bytes that do not belong
/// together (a download moved to another URL has no validator from the new server yet).
pub(super) fn offset(job: &Job) -> Resume {
    let partial = job.request.partial_path();
    if job.restart {
        let _ = std::fs::remove_file(&partial);
        return Resume { from: 0, found: 0 };
    }
    adopt_complete_destination(job);
    let found = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    let too_long = job.request.expected_size.is_some_and(|e| found > e);
    let trusted = job.validator.if_range().is_some() || job.request.sha256.is_some();
    let from = if too_long || !trusted { 0 } else { found };
    Resume { from, found }
}

/// Where an attempt starts, and how long the partial file it found was.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resume {
    /// The first byte to ask for.
    pub from: u64,
    /// The partial file's length when the attempt began (0 when there was none).
    pub found: u64,
}

/// A crash after the finished partial file was renamed into place, but before the queue was
/// saved with the download finished, leaves the complete file at the destination of a download
/// the engine starts again. When it has exactly the expected size and a SHA-256 is pinned, it
/// becomes the partial file: the resume asks for the bytes past its end (a `416` says there are
/// none) and the final check proves it, or it starts over from zero.
fn adopt_complete_destination(job: &Job) {
    let request = &job.request;
    let partial = request.partial_path();
    let complete = request.expected_size.is_some_and(|size| {
        std::fs::symlink_metadata(&request.destination)
            .is_ok_and(|m| m.is_file() && m.len() == size)
    });
    if request.sha256.is_some() && complete && !partial.exists() {
        let _ = std::fs::rename(&request.destination, &partial);
    }
}

/// What the server told us that lets a later request resume the same bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validator {
    /// The server's `ETag` for the bytes.
    pub etag: Option<String>,
    /// The server's `Last-Modified` for the bytes.
    pub last_modified: Option<String>,
}

impl Validator {
    /// The value for `If-Range`: the ETag when it is strong, else the date.
    pub fn if_range(&self) -> Option<&str> {
        match (&self.etag, &self.last_modified) {
            (Some(etag), _) if !etag.starts_with("W/") => Some(etag),
            (_, Some(date)) => Some(date),
            _ => None,
        }
    }
}

/// The validator (ETag, Last-Modified) an answer carries: what a later request sends in
/// `If-Range` to resume the same bytes.
pub(super) fn validator_of(headers: &HeaderMap) -> Validator {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Validator {
        etag: text(ETAG),
        last_modified: text(LAST_MODIFIED),
    }
}
