//! The new version built in staging from reused and fetched files, then swapped in exactly as a
//! full install is ([`crate::install::swap`]): a reader sees the old version or the new one.
//!
//! Reused files were hashed against the list just before; they are hard-linked from the
//! installed version (the old version's folder is retired after the swap, the link keeps the
//! file), or copied where links are not possible. Fetched entries are inflated from the local
//! copy of the ranges fetched, counted and hashed as they are written: a file whose size or
//! SHA-256 differs from the list stops the update and its staging folder is deleted, so no
//! unverified byte is ever swapped in. Files and folders are synced before the swap.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::PatchError;
use super::list::FileList;
use super::plan::Patch;
use crate::install::{InstallError, Installed, layout, lock, swap};

/// What to build.
pub struct Stage<'a> {
    /// The app's container.
    pub container: &'a Path,
    /// The pack's folder in it.
    pub folder: &'a str,
    /// The installed version's own folder (resolved), where reused files are.
    pub installed: &'a Path,
    /// The new version's files.
    pub list: &'a FileList,
    /// What to reuse and what was fetched.
    pub patch: &'a Patch,
    /// The local copy of the new archive's fetched ranges.
    pub archive: &'a Path,
    /// The archive's URL as shown, for errors.
    pub url: &'a str,
}

/// Builds the new version in staging and swaps it in.
pub fn build(stage: &Stage, cancel: &AtomicBool) -> Result<Installed, PatchError> {
    layout::check_folder(stage.folder)?;
    layout::check_place(stage.container, stage.folder)?;
    let _one_at_a_time = lock::FolderLock::acquire(stage.container, stage.folder);
    let staging = swap::prepare_staging(stage.container, stage.folder)?;
    let built = fill(stage, &staging, cancel).and_then(|installed| {
        if cancel.load(Ordering::Relaxed) {
            return Err(PatchError::Cancelled);
        }
        let path = swap::swap_in(stage.container, stage.folder, &staging)?;
        Ok(Installed { path, ..installed })
    });
    if built.is_err() {
        swap::discard(stage.container, &staging, false);
    }
    built
}

fn fill(stage: &Stage, staging: &Path, cancel: &AtomicBool) -> Result<Installed, PatchError> {
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
    for folder in &folders {
        let path = super::joined(staging, folder);
        fs::create_dir_all(&path).map_err(InstallError::io("create the folder", &path))?;
    }
    let mut buffer = vec![0u8; 1 << 20];
    for &at in &stage.patch.reuse {
        if cancel.load(Ordering::Relaxed) {
            return Err(PatchError::Cancelled);
        }
        let path = &stage.list.files[at].path;
        let (from, to) = (
            super::joined(stage.installed, path),
            super::joined(staging, path),
        );
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).map_err(InstallError::io("copy the installed file", &from))?;
            let copied = File::open(&to).map_err(InstallError::io("open", &to))?;
            copied.sync_data().map_err(InstallError::io("sync", &to))?;
        }
    }
    check_reused(stage, staging, cancel)?;
    let file = File::open(stage.archive).map_err(InstallError::io("open", stage.archive))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| PatchError::Archive {
        url: stage.url.to_string(),
        problem: format!("its fetched central directory cannot be read ({e})"),
    })?;
    for &(at, index) in &stage.patch.fetch {
        if cancel.load(Ordering::Relaxed) {
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
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&to)
            .map_err(InstallError::io("create", &to))?;
        let mut reader = entry.take(listed.size.saturating_add(1));
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
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
    sync_folders(staging, &folders)?;
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

/// Hashes every reused file again where it now is in staging (on two threads): hashed when the
/// delta was planned, before the fetches, it may have been written into since by the app or
/// the user. A link put in place of a file since is linked as a link and refused here: the new
/// version holds only regular files with the listed bytes.
fn check_reused(stage: &Stage, staging: &Path, cancel: &AtomicBool) -> Result<(), PatchError> {
    let root = fs::canonicalize(staging).map_err(InstallError::io("resolve", staging))?;
    let reuse = &stage.patch.reuse;
    let held =
        super::reuse::check(&root, stage.list, reuse, cancel).ok_or(PatchError::Cancelled)?;
    match held.iter().position(|same| !same) {
        None => Ok(()),
        Some(at) => Err(PatchError::Mismatch {
            url: stage.url.to_string(),
            entry: stage.list.files[reuse[at]].path.clone(),
            problem: "changed in the installed version since it was hashed".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sha256Digest;
    use crate::patch::list::ListedFile;

    #[test]
    fn a_reused_file_changed_after_it_was_hashed_is_never_installed() {
        // Hashed as "abc" when the delta was planned; the app writes "xyz" into it while the
        // changed entries are fetched.
        refused_after(|installed, _| fs::write(installed.join("a"), "xyz").unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn a_reused_file_replaced_by_a_link_after_it_was_hashed_is_never_installed() {
        // The same bytes, but outside the pack: the new version would hold a link to them.
        refused_after(|installed, dir| {
            let outside = dir.join("outside");
            fs::write(&outside, "abc").unwrap();
            fs::remove_file(installed.join("a")).unwrap();
            std::os::unix::fs::symlink(&outside, installed.join("a")).unwrap();
        });
    }

    /// Installs a pack holding `a` = "abc", lets `change` alter it after the hashing, and
    /// checks that the delta reusing `a` is refused and leaves the installed version.
    fn refused_after(change: impl Fn(&Path, &Path)) {
        let dir = tempfile::tempdir().unwrap();
        let container = &dir.path().canonicalize().unwrap().join("c");
        fs::create_dir(container).unwrap();
        let first = swap::prepare_staging(container, "Pack").unwrap();
        fs::write(first.join("a"), "abc").unwrap();
        swap::swap_in(container, "Pack", &first).unwrap();
        let installed = container.join("Pack").canonicalize().unwrap();
        change(&installed, dir.path());
        let archive = dir.path().join("scratch.zip");
        zip::ZipWriter::new(File::create(&archive).unwrap())
            .finish()
            .unwrap();
        let list = FileList::new(vec![ListedFile {
            path: "a".into(),
            size: 3,
            sha256: Sha256Digest::of(b"abc"),
        }]);
        let patch = Patch {
            reuse: vec![0],
            ..Patch::default()
        };
        let stage = Stage {
            container,
            folder: "Pack",
            installed: &installed,
            list: &list,
            patch: &patch,
            archive: &archive,
            url: "http://127.0.0.1/Pack.zip",
        };
        let built = build(&stage, &AtomicBool::new(false));
        assert!(
            matches!(built, Err(PatchError::Mismatch { .. })),
            "{built:?}"
        );
        // The installed version is still the one that was there, and no staging is left.
        assert_eq!(container.join("Pack").canonicalize().unwrap(), installed);
        assert_eq!(swap::list(&container.join(".staging")).len(), 0);
    }
}
