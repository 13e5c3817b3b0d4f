//! One install of a pack folder at a time. Two apps of one App Group share a container, so the
//! same pack folder can be installed for both at once; each install prepares, swaps and cleans
//! up `.staging` and `.versions` entries named after the folder, and two of them interleaved
//! delete each other's staging. [`FolderLock`] makes a second install of the same
//! `<container>/<folder>` in this process wait for the first. The wait ends early when the
//! waiting install is cancelled: the manager's actor waits for a cancelled install to stop, and
//! the first install (a delta update fetching changed files, say) may hold the folder for long.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

static BUSY: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
static RELEASED: Condvar = Condvar::new();

/// How often a waiting install looks at its cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Held while one install of a folder runs; dropping it lets the next one in.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
}

impl FolderLock {
    /// Waits until no other install of `container/folder` runs in this process, then holds it;
    /// `None` when `cancel` is set first (looked at every [`CANCEL_POLL`] while waiting).
    pub fn acquire(container: &Path, folder: &str, cancel: &AtomicBool) -> Option<Self> {
        let path = container.join(folder);
        let mut busy = BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        while busy.get_or_insert_with(HashSet::new).contains(&path) {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            busy = RELEASED
                .wait_timeout(busy, CANCEL_POLL)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        busy.get_or_insert_with(HashSet::new).insert(path.clone());
        Some(Self { path })
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
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    fn acquire(folder: &str) -> FolderLock {
        FolderLock::acquire(Path::new("/c"), folder, &AtomicBool::new(false)).unwrap()
    }

    #[test]
    fn installs_of_one_folder_never_overlap() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (inside, most) = (inside.clone(), most.clone());
                std::thread::spawn(move || {
                    let _lock = acquire("Pack");
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
        let _a = acquire("A");
        let _b = acquire("B");
    }

    #[test]
    fn a_cancelled_install_stops_waiting_for_the_folder() {
        let _first = acquire("Held");
        let cancel = Arc::new(AtomicBool::new(false));
        let waiting = {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let lock = FolderLock::acquire(Path::new("/c"), "Held", &cancel);
                (lock.is_some(), started.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(150));
        assert!(!waiting.is_finished(), "it waits while the folder is held");
        cancel.store(true, Ordering::Relaxed);
        let (got, waited) = waiting.join().unwrap();
        assert!(!got, "a cancelled wait gets no lock");
        assert!(
            waited < Duration::from_secs(2),
            "it stopped at once, not when the folder was released ({waited:?})"
        );
    }

    #[test]
    fn a_cancel_set_before_a_free_folder_still_gets_it() {
        // The caller looks at its flag itself; the lock only stops a wait.
        let cancelled = AtomicBool::new(true);
        assert!(FolderLock::acquire(Path::new("/c"), "Free", &cancelled).is_some());
    }
}
