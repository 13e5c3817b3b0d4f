//! One thread of the engine at a time creates a held body's file or renames a finished file
//! into place in a folder. The kernel does these one at a time in a folder anyway (under the
//! folder's lock), but its waiters spin on a CPU while the holder works, and the holder may
//! work long: on ext4 without a journal, allocating an inode skips every inode freed in the
//! last minutes, one lookup each. With 16 finishing threads and files recently deleted nearby,
//! that spinning was 15% of the CPU of 500 small downloads; waiting here, a thread sleeps
//! instead (docs/performance.md, "Direct writes"). Each folder has its own lock, so a folder
//! that hangs (a stalled network mount) holds up only what the kernel would hold up anyway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

/// Folders past this many in the map, those nobody holds are forgotten.
const KEEP: usize = 64;

static FOLDERS: LazyLock<Mutex<HashMap<PathBuf, Weak<Mutex<()>>>>> =
    LazyLock::new(Default::default);

/// Runs `change` (a create or a rename of `path`) while no other thread of the process runs
/// one in the same folder.
pub fn serialized<T>(path: &Path, change: impl FnOnce() -> T) -> T {
    let folder = folder_lock(path.parent().unwrap_or(Path::new("")));
    let _turn = folder.lock().unwrap_or_else(PoisonError::into_inner);
    change()
}

/// The lock of `folder`, made when nobody holds it.
fn folder_lock(folder: &Path) -> Arc<Mutex<()>> {
    let mut folders = FOLDERS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lock) = folders.get(folder).and_then(Weak::upgrade) {
        return lock;
    }
    if folders.len() >= KEEP {
        folders.retain(|_, lock| lock.strong_count() > 0);
    }
    let lock = Arc::new(Mutex::new(()));
    folders.insert(folder.to_path_buf(), Arc::downgrade(&lock));
    lock
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn changes_in_one_folder_never_overlap() {
        let inside = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for n in 0..8 {
                let inside = &inside;
                scope.spawn(move || {
                    for _ in 0..200 {
                        let path = Path::new("/data/one").join(format!("f{n}.partial"));
                        serialized(&path, || {
                            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "overlap");
                            std::thread::yield_now();
                            inside.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                });
            }
        });
    }

    /// A folder whose change hangs (a stalled mount) holds up no other folder.
    #[test]
    fn a_change_that_hangs_in_one_folder_holds_up_no_other() {
        let (entered, hung) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                serialized(Path::new("/mnt/stalled/f.partial"), || {
                    entered.wait();
                    hung.wait();
                });
            });
            entered.wait();
            for n in 0..100 {
                let path = PathBuf::from(format!("/data/folder{n}/f.partial"));
                assert_eq!(serialized(&path, || n), n);
            }
            hung.wait();
        });
        let folders = FOLDERS.lock().unwrap();
        assert!(
            folders.len() <= KEEP + 1,
            "{} folders remembered",
            folders.len()
        );
    }
}
