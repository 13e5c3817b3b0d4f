//! The rest of a delta's staging: the fetched entries inflated beside the reused files
//! [`super::link`] put in staging ([`inflate`], while those are hashed), then the new version
//! finished and swapped in exactly as a full install is ([`build`], through
//! [`crate::install::swap`]): a reader sees the old version or the new one.
//!
//! Fetched entries are inflated from the local copy of the ranges fetched, counted and hashed
//! as they are written: a file whose size or SHA-256 differs from the list stops the update. A
//! reused file whose stamp moved since it was hashed (written to, replaced) stops it too; where
//! there are no stamps, every reused file is hashed again. A stopped update deletes its staging
//! folder, so no unverified byte is ever swapped in. Files and folders are synced before the
//! swap.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::PatchError;
use super::link::Prepared;
use super::list::FileList;
use super::plan::Patch;
use super::reuse::{self, Stamp};
use crate::install::{InstallError, Installed, swap};

/// What to finish.
pub struct Stage<'a> {
    /// The pack's folder in the container.
    pub folder: &'a str,
    /// The new version's files.
    pub list: &'a FileList,
    /// What to reuse (the files [`Prepared`] holds) and what was fetched.
    pub patch: &'a Patch,
    /// The local copy of the new archive's fetched ranges.
    pub archive: &'a Path,
    /// The archive's URL as shown, for errors.
    pub url: &'a str,
}

/// Finishes the new version in `prepared`'s staging (its fetched entries already inflated),
/// checks the reused files and swaps it in; the staging folder is deleted when anything fails.
pub fn build(
    stage: &Stage,
    mut prepared: Prepared,
    cancel: &AtomicBool,
) -> Result<Installed, PatchError> {
    let installed = fill(stage, &prepared, cancel)?;
    if cancel.load(Ordering::Relaxed) {
        return Err(PatchError::Cancelled);
    }
    let path = swap::swap_in(prepared.container(), stage.folder, prepared.staging())?;
    prepared.mark_swapped();
    Ok(Installed { path, ..installed })
}

fn fill(stage: &Stage, prepared: &Prepared, cancel: &AtomicBool) -> Result<Installed, PatchError> {
    let staging = prepared.staging();
    let mut folders: Vec<&str> = stage.patch.folders.iter().map(String::as_str).collect();
    for file in &stage.list.files {
        if let Some((parent, _)) = file.path.rsplit_once('/') {
            folders.push(parent);
        }
    }
    // Every folder above one holds a new entry too: each is created and synced.
    let above: Vec<&str> = folders
        .iter()
        .flat_map(|f| f.match_indices('/').map(|(at, _)| &f[..at]))
        .collect();
    folders.extend(above);
    folders.sort_unstable();
    folders.dedup();
    // The files' folders were made with the links (`link::begin`); only the archive's own
    // folder entries (empty folders among them) may be missing.
    for folder in &stage.patch.folders {
        let path = super::joined(staging, folder);
        fs::create_dir_all(&path).map_err(InstallError::io("create the folder", &path))?;
    }
    sync_folders(staging, &folders)?;
    // Last, right before the swap: nothing written to a reused file since it was hashed.
    check_reused(stage, prepared, cancel)?;
    let bytes = stage
        .list
        .files
        .iter()
        .fold(0u64, |sum, f| sum.saturating_add(f.size));
    Ok(Installed {
        path: staging.to_path_buf(),
        files: stage.list.files.len(),
        bytes,
    })
}

/// Inflates the fetched entries `which` (index into the list, index in the archive) into
/// `staging`, each counted, hashed against the list and synced. Ends cancelled once `stop`
/// says so (checked between reads).
pub fn inflate(
    stage: &Stage,
    staging: &Path,
    which: &[(usize, usize)],
    stop: &dyn Fn() -> bool,
) -> Result<(), PatchError> {
    if which.is_empty() {
        return Ok(());
    }
    let mut buffer = vec![0u8; 1 << 20];
    let file = File::open(stage.archive).map_err(InstallError::io("open", stage.archive))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| PatchError::Archive {
        url: stage.url.to_string(),
        problem: format!("its fetched central directory cannot be read ({e})"),
    })?;
    for &(at, index) in which {
        if stop() {
            return Err(PatchError::Cancelled);
        }
        let listed = &stage.list.files[at];
        let mismatch = |problem: String| PatchError::Mismatch {
            url: stage.url.to_string(),
            entry: listed.path.clone(),
            problem,
        };
        let entry = zip
            .by_index(index)
            .map_err(|e| mismatch(format!("cannot be read ({e})")))?;
        if entry.encrypted() {
            return Err(mismatch("is encrypted".into()));
        }
        let to = super::joined(staging, &listed.path);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        // As a full install creates its files (`install::extract`).
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
        let mut out = options.open(&to).map_err(InstallError::io("create", &to))?;
        let mut reader = entry.take(listed.size.saturating_add(1));
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            if stop() {
                return Err(PatchError::Cancelled);
            }
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(mismatch(format!("cannot be inflated ({e})"))),
            };
            hasher.update(&buffer[..read]);
            total = total.saturating_add(read as u64);
            if total > listed.size {
                return Err(mismatch(format!(
                    "holds more than its {} bytes",
                    listed.size
                )));
            }
            out.write_all(&buffer[..read])
                .map_err(InstallError::io("write", &to))?;
        }
        if total != listed.size {
            return Err(mismatch(format!(
                "holds {total} bytes, not the {} listed",
                listed.size
            )));
        }
        if <[u8; 32]>::from(hasher.finalize()) != listed.sha256.0 {
            return Err(mismatch("has another SHA-256 than the list's".into()));
        }
        out.sync_data().map_err(InstallError::io("sync", &to))?;
    }
    Ok(())
}

/// Syncs every folder that received entries (links and new files), deepest first.
fn sync_folders(staging: &Path, folders: &[&str]) -> Result<(), PatchError> {
    #[cfg(unix)]
    for path in folders
        .iter()
        .rev()
        .map(|f| super::joined(staging, f))
        .chain([staging.to_path_buf()])
    {
        File::open(&path)
            .and_then(|dir| dir.sync_all())
            .map_err(InstallError::io("sync the folder", &path))?;
    }
    #[cfg(not(unix))]
    let _ = (staging, folders);
    Ok(())
}

/// Checks that every reused file in staging is still what was hashed: the same stamp, or
/// where there are none, the listed bytes hashed again. A file written to, replaced or linked
/// since (by the app, through the installed version's path, or by anyone in staging) is
/// refused: the new version holds only regular files with the listed bytes.
fn check_reused(stage: &Stage, prepared: &Prepared, cancel: &AtomicBool) -> Result<(), PatchError> {
    let staging = prepared.staging();
    let root = fs::canonicalize(staging).map_err(InstallError::io("resolve", staging))?;
    let changed = |at: usize| PatchError::Mismatch {
        url: stage.url.to_string(),
        entry: stage.list.files[at].path.clone(),
        problem: "changed in the installed version since it was hashed".into(),
    };
    let mut unstamped = Vec::new();
    for &(at, stamp) in &prepared.held {
        let Some(stamp) = stamp else {
            unstamped.push(at);
            continue;
        };
        let file = &stage.list.files[at];
        // Still a regular file of its size with no link on the way, and the same stamp.
        let path = super::joined(&root, &file.path);
        let now = reuse::plain(&root, file)
            .then(|| fs::symlink_metadata(&path).ok())
            .flatten();
        if now.as_ref().and_then(Stamp::of) != Some(stamp) {
            return Err(changed(at));
        }
    }
    if unstamped.is_empty() {
        return Ok(());
    }
    let stop = || cancel.load(Ordering::Relaxed);
    let found = reuse::check(&root, stage.list, &unstamped, None, &stop, &|_| {})
        .ok_or(PatchError::Cancelled)?;
    match found.iter().position(|f| !f.holds()) {
        None => Ok(()),
        Some(at) => Err(changed(unstamped[at])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sha256Digest;
    use crate::patch::link;
    use crate::patch::list::ListedFile;
    use std::path::PathBuf;

    #[test]
    fn a_reused_file_changed_after_it_was_hashed_is_never_installed() {
        // Hashed as "abc" in staging; the app writes "xyz" into it (through the installed
        // version's path: the same file) right after, while the changed entries are fetched.
        let built = after_prepare(|installed, _, _| fs::write(installed.join("a"), "xyz").unwrap());
        assert!(
            matches!(built, Err(PatchError::Mismatch { .. })),
            "{built:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_staged_reused_file_replaced_by_a_link_is_never_installed() {
        // The same bytes, but outside the pack: the new version would hold a link to them.
        let built = after_prepare(|_, staging, dir| {
            let outside = dir.join("outside");
            fs::write(&outside, "abc").unwrap();
            fs::remove_file(staging.join("a")).unwrap();
            std::os::unix::fs::symlink(&outside, staging.join("a")).unwrap();
        });
        assert!(
            matches!(built, Err(PatchError::Mismatch { .. })),
            "{built:?}"
        );
    }

    #[test]
    fn an_untouched_reused_file_is_installed_without_being_read_again() {
        assert_eq!(after_prepare(|_, _, _| {}).unwrap(), "abc");
    }

    #[cfg(unix)]
    #[test]
    fn a_reused_file_replaced_by_a_link_before_it_is_linked_is_fetched_instead() {
        let (dir, container, installed) = installed_pack();
        let outside = dir.path().join("outside");
        fs::write(&outside, "abc").unwrap();
        fs::remove_file(installed.join("a")).unwrap();
        std::os::unix::fs::symlink(&outside, installed.join("a")).unwrap();
        let list = list_of_a();
        let prepared = prepare(&container, &installed, &list);
        assert_eq!(
            (prepared.held.len(), prepared.refused.clone()),
            (0, vec![0])
        );
        assert!(fs::symlink_metadata(prepared.staging().join("a")).is_err());
        drop(prepared);
        assert_eq!(swap::list(&container.join(".staging")).len(), 0);
    }

    #[test]
    fn a_delta_cancelled_while_linking_stops_and_leaves_no_staging() {
        let (_dir, container, installed) = installed_pack();
        let list = list_of_a();
        let (yes, no) = (AtomicBool::new(true), AtomicBool::new(false));
        for (cancel, halt) in [(&yes, &no), (&no, &yes)] {
            let begun = link::begin(&container, "Pack", &installed, &list, &[0], cancel, halt);
            assert!(matches!(begun, Err(PatchError::Cancelled)), "{begun:?}");
            assert_eq!(swap::list(&container.join(".staging")).len(), 0);
        }
        assert_eq!(container.join("Pack").canonicalize().unwrap(), installed);
    }

    #[test]
    fn a_reused_file_that_differs_is_out_of_staging_when_it_is_told() {
        let (_dir, container, installed) = installed_pack();
        let list = FileList::new(vec![ListedFile {
            path: "a".into(),
            size: 3,
            sha256: Sha256Digest::of(b"xyz"),
        }]);
        let no = AtomicBool::new(false);
        let mut prepared =
            link::begin(&container, "Pack", &installed, &list, &[0], &no, &no).unwrap();
        let staged = prepared.staging().join("a");
        assert!(staged.exists());
        let told = std::sync::Mutex::new(Vec::new());
        let tell = |at: usize| told.lock().unwrap().push((at, staged.exists()));
        link::verify(&mut prepared, &list, &|| false, &tell).unwrap();
        assert_eq!(
            *told.lock().unwrap(),
            [(0, false)],
            "told once, its link gone"
        );
        assert_eq!(
            (prepared.held.len(), prepared.refused.clone()),
            (0, vec![0])
        );
        assert_eq!(fs::read_to_string(installed.join("a")).unwrap(), "abc");
        // Stopped before hashing: nothing told, and the update ends cancelled.
        let mut prepared = {
            drop(prepared);
            link::begin(&container, "Pack", &installed, &list, &[0], &no, &no).unwrap()
        };
        told.lock().unwrap().clear();
        let stopped = link::verify(&mut prepared, &list, &|| true, &tell);
        assert!(matches!(stopped, Err(PatchError::Cancelled)), "{stopped:?}");
        assert!(told.lock().unwrap().is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_reused_file_open_for_writing_while_hashed_gets_no_stamp_and_is_hashed_again() {
        use std::os::unix::fs::FileExt;
        let (_dir, container, installed) = installed_pack();
        let list = list_of_a();
        // A writer that may finish a write begun before the hash: the times prove nothing.
        let writer = OpenOptions::new()
            .write(true)
            .open(installed.join("a"))
            .unwrap();
        let prepared = prepare(&container, &installed, &list);
        assert_eq!(prepared.held, [(0, None)]);
        writer.write_all_at(b"xyz", 0).unwrap();
        let built = build_reusing_a(_dir.path(), &list, prepared);
        assert!(
            matches!(built, Err(PatchError::Mismatch { .. })),
            "{built:?}"
        );
        assert_eq!(container.join("Pack").canonicalize().unwrap(), installed);
    }

    /// Begins a delta of `Pack` reusing `a` and hashes it.
    fn prepare(container: &Path, installed: &Path, list: &FileList) -> Prepared {
        let no = AtomicBool::new(false);
        let mut prepared = link::begin(container, "Pack", installed, list, &[0], &no, &no).unwrap();
        link::verify(&mut prepared, list, &|| false, &|_| {}).unwrap();
        prepared
    }

    /// A temporary container with `Pack` installed, holding `a` = "abc".
    fn installed_pack() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let container = dir.path().canonicalize().unwrap().join("c");
        fs::create_dir(&container).unwrap();
        let first = swap::prepare_staging(&container, "Pack").unwrap();
        fs::write(first.join("a"), "abc").unwrap();
        swap::swap_in(&container, "Pack", &first).unwrap();
        let installed = container.join("Pack").canonicalize().unwrap();
        (dir, container, installed)
    }

    fn list_of_a() -> FileList {
        FileList::new(vec![ListedFile {
            path: "a".into(),
            size: 3,
            sha256: Sha256Digest::of(b"abc"),
        }])
    }

    /// Installs `a` = "abc", prepares a delta reusing it, lets `change` act (on the installed
    /// folder, the staging folder, the temporary dir), then finishes it: `a` as installed then.
    /// A refused update must leave the installed version as it was, and no staging.
    fn after_prepare(change: impl Fn(&Path, &Path, &Path)) -> Result<String, PatchError> {
        let (dir, container, installed) = installed_pack();
        let list = list_of_a();
        let prepared = prepare(&container, &installed, &list);
        assert_eq!((prepared.held.len(), prepared.refused.len()), (1, 0));
        change(&installed, prepared.staging(), dir.path());
        let built = build_reusing_a(dir.path(), &list, prepared);
        if built.is_err() {
            assert_eq!(container.join("Pack").canonicalize().unwrap(), installed);
            assert_eq!(swap::list(&container.join(".staging")).len(), 0);
        }
        built.map(|_| fs::read_to_string(container.join("Pack/a")).unwrap())
    }

    /// Finishes `prepared` reusing `a` and fetching nothing (an empty archive in `dir`).
    fn build_reusing_a(
        dir: &Path,
        list: &FileList,
        prepared: Prepared,
    ) -> Result<Installed, PatchError> {
        let archive = dir.join("scratch.zip");
        zip::ZipWriter::new(File::create(&archive).unwrap())
            .finish()
            .unwrap();
        let patch = Patch {
            reuse: vec![0],
            ..Patch::default()
        };
        let stage = Stage {
            folder: "Pack",
            list,
            patch: &patch,
            archive: &archive,
            url: "http://127.0.0.1/Pack.zip",
        };
        build(&stage, prepared, &AtomicBool::new(false))
    }
}
