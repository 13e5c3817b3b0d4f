//! One install of a pack folder at a time. Two apps of one App Group share a container, so the
//! same pack folder can be installed for both at once; each install prepares, swaps and cleans
//! up `.staging` and `.versions` entries named after the folder, and two of them interleaved
//! delete each other's staging. [`FolderLock`] makes a second install of the same
//! `<container>/<folder>` in this process wait for the first.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

static BUSY: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
static RELEASED: Condvar = Condvar::new();

/// Held while one install of a folder runs; dropping it lets the next one in.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
}

impl FolderLock {
    /// Waits until no other install of `container/folder` runs in this process, then holds it.
    pub fn acquire(container: &Path, folder: &str) -> Self {
        let path = container.join(folder);
        let mut busy = BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        while busy.get_or_insert_with(HashSet::new).contains(&path) {
            busy = RELEASED.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        busy.get_or_insert_with(HashSet::new).insert(path.clone());
        Self { path }
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let mut busy = BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(set) = busy.as_mut() {
            set.remove(&self.path);
        }
        RELEASED.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::FolderLock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn installs_of_one_folder_never_overlap() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (inside, most) = (inside.clone(), most.clone());
                std::thread::spawn(move || {
                    let _lock = FolderLock::acquire(std::path::Path::new("/c"), "Pack");
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn other_folders_do_not_wait() {
        let _a = FolderLock::acquire(std::path::Path::new("/c"), "A");
        let _b = FolderLock::acquire(std::path::Path::new("/c"), "B");
    }
}
