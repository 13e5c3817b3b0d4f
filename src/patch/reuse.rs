//! Which files of the installed version can be reused: a file is reused only when it is a
//! regular file (not a link) of the listed size whose SHA-256, computed now, is the listed one.
//! Timestamps never stand in for that hash; they only prove, after it, that a hashed file has
//! not been written since ([`Stamp`]).
//!
//! [`candidates`] is the cheap first look (kind, size, no link on the way), made before anything
//! is fetched; [`check`] hashes, once per file, where the file is linked into staging. Two
//! threads hash (the target machines have 2 cores), each reading at most a file's listed size;
//! the stop condition (a cancel, or a failure of what the hashes feed) is checked between reads.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::clock::FsTime;
use super::list::{FileList, ListedFile};

const CHUNK: usize = 1 << 20;
const THREADS: usize = 2;

/// A hashed file's identity and change times, read from the open file before its bytes: the
/// same stamp later means no write reached it in between (on Unix, any write or link change
/// moves the change time once the file system's clock has moved past the last one; see
/// [`super::clock`]). Elsewhere there is no stamp, and the file is hashed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp([i64; 7]);

impl Stamp {
    /// The stamp of a file's metadata, where the platform gives one that proves anything.
    pub fn of(metadata: &Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let wide = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            Some(Stamp([
                wide(metadata.dev()),
                wide(metadata.ino()),
                wide(metadata.len()),
                metadata.mtime(),
                metadata.mtime_nsec(),
                metadata.ctime(),
                metadata.ctime_nsec(),
            ]))
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }

    /// The stamp of a file about to be hashed, when it can prove anything later: its change and
    /// modification times lie before `before`, a time the file system's clock gave out before
    /// this look ([`super::clock::moved_past`]), so any write from now on moves its change time;
    /// and they are not both whole seconds (a file system that keeps seconds only). Otherwise
    /// none: the file is hashed again before the swap.
    pub fn settled(metadata: &Metadata, before: FsTime) -> Option<Stamp> {
        let stamp = Self::of(metadata)?;
        let [_, _, _, modified, modified_ns, changed, changed_ns] = stamp.0;
        if modified_ns == 0 && changed_ns == 0 {
            return None;
        }
        (FsTime(modified, modified_ns) < before && FsTime(changed, changed_ns) < before)
            .then_some(stamp)
    }
}

/// What hashing a file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Not a regular file of the listed bytes (or not there, or not readable).
    Differs,
    /// Exactly the listed bytes, with the file's stamp taken before they were read.
    Holds(Option<Stamp>),
}

impl Found {
    /// Whether the file holds the listed bytes.
    pub fn holds(&self) -> bool {
        matches!(self, Found::Holds(_))
    }
}

/// For each listed file, whether `root/<path>` (`root` resolved) may be reused if its bytes
/// prove right: a regular file of the listed size with no link on the way. Nothing is read.
pub fn candidates(root: &Path, list: &FileList) -> Vec<bool> {
    list.files.iter().map(|file| plain(root, file)).collect()
}

/// For the listed files at `which`, what `root/<path>` (`root` resolved, with no symlink in it)
/// holds, in `which`'s order, stamped where the file's times lie before `before` (see
/// [`Stamp::settled`]). Each file found not to hold its bytes is told to `differs` (its index
/// into the list) as soon as it is found, from the hashing thread. `None` once `stop` says so
/// (checked between reads); nothing is told to `differs` after that.
pub fn check(
    root: &Path,
    list: &FileList,
    which: &[usize],
    before: Option<FsTime>,
    stop: &(dyn Fn() -> bool + Sync),
    differs: &(dyn Fn(usize) + Sync),
) -> Option<Vec<Found>> {
    let next = AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Found>> = which
        .iter()
        .map(|_| std::sync::Mutex::new(Found::Differs))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..THREADS.min(which.len()) {
            scope.spawn(|| {
                let mut buffer = vec![0u8; CHUNK];
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some((&index, file)) =
                        which.get(at).and_then(|i| Some((i, list.files.get(*i)?)))
                    else {
                        break;
                    };
                    if stop() {
                        break;
                    }
                    let found = if plain(root, file) {
                        holds(
                            &super::joined(root, &file.path),
                            file,
                            before,
                            &mut buffer,
                            stop,
                        )
                    } else {
                        Found::Differs
                    };
                    // Cut short by `stop`: found nothing.
                    if stop() {
                        break;
                    }
                    if !found.holds() {
                        differs(index);
                    }
                    if let Ok(mut slot) = results[at].lock() {
                        *slot = found;
                    }
                }
            });
        }
    });
    if stop() {
        return None;
    }
    Some(
        results
            .into_iter()
            .map(|r| r.into_inner().unwrap_or(Found::Differs))
            .collect(),
    )
}

/// Whether `root/<file.path>` is a regular file of `file.size` bytes with no link on the way.
pub fn plain(root: &Path, file: &ListedFile) -> bool {
    let path = super::joined(root, &file.path);
    let regular = std::fs::symlink_metadata(&path)
        .is_ok_and(|m| m.file_type().is_file() && m.len() == file.size);
    // No link anywhere on the way: the file is the installed version's own (`root` is resolved).
    regular && std::fs::canonicalize(&path).ok().as_deref() == Some(path.as_path())
}

/// What the file at `path` holds: exactly `file.size` bytes with `file.sha256`, read now?
fn holds(
    path: &Path,
    file: &ListedFile,
    before: Option<FsTime>,
    buffer: &mut [u8],
    stop: &(dyn Fn() -> bool + Sync),
) -> Found {
    let Ok(opened) = File::open(path) else {
        return Found::Differs;
    };
    let Ok(metadata) = opened.metadata() else {
        return Found::Differs;
    };
    if !metadata.is_file() {
        return Found::Differs;
    }
    // A stamp proves nothing while someone may still be writing (a write begun before the time
    // read ends after the hash without moving the times again).
    let stamp = before
        .and_then(|before| Stamp::settled(&metadata, before))
        .filter(|_| super::clock::no_writer(&opened));
    // One byte past the listed size tells a file that grew since it was measured.
    let mut reader = opened.take(file.size.saturating_add(1));
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    loop {
        if stop() {
            return Found::Differs;
        }
        match reader.read(buffer) {
            Ok(0) => break,
            Ok(read) => {
                hasher.update(&buffer[..read]);
                total = total.saturating_add(read as u64);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Found::Differs,
        }
    }
    if total == file.size && <[u8; 32]>::from(hasher.finalize()) == file.sha256.0 {
        Found::Holds(stamp)
    } else {
        Found::Differs
    }
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
        let all: Vec<usize> = (0..list.files.len()).collect();
        let told = std::sync::Mutex::new(Vec::new());
        let tell = |at: usize| told.lock().unwrap().push(at);
        let found = check(root, &list, &all, None, &|| false, &tell).unwrap();
        let held: Vec<bool> = found.iter().map(Found::holds).collect();
        assert_eq!(held, vec![true, false, false, false, false, false, true]);
        let mut told_now = std::mem::take(&mut *told.lock().unwrap());
        told_now.sort_unstable();
        assert_eq!(
            told_now,
            vec![1, 2, 3, 4, 5],
            "each file that differs, as found"
        );
        // The cheap look sees kind, size and links, not bytes: `d/changed` listed as "abc" is
        // a candidate, found different once hashed.
        let plain = candidates(root, &list);
        assert_eq!(plain, vec![true, true, false, false, false, false, true]);
        let some = check(root, &list, &[6, 1, 0], None, &|| false, &tell).unwrap();
        let some: Vec<bool> = some.iter().map(Found::holds).collect();
        assert_eq!(some, vec![true, false, true], "in the order asked");
        told.lock().unwrap().clear();
        assert_eq!(check(root, &list, &all, None, &|| true, &tell), None);
        assert!(told.lock().unwrap().is_empty(), "nothing told once stopped");
        #[cfg(target_os = "linux")]
        {
            // No time of the file system's clock: no stamps (hashed again before a swap).
            assert_eq!(found[0], Found::Holds(None), "{found:?}");
            // A time read before the file was written: no stamp either.
            let Some(early) = crate::patch::clock::moved_past(root) else {
                return; // a file system whose times prove nothing: no stamps at all
            };
            std::fs::write(root.join("same"), "abc").unwrap();
            let found = check(root, &list, &[0], Some(early), &|| false, &tell).unwrap();
            assert_eq!(found[0], Found::Holds(None), "{found:?}");
            // Read after it: stamped (where leases may be taken), and a write of the same bytes
            // then moves the stamp.
            let leases = std::fs::read_to_string("/proc/sys/fs/leases-enable");
            if leases.is_ok_and(|v| v.trim() == "0") {
                return;
            }
            let settled = crate::patch::clock::moved_past(root).unwrap();
            let found = check(root, &list, &[0], Some(settled), &|| false, &tell).unwrap();
            let Found::Holds(Some(before)) = found[0] else {
                panic!("stamped once the clock moved past: {found:?}");
            };
            std::fs::write(root.join("same"), "abc").unwrap();
            let after = Stamp::of(&std::fs::metadata(root.join("same")).unwrap());
            assert_ne!(
                after,
                Some(before),
                "a write of the same bytes moves the stamp"
            );
        }
    }
}
