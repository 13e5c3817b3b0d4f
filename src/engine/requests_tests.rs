//! Tests of how a new request meets the download already under its id: the same pinned
//! bytes at another URL, a new priority.

use super::*;
use crate::engine::PauseReason;
use crate::model::Sha256Digest;
use crate::model::{ErrorKind, PackError};
use url::Url;

fn request(url: &str) -> DownloadRequest {
    let mut request = DownloadRequest::new("a/p@1", Url::parse(url).unwrap(), "/d/p@1.zip");
    request.sha256 = Some(Sha256Digest::of(b"pack"));
    request.expected_size = Some(4);
    request
}

#[test]
fn the_same_pinned_bytes_at_another_url_are_the_same_download() {
    let old = request("http://127.0.0.1:1000/p.zip");
    let new = request("http://127.0.0.1:2000/p.zip");
    assert!(same_bytes(&old, &new));
    let mut other_digest = new.clone();
    other_digest.sha256 = Some(Sha256Digest::of(b"other"));
    assert!(!same_bytes(&old, &other_digest));
    let mut other_size = new.clone();
    other_size.expected_size = Some(5);
    assert!(!same_bytes(&old, &other_size));
    let mut unpinned = old.clone();
    unpinned.sha256 = None;
    assert!(!same_bytes(&unpinned, &unpinned.clone()));
}

#[test]
fn only_a_scheduled_download_takes_a_new_priority() {
    let refused =
        |state: DownloadState| scheduled("a", &state, "a new priority").map_err(|e| e.kind());
    assert_eq!(
        refused(DownloadState::Finished),
        Err(ErrorKind::DownloadNotScheduled)
    );
    assert_eq!(
        refused(DownloadState::Cancelled),
        Err(ErrorKind::DownloadNotScheduled)
    );
    let failed = DownloadState::Failed {
        error: PackError::new(ErrorKind::HttpStatus, "404"),
    };
    assert_eq!(refused(failed), Err(ErrorKind::DownloadAlreadyFailed));
    for state in [
        DownloadState::Queued,
        DownloadState::Connecting,
        DownloadState::Downloading,
        DownloadState::Paused {
            reason: PauseReason::Requested,
        },
    ] {
        assert_eq!(refused(state), Ok(()));
    }
}
