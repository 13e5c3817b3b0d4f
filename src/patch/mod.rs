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
//! - [`stage`]: the new version built in staging (links to reused files, fetched entries
//!   inflated and verified) and swapped in as a full install is.
//!
//! [`update`] runs them in order. Every failure is a [`PatchError`] that says why; the manager
//! then downloads the whole archive and records the reason. The ranges fetched are kept in a
//! sparse local copy of the archive (`scratch`, deleted at the end) so the zip reader reads
//! them at their own offsets.

pub mod http;
pub mod list;
pub mod plan;
pub mod reuse;
pub mod stage;
pub mod tail;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use url::Url;

use crate::engine::limiter::RateLimiter;
use crate::install::{InstallError, Installed};
use crate::model::{ErrorKind, FileListRef, InputError, Sha256Digest};

/// Why a delta update did not happen. Each names the URL or file and what was found.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// No installed version to start from.
    #[error("no installed version of `{folder}` to update from")]
    NotInstalled {
        /// The pack's folder.
        folder: String,
    },
    /// The server (or the allow list) refused or broke a request.
    #[error("{url}: {problem}")]
    Origin {
        /// The URL, without credentials.
        url: String,
        /// What happened.
        problem: String,
    },
    /// The file list's bytes are not the ones the manifest lists.
    #[error("{url}: the file list's SHA-256 is {found}, but the manifest lists {expected}")]
    ListDigest {
        /// The list's URL.
        url: String,
        /// What the manifest says.
        expected: Sha256Digest,
        /// What arrived.
        found: Sha256Digest,
    },
    /// The file list is not valid.
    #[error("the file list is refused: {0}")]
    List(#[from] InputError),
    /// Too much changed, or nothing can be reused.
    #[error("a delta is not worth it: {reason}")]
    NotWorth {
        /// Why.
        reason: String,
    },
    /// The new archive's directory does not allow a delta (or disagrees with the list).
    #[error("{url}: {problem}")]
    Archive {
        /// The archive's URL.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// A fetched entry does not match the list: nothing of it was installed.
    #[error("{url}: entry `{entry}` {problem}; nothing of it was installed")]
    Mismatch {
        /// The archive's URL.
        url: String,
        /// The entry.
        entry: String,
        /// What differs.
        problem: String,
    },
    /// Building or swapping in the new version failed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A local file operation failed.
    #[error("cannot {action} {path}: {error}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// To what.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// The pack was paused or removed meanwhile; nothing was installed.
    #[error("the delta update was stopped; nothing was installed")]
    Cancelled,
}

impl PatchError {
    /// The Background Assets error code, for the rare case the failure is the pack's own (a
    /// cancelled update, a full disk); every other failure leads to the whole archive.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Install(e) => e.kind(),
            _ => ErrorKind::Network,
        }
    }
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
    let scratch = open_scratch(&request.scratch, size)?;
    let mut write = |at: u64, bytes: &[u8]| write_at(&scratch, at, bytes);
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
    let entries = read_entries(&request.scratch, &url).await?;
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
    drop(scratch);
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

/// The scratch file, empty and `size` bytes long (sparse where the file system allows).
fn open_scratch(path: &Path, size: u64) -> Result<File, PatchError> {
    let io = |action| {
        move |error| PatchError::Io {
            action,
            path: path.to_path_buf(),
            error,
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create the folder of"))?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(io("create"))?;
    file.set_len(size).map_err(io("size"))?;
    Ok(file)
}

#[cfg(unix)]
fn write_at(file: &File, at: u64, bytes: &[u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(windows)]
fn write_at(file: &File, mut at: u64, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, at)?;
        bytes = &bytes[n..];
        at += n as u64;
    }
    Ok(())
}

/// Every entry of the archive's central directory, read from the scratch copy.
async fn read_entries(scratch: &Path, url: &str) -> Result<Vec<plan::Entry>, PatchError> {
    let (scratch, shown) = (scratch.to_path_buf(), url.to_string());
    let read = tokio::task::spawn_blocking(move || -> Result<Vec<plan::Entry>, String> {
        let file = File::open(&scratch).map_err(|e| e.to_string())?;
        let zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        (0..zip.len())
            .map(|index| {
                let entry = zip.by_index_data(index).map_err(|e| e.to_string())?;
                let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
                Ok(plan::Entry {
                    is_dir: name.ends_with('/') || entry.is_dir(),
                    name: name.trim_end_matches('/').to_string(),
                    header_start: entry.header_start(),
                    compressed: entry.compressed_size(),
                    size: entry.size(),
                })
            })
            .collect()
    });
    read.await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| PatchError::Archive {
            url: shown,
            problem: format!("its central directory cannot be read ({e})"),
        })
}
