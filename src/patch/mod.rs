//! Delta updates: a new version of an installed pack built from the installed version's
//! unchanged files and only the changed entries of the new archive, fetched with `Range`.
//!
//! - [`list`]: the per-file list (`NAME.files.json`) `pack index` publishes beside an archive,
//!   parsed and validated at the edge; the manifest names it with its size and SHA-256
//!   ([`crate::model::FileListRef`]).
//! - [`reuse`]: which installed files hold exactly the listed bytes (hashed now, never trusted
//!   by timestamp).
//! - [`tail`]: where the new archive's central directory is, from its last bytes.
//! - [`plan`]: the pure decisions: reuse or fetch, whether a delta is worth it, which ranges.
//! - [`http`]: the list and range requests: allow list, no redirects, bounded, `206` and an
//!   exact `Content-Range` required, rate-limited and cancellable.
//! - [`scratch`]: the sparse local copy of the fetched ranges.
//! - [`stage`]: the new version built in staging (links to reused files, fetched entries
//!   inflated and verified) and swapped in as a full install is.
//!
//! [`update`] runs them in order. Every failure is a [`PatchError`] that says why; the manager
//! then downloads the whole archive and records the reason. The ranges fetched are kept in a
//! sparse local copy of the archive (`scratch`, deleted at the end) so the zip reader reads
//! them at their own offsets.

mod error;
pub mod http;
pub mod list;
pub mod plan;
pub mod reuse;
pub mod scratch;
pub mod stage;
pub mod tail;

pub use error::PatchError;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use url::Url;

use crate::engine::limiter::RateLimiter;
use crate::install::Installed;
use crate::model::{FileListRef, Sha256Digest};
use crate::store::positioned::write_at;

/// `root` joined with the checked relative path `relative` one component at a time (a `/` is
/// no separator in a Windows verbatim path such as a resolved one).
pub fn joined(root: &std::path::Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .fold(root.to_path_buf(), |path, part| path.join(part))
}

/// Checks a URL against an app's allow list and HTTPS rule; the error says why not.
pub type AllowUrl = dyn Fn(&Url) -> Result<(), String> + Send + Sync;

/// A delta update to make.
pub struct PatchRequest {
    /// The HTTP client (following no redirects).
    pub client: reqwest::Client,
    /// The bandwidth limit.
    pub limiter: Arc<RateLimiter>,
    /// The allow list and HTTPS rule of the app.
    pub allow: Arc<AllowUrl>,
    /// The new archive.
    pub archive_url: Url,
    /// Its size.
    pub download_size: u64,
    /// The most its files may take.
    pub install_size: u64,
    /// Its per-file list.
    pub list_url: Url,
    /// The list's size and SHA-256.
    pub list: FileListRef,
    /// The app's container.
    pub container: PathBuf,
    /// The pack's folder in it.
    pub folder: String,
    /// The sparse local copy of the fetched ranges (replaced, then deleted).
    pub scratch: PathBuf,
}

/// What a delta update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    /// The new version, installed.
    pub installed: Installed,
    /// Files taken from the installed version.
    pub reused: usize,
    /// Files fetched.
    pub fetched: usize,
    /// Bytes received (list, directory and changed entries).
    pub received: u64,
}

/// Updates the installed pack to the new version by delta; `received` counts the bytes as they
/// arrive and `cancel` stops it. The scratch file is deleted whatever happens.
pub async fn update(
    request: &PatchRequest,
    cancel: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
) -> Result<Patched, PatchError> {
    let result = run(request, cancel, received).await;
    let _ = std::fs::remove_file(&request.scratch);
    result
}

async fn run(
    request: &PatchRequest,
    cancel: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
) -> Result<Patched, PatchError> {
    let root = std::fs::canonicalize(request.container.join(&request.folder))
        .ok()
        .filter(|root| root.is_dir())
        .ok_or_else(|| PatchError::NotInstalled {
            folder: request.folder.clone(),
        })?;
    let origin = http::Origin {
        client: &request.client,
        limiter: &request.limiter,
        cancel: &cancel,
        allow: request.allow.as_ref(),
        received: &received,
    };
    let list_url = crate::model::url_shown::shown_url(&request.list_url);
    let bytes = origin
        .get_exact(&request.list_url, request.list.size)
        .await?;
    let found = Sha256Digest::of(&bytes);
    if found != request.list.sha256 {
        return Err(PatchError::ListDigest {
            url: list_url,
            expected: request.list.sha256,
            found,
        });
    }
    let list = Arc::new(list::FileList::parse(
        &list_url,
        &bytes,
        request.install_size,
    )?);
    let reusable = {
        let (list, cancel, root) = (list.clone(), cancel.clone(), root.clone());
        tokio::task::spawn_blocking(move || reuse::reusable(&root, &list, &cancel))
            .await
            .ok()
            .flatten()
            .ok_or(PatchError::Cancelled)?
    };
    plan::worth_trying(&list, &reusable).map_err(|reason| PatchError::NotWorth { reason })?;
    let url = crate::model::url_shown::shown_url(&request.archive_url);
    let size = request.download_size;
    let copy = scratch::open(&request.scratch, size)?;
    let mut write = |at: u64, bytes: &[u8]| write_at(&copy, bytes, at);
    let probe = size.min(tail::PROBE);
    let mut last = Vec::with_capacity(usize::try_from(probe).unwrap_or(0));
    origin
        .get_range(
            &request.archive_url,
            size - probe..size,
            size,
            &mut |at, b| {
                last.extend_from_slice(b);
                write(at, b)
            },
        )
        .await?;
    let central = tail::locate(size, &last).map_err(|problem| PatchError::Archive {
        url: url.clone(),
        problem,
    })?;
    if central.start < size - probe {
        origin
            .get_range(
                &request.archive_url,
                central.start..size - probe,
                size,
                &mut write,
            )
            .await?;
    }
    let tail_bytes = size - central.start.min(size - probe);
    let entries = scratch::read_entries(&request.scratch, &url).await?;
    let patch = plan::plan(&list, &reusable, &entries, central.start, size, tail_bytes).map_err(
        |problem| PatchError::Archive {
            url: url.clone(),
            problem,
        },
    )?;
    for range in &patch.ranges {
        origin
            .get_range(&request.archive_url, range.clone(), size, &mut write)
            .await?;
    }
    drop(copy);
    let (reused, fetched) = (patch.reuse.len(), patch.fetch.len());
    let installed = {
        let (container, folder, scratch) = (
            request.container.clone(),
            request.folder.clone(),
            request.scratch.clone(),
        );
        tokio::task::spawn_blocking(move || {
            stage::build(
                &stage::Stage {
                    container: &container,
                    folder: &folder,
                    installed: &root,
                    list: &list,
                    patch: &patch,
                    archive: &scratch,
                    url: &url,
                },
                &cancel,
            )
        })
        .await
        .map_err(|e| PatchError::Io {
            action: "build the new version from",
            path: request.scratch.clone(),
            error: std::io::Error::other(e),
        })??
    };
    Ok(Patched {
        installed,
        reused,
        fetched,
        received: received.load(std::sync::atomic::Ordering::Relaxed),
    })
}
