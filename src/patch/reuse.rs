//! Which files of the installed version can be reused: a file is reused only when it is a
//! regular file (not a link) of the listed size whose SHA-256, computed now, is the listed one.
//! Timestamps are never trusted, and a damaged or changed installed file is simply fetched.
//!
//! Two threads hash (the target machines have 2 cores), each reading at most a file's listed
//! size; the cancel flag is checked between reads.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::list::{FileList, ListedFile};

const CHUNK: usize = 1 << 20;
const THREADS: usize = 2;

/// For each listed file, whether `root/<path>` (`root` resolved, with no symlink in it) holds
/// exactly its bytes. `None` when cancelled.
pub fn reusable(root: &Path, list: &FileList, cancel: &AtomicBool) -> Option<Vec<bool>> {
    let all: Vec<usize> = (0..list.files.len()).collect();
    check(root, list, &all, cancel)
}

/// For the listed files at `which`, whether `root/<path>` (`root` resolved, with no symlink in
/// it) holds exactly their bytes, in `which`'s order. `None` when cancelled.
pub fn check(
    root: &Path,
    list: &FileList,
    which: &[usize],
    cancel: &AtomicBool,
) -> Option<Vec<bool>> {
    let next = AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<bool>> =
        which.iter().map(|_| std::sync::Mutex::new(false)).collect();
    std::thread::scope(|scope| {
        for _ in 0..THREADS.min(which.len()) {
            scope.spawn(|| {
                let mut buffer = vec![0u8; CHUNK];
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = which.get(at).and_then(|&i| list.files.get(i)) else {
                        break;
                    };
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let same = matches(root, file, &mut buffer, cancel);
                    if let Ok(mut slot) = results[at].lock() {
                        *slot = same;
                    }
                }
            });
        }
    });
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    Some(
        results
            .into_iter()
            .map(|r| r.into_inner().unwrap_or(false))
            .collect(),
    )
}

/// Whether `root/<file.path>` is a regular file of `file.size` bytes with `file.sha256`.
fn matches(root: &Path, file: &ListedFile, buffer: &mut [u8], cancel: &AtomicBool) -> bool {
    let path = super::joined(root, &file.path);
    let regular = std::fs::symlink_metadata(&path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() == file.size);
    // No link anywhere on the way: the file is the installed version's own (`root` is resolved).
    if !regular || std::fs::canonicalize(&path).ok().as_deref() != Some(path.as_path()) {
        return false;
    }
    holds(&path, file, buffer, cancel)
}

/// Whether the file at `path` holds exactly `file.size` bytes with `file.sha256`, read now.
fn holds(path: &Path, file: &ListedFile, buffer: &mut [u8], cancel: &AtomicBool) -> bool {
    let Ok(opened) = File::open(path) else {
        return false;
    };
    // One byte past the listed size tells a file that grew since it was measured.
    let mut reader = opened.take(file.size.saturating_add(1));
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return false;
        }
        match reader.read(buffer) {
            Ok(0) => break,
            Ok(read) => {
                hasher.update(&buffer[..read]);
                total = total.saturating_add(read as u64);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    total == file.size && <[u8; 32]>::from(hasher.finalize()) == file.sha256.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sha256Digest;

    #[test]
    fn only_files_with_the_listed_bytes_are_reused() {
        let dir = tempfile::tempdir().unwrap();
        let root = &dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        for (name, bytes) in [("same", "abc"), ("d/changed", "xyz"), ("grown", "abcd")] {
            std::fs::write(root.join(name), bytes).unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("same"), root.join("link")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("d"), root.join("e")).unwrap();
        let listed = |path: &str, bytes: &str| ListedFile {
            path: path.into(),
            size: bytes.len() as u64,
            sha256: Sha256Digest::of(bytes.as_bytes()),
        };
        let list = FileList::new(vec![
            listed("same", "abc"),
            listed("d/changed", "abc"),
            listed("grown", "abc"),
            listed("missing", "abc"),
            listed("link", "abc"),
            listed("e/changed", "xyz"),
            listed("d/changed", "xyz"),
        ]);
        let found = reusable(root, &list, &AtomicBool::new(false)).unwrap();
        assert_eq!(found, vec![true, false, false, false, false, false, true]);
        let some = check(root, &list, &[6, 1, 0], &AtomicBool::new(false)).unwrap();
        assert_eq!(some, vec![true, false, true], "in the order asked");
        assert_eq!(reusable(root, &list, &AtomicBool::new(true)), None);
    }
}
