//! Putting a verified app download where the app finds it: `CONTAINER/Background Downloads/
//! IDENTIFIER`. The manager never overwrites what it did not put there: a file at that path is
//! replaced only when it is the one an earlier download of the same identifier placed (the
//! record remembers it); anything else (a file the user put there, a folder, a link) stays,
//! and the download fails naming it.

use std::io;
use std::path::{Path, PathBuf};

use super::CONTAINER_FOLDER;
use crate::model::{DownloadIdentifier, ErrorKind, PackError};

/// Where download `identifier` lands in `container`.
pub fn target(container: &Path, identifier: &DownloadIdentifier) -> PathBuf {
    container.join(CONTAINER_FOLDER).join(identifier.as_str())
}

/// A file's identity (device, inode, modification time) on Unix, never following a link: it
/// tells the file the manager placed from another put at the same path since (by the app, the
/// user, or another app sharing the container). `None` elsewhere.
pub fn file_id(path: &Path) -> Option<[u64; 3]> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path).ok().map(|m| {
            let nanos = (m.mtime() as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(m.mtime_nsec() as u64);
            [m.dev(), m.ino(), nanos]
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Moves the verified file `source` to its place in `container`; `ours` is the file an earlier
/// download of the same identifier placed, which may be replaced while it is still that file
/// (`ours_id`, its [`file_id`] when placed; a record saved before it was kept has none). The
/// place on success.
pub fn place(
    source: &Path,
    container: &Path,
    identifier: &DownloadIdentifier,
    ours: Option<&Path>,
    ours_id: Option<[u64; 3]>,
) -> Result<PathBuf, PackError> {
    let folder = container.join(CONTAINER_FOLDER);
    let io_error = |path: &Path, action: &str, e: io::Error| {
        let kind = if e.kind() == io::ErrorKind::StorageFull {
            ErrorKind::DiskFull
        } else {
            ErrorKind::Io
        };
        PackError::new(kind, format!("cannot {action} {}: {e}", path.display()))
    };
    match std::fs::symlink_metadata(&folder) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(PackError::new(
                ErrorKind::Io,
                format!(
                    "{} is not a folder (a file or a link bgassets did not make); it is left as \
                     it is and download `{identifier}` is not placed",
                    folder.display()
                ),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, "create", e))?;
        }
        Err(e) => return Err(io_error(&folder, "read", e)),
    }
    let target = folder.join(identifier.as_str());
    if same_file(source, &target) {
        // A crash came between linking the file in and removing the engine's name for it.
        let _ = std::fs::remove_file(source);
        return Ok(target);
    }
    let existing = std::fs::symlink_metadata(&target);
    let replaceable = ours == Some(target.as_path())
        && existing.as_ref().is_ok_and(|meta| meta.is_file())
        && ours_id.is_none_or(|id| file_id(&target) == Some(id));
    if replaceable {
        std::fs::rename(source, &target).map_err(|e| io_error(&target, "move a download to", e))?;
    } else {
        // A hard link never replaces: the file someone else put there (even one arriving now)
        // makes it fail instead of being overwritten.
        match std::fs::hard_link(source, &target) {
            Ok(()) => {
                let _ = std::fs::remove_file(source);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(not_ours(&target, identifier));
            }
            Err(_) if existing.is_ok() => return Err(not_ours(&target, identifier)),
            Err(_) => std::fs::rename(source, &target)
                .map_err(|e| io_error(&target, "move a download to", e))?,
        }
    }
    crate::store::atomic::sync_parent(&target);
    Ok(target)
}

/// Whether `a` and `b` are one file (two names of it), never following links.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
            (Ok(a), Ok(b)) => a.is_file() && a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

fn not_ours(target: &Path, identifier: &DownloadIdentifier) -> PackError {
    PackError::new(
        ErrorKind::Io,
        format!(
            "{} already exists and bgassets did not put it there: it is left as it is, and \
             download `{identifier}` was not placed (move that file away and schedule the \
             download again)",
            target.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> DownloadIdentifier {
        DownloadIdentifier::parse(text).unwrap()
    }

    #[test]
    fn a_download_lands_in_the_containers_download_folder() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("download-a");
        std::fs::write(&source, b"bytes").unwrap();
        let container = dir.path().join("container");
        let placed = place(&source, &container, &id("a"), None, None).unwrap();
        assert_eq!(placed, container.join("Background Downloads/a"));
        assert_eq!(std::fs::read(&placed).unwrap(), b"bytes");
        assert!(!source.exists());
    }

    #[test]
    fn a_file_the_manager_did_not_put_there_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().join("container");
        let theirs = target(&container, &id("a"));
        std::fs::create_dir_all(theirs.parent().unwrap()).unwrap();
        std::fs::write(&theirs, b"the user's").unwrap();
        let source = dir.path().join("download-a");
        std::fs::write(&source, b"new").unwrap();
        let error = place(&source, &container, &id("a"), None, None).unwrap_err();
        assert!(
            error.message.contains(&theirs.display().to_string()),
            "{}",
            error.message
        );
        assert_eq!(std::fs::read(&theirs).unwrap(), b"the user's");
        // Its own earlier file is replaced.
        let placed = place(&source, &container, &id("a"), Some(&theirs), None).unwrap();
        assert_eq!(std::fs::read(placed).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_put_where_the_manager_placed_one_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().join("container");
        let source = dir.path().join("download-a");
        std::fs::write(&source, b"first").unwrap();
        let placed = place(&source, &container, &id("a"), None, None).unwrap();
        let placed_id = file_id(&placed);
        // The app took its file away; the user (or another app of the container) put one there.
        std::fs::remove_file(&placed).unwrap();
        std::fs::write(&placed, b"the user's").unwrap();
        std::fs::write(&source, b"second").unwrap();
        let error = place(&source, &container, &id("a"), Some(&placed), placed_id).unwrap_err();
        assert!(
            error.message.contains("did not put it there"),
            "{}",
            error.message
        );
        assert_eq!(std::fs::read(&placed).unwrap(), b"the user's");
        // The manager's own file, still there untouched, is replaced.
        std::fs::remove_file(&placed).unwrap();
        let placed = place(&source, &container, &id("a"), None, None).unwrap();
        let placed_id = file_id(&placed);
        std::fs::write(&source, b"third").unwrap();
        place(&source, &container, &id("a"), Some(&placed), placed_id).unwrap();
        assert_eq!(std::fs::read(&placed).unwrap(), b"third");
    }

    #[cfg(unix)]
    #[test]
    fn a_placing_a_crash_cut_short_is_finished_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().join("container");
        let source = dir.path().join("download-a");
        std::fs::write(&source, b"bytes").unwrap();
        let there = target(&container, &id("a"));
        std::fs::create_dir_all(there.parent().unwrap()).unwrap();
        std::fs::hard_link(&source, &there).unwrap();
        assert_eq!(
            place(&source, &container, &id("a"), None, None).unwrap(),
            there
        );
        assert!(!source.exists());
        assert_eq!(std::fs::read(&there).unwrap(), b"bytes");
    }

    #[test]
    fn a_folder_at_the_place_is_not_ours_even_when_the_record_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().join("container");
        let there = target(&container, &id("a"));
        std::fs::create_dir_all(there.join("inside")).unwrap();
        let source = dir.path().join("download-a");
        std::fs::write(&source, b"new").unwrap();
        assert!(place(&source, &container, &id("a"), Some(&there), None).is_err());
        assert!(there.join("inside").is_dir());
    }
}
