//! Delta updates: a new version of an installed pack built from the installed version's
//! unchanged files and only the changed entries of the new archive, fetched with `Range`.
//!
//! - [`list`]: the per-file list (`NAME.files.json`) `pack index` publishes beside an archive,
//!   parsed and validated at the edge; the manifest names it with its size and SHA-256
//!   ([`crate::model::FileListRef`]).
//! - [`reuse`]: which installed files hold exactly the listed bytes (hashed now, never trusted
//!   by timestamp; a stamp only proves a hashed file unwritten since, by [`clock`]).
//! - [`tail`]: where the new archive's central directory is, from its last bytes.
//! - [`rounds`]: the first round of range requests: the tail, then the plan's ranges.
//! - [`plan`]: the pure decisions: reuse or fetch, whether a delta is worth it, which ranges.
//! - [`http`]: the list and range requests: allow list, no redirects, bounded, `206` and an
//!   exact `Content-Range` required, rate-limited and cancellable.
//! - [`scratch`]: the sparse local copy of the fetched ranges.
//! - [`link`]: staging begun: the reused files linked in while the changed entries are fetched,
//!   then hashed there, once.
//! - [`follow`]: each file found not to hold its bytes fetched and inflated as soon as it is
//!   found, while the others are still hashed.
//! - [`clock`]: the file system's own clock, and whether anyone writes a file: when a stamp
//!   proves a hashed file unwritten since.
//! - `parts`: what the tasks share, and how their ends are joined.
//! - [`stage`]: the new version finished in staging (fetched entries inflated and verified,
//!   reused files checked unchanged) and swapped in as a full install is.
//!
//! [`update`] runs them in order, [`link`] beside the first fetches and [`follow`] beside the
//! hashing. Every failure is a [`PatchError`] that says why; the manager then downloads the
//! whole archive and records the reason. The ranges fetched are kept in a
//! sparse local copy of the archive (`scratch`, deleted at the end) so the zip reader reads
//! them at their own offsets.

pub mod clock;
mod error;
mod follow;
pub mod http;
pub mod link;
pub mod list;
mod parts;
pub mod plan;
pub mod reuse;
pub mod rounds;
pub mod scratch;
pub mod stage;
pub mod tail;

pub use error::PatchError;
use parts::{StageParts, discarded, first_reason, joined_task};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use url::Url;

use crate::engine::limiter::RateLimiter;
use crate::install::Installed;
use crate::model::{FileListRef, Sha256Digest};

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
    // Raised by the first part of the delta that fails: every other part stops.
    let halt = Arc::new(AtomicBool::new(false));
    let origin = http::Origin {
        client: &request.client,
        limiter: &request.limiter,
        cancel: &cancel,
        halt: &halt,
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
    let candidates = {
        let (list, root) = (list.clone(), root.clone());
        tokio::task::spawn_blocking(move || reuse::candidates(&root, &list))
            .await
            .map_err(|_| PatchError::Cancelled)?
    };
    plan::worth_trying(&list, &candidates).map_err(|reason| PatchError::NotWorth { reason })?;
    // Staging begins beside the fetches: the reused files linked in.
    let beginning = {
        let (container, folder) = (request.container.clone(), request.folder.clone());
        let (list, root) = (list.clone(), root.clone());
        let which: Vec<usize> = (0..candidates.len()).filter(|&i| candidates[i]).collect();
        let (cancel, halt) = (cancel.clone(), halt.clone());
        tokio::task::spawn_blocking(move || {
            let begun = link::begin(&container, &folder, &root, &list, &which, &cancel, &halt);
            if begun.is_err() {
                halt.store(true, Ordering::Relaxed);
            }
            begun
        })
    };
    let url = crate::model::url_shown::shown_url(&request.archive_url);
    let fetching = async {
        let fetched = rounds::fetch(request, &origin, &list, &candidates, &url).await;
        if fetched.is_err() {
            halt.store(true, Ordering::Relaxed);
        }
        fetched
    };
    let (fetched, begun) = tokio::join!(fetching, beginning);
    let mut prepared = match joined_task(begun, request).and_then(|begun| begun) {
        Ok(prepared) => prepared,
        Err(error) => {
            return Err(first_reason([Err(error), fetched.map(drop)])
                .err()
                .unwrap_or(PatchError::Cancelled));
        }
    };
    let fetched = match fetched {
        Ok(fetched) => fetched,
        Err(error) => return discarded(prepared, error).await,
    };
    // Then the reused files are hashed in staging while the fetched entries are inflated, and
    // each file refused (not linked, or not holding its bytes) is fetched and inflated as soon
    // as it is known; all end before the staging folder may be deleted (`prepared` dropped).
    let stage = Arc::new(StageParts {
        folder: request.folder.clone(),
        list: list.clone(),
        archive: request.scratch.clone(),
        url: url.clone(),
    });
    let staging = prepared.staging().to_path_buf();
    let (refusals, mut refused) = tokio::sync::mpsc::unbounded_channel();
    for &at in &prepared.refused {
        let _ = refusals.send(at);
    }
    let verifying = {
        let (list, cancel, halt) = (list.clone(), cancel.clone(), halt.clone());
        tokio::task::spawn_blocking(move || {
            let stop = || parts::stopped(&cancel, &halt);
            let tell = |at: usize| {
                let _ = refusals.send(at);
            };
            let verified = link::verify(&mut prepared, &list, &stop, &tell);
            if verified.is_err() {
                halt.store(true, Ordering::Relaxed);
            }
            (prepared, verified)
        })
    };
    let inflating = {
        let (stage, cancel, halt) = (stage.clone(), cancel.clone(), halt.clone());
        let (staging, which) = (staging.clone(), fetched.patch.fetch.clone());
        tokio::task::spawn_blocking(move || {
            let stop = || parts::stopped(&cancel, &halt);
            let inflated = stage.inflate(&staging, &which, &stop);
            if inflated.is_err() {
                halt.store(true, Ordering::Relaxed);
            }
            inflated
        })
    };
    let mut follow = follow::FollowUp::new(
        request,
        &origin,
        &fetched,
        &candidates,
        stage.clone(),
        staging,
        (cancel.clone(), halt.clone()),
    );
    let (followed, verified, inflated) =
        tokio::join!(follow.follow(&mut refused), verifying, inflating);
    let (prepared, verified) = joined_task(verified, request)?;
    let inflated = joined_task(inflated, request).and_then(|done| done);
    if let Err(error) = first_reason([followed, inflated, verified]) {
        return discarded(prepared, error).await;
    }
    // Every refusal was told as it was found; any not followed yet is followed now.
    if let Err(error) = follow.refuse(&prepared.refused).await {
        return discarded(prepared, error).await;
    }
    let patch = follow.into_patch();
    let (reused, fetched) = (patch.reuse.len(), patch.fetch.len());
    let installed = {
        let (stage, cancel) = (stage.clone(), cancel.clone());
        joined_task(
            tokio::task::spawn_blocking(move || {
                stage::build(&stage.stage(&patch), prepared, &cancel)
            })
            .await,
            request,
        )??
    };
    Ok(Patched {
        installed,
        reused,
        fetched,
        received: received.load(Ordering::Relaxed),
    })
}
