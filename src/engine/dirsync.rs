//! Group commit for folder syncs: a finished download is renamed into its folder, and the rename
//! is durable only once the folder is synced. With many small files finishing at once, one
//! folder `fsync` that starts after several renames makes all of them durable, so workers that
//! finish together share one sync instead of queueing one each behind the filesystem's journal.
//!
//! The rule that keeps it safe: a caller asks *after* its rename, and returns only once a sync
//! that *started after it asked* has succeeded. A sync already running when it asked may have
//! missed its rename, so it waits for the next one (which it may run itself).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

/// One folder's syncs: requests are numbered; `synced` is the highest request number a
/// finished sync covers.
#[derive(Debug, Default)]
struct Folder {
    requested: u64,
    synced: u64,
    running: bool,
    /// The last sync's failure, with the highest request number it was meant to cover.
    failed: Option<(u64, io::ErrorKind, String)>,
}

/// The folders being synced, and the last request number handed out (one sequence for all
/// folders, so a folder forgotten and asked for again never reuses a number a waiter holds).
#[derive(Debug, Default)]
struct Folders {
    last: u64,
    folders: HashMap<PathBuf, Folder>,
}

/// Folder syncs shared by every worker of one engine. Blocking: call it from a blocking thread.
#[derive(Debug, Default)]
pub struct DirSyncer {
    folders: Mutex<Folders>,
    done: Condvar,
}

impl DirSyncer {
    /// Makes every rename into `dir` done before this call durable: returns once a sync of
    /// `dir` that started after the call has succeeded, or with that sync's error.
    pub fn sync(&self, dir: &Path) -> io::Result<()> {
        self.sync_with(dir, sync_folder)
    }

    /// [`DirSyncer::sync`] with the syncing function given (tests count and fail it).
    fn sync_with(&self, dir: &Path, sync: impl Fn(&Path) -> io::Result<()>) -> io::Result<()> {
        let mut state = self.lock();
        state.last = state.last.saturating_add(1);
        let mine = state.last;
        // A folder nobody waits on starts with every earlier number synced.
        let before = Folder {
            synced: mine.saturating_sub(1),
            ..Folder::default()
        };
        state
            .folders
            .entry(dir.to_path_buf())
            .or_insert(before)
            .requested = mine;
        loop {
            // A folder is forgotten only once every caller is covered: gone means synced.
            let Some(folder) = state.folders.get_mut(dir) else {
                return Ok(());
            };
            if folder.synced >= mine {
                return Ok(());
            }
            if let Some((covered, kind, message)) = &folder.failed
                && *covered >= mine
            {
                return Err(io::Error::new(*kind, message.clone()));
            }
            if folder.running {
                state = match self.done.wait(state) {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                continue;
            }
            folder.running = true;
            let target = folder.requested;
            drop(state);
            let result = sync(dir);
            state = self.lock();
            let folder = state.folders.entry(dir.to_path_buf()).or_default();
            folder.running = false;
            match &result {
                Ok(()) => folder.synced = folder.synced.max(target),
                Err(error) => folder.failed = Some((target, error.kind(), error.to_string())),
            }
            if folder.synced >= folder.requested && !folder.running {
                // Every caller is covered: forget the folder, so the map stays small.
                state.folders.remove(dir);
            }
            self.done.notify_all();
            return result;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Folders> {
        match self.folders.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Syncs the folder itself (its entries: renames into it), on Unix; elsewhere there is nothing
/// a program can sync for a folder.
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_sync_of_a_real_folder_succeeds_and_a_missing_one_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let syncer = DirSyncer::default();
        syncer.sync(dir.path()).unwrap();
        let missing = dir.path().join("missing");
        let error = syncer.sync(&missing).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn callers_that_ask_together_share_syncs_and_each_waits_for_one_started_after_it_asked() {
        let syncer = Arc::new(DirSyncer::default());
        let syncs = Arc::new(AtomicUsize::new(0));
        let dir = PathBuf::from("/folder");
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (syncer, syncs, dir) = (syncer.clone(), syncs.clone(), dir.clone());
                std::thread::spawn(move || {
                    syncer.sync_with(&dir, |_| {
                        syncs.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        Ok(())
                    })
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        let syncs = syncs.load(Ordering::SeqCst);
        assert!((1..16).contains(&syncs), "16 callers took {syncs} syncs");
        assert!(
            syncer.lock().folders.is_empty(),
            "a settled folder is forgotten"
        );
    }

    #[test]
    fn a_caller_never_returns_on_a_sync_that_started_before_it_asked() {
        let syncer = Arc::new(DirSyncer::default());
        let dir = PathBuf::from("/folder");
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let first = {
            let (syncer, dir) = (syncer.clone(), dir.clone());
            std::thread::spawn(move || {
                syncer.sync_with(&dir, |_| {
                    entered_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
            })
        };
        entered_rx.recv().unwrap();
        // The first sync is running; a second caller must run a sync of its own after it.
        let second_synced = Arc::new(AtomicUsize::new(0));
        let second = {
            let (syncer, dir, count) = (syncer.clone(), dir.clone(), second_synced.clone());
            std::thread::spawn(move || {
                syncer.sync_with(&dir, |_| {
                    count.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
            })
        };
        release_tx.send(()).unwrap();
        first.join().unwrap().unwrap();
        second.join().unwrap().unwrap();
        assert_eq!(second_synced.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_failed_sync_fails_every_caller_it_was_meant_to_cover() {
        let syncer = DirSyncer::default();
        let error = syncer
            .sync_with(Path::new("/folder"), |_| Err(io::Error::other("disk gone")))
            .unwrap_err();
        assert!(error.to_string().contains("disk gone"));
        // A later caller is not covered by the failed sync: it syncs again.
        syncer.sync_with(Path::new("/folder"), |_| Ok(())).unwrap();
    }
}
