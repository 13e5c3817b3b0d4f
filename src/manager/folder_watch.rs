//! Change notifications for the watched folders (inotify, FSEvents or ReadDirectoryChangesW,
//! through the `notify` crate), so a scan runs when something in them changed rather than every
//! few seconds: an idle manager wakes for nothing.
//!
//! Watched, none of them recursively: each watched folder (entries added, removed, renamed, a
//! top-level plist written), each folder entry in it (its `Contents` or `Info.plist` appearing)
//! and each entry's `Contents` (its `Info.plist` written or replaced). A change asks for a scan
//! [`SETTLE`] after the first event of a burst (so at most four scans a second under a steady
//! writer, and a bundle being copied is read once it has landed); a scan that adds watches asks
//! for one more, in case a file arrived before its folder was watched. An event that removes or
//! renames something may have taken a watch with it (the platform drops the watch of a folder
//! deleted or moved away, and one made again under the same name is not watched): every watch
//! is then made anew at the next scan.
//!
//! Where a folder cannot be watched (it does not exist, or not yet; the platform refuses; the
//! watch limit is reached), the manager scans on its timer as before: [`next_scan`] decides.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long after the last change a scan runs.
pub const SETTLE: Duration = Duration::from_millis(250);

/// What an event may have done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Written or created something: a scan may find something new.
    Content,
    /// Removed or renamed something (or the platform lost events): watches may be gone too.
    Structure,
}

/// The watches of the watched folders, and the channel their events arrive on.
pub struct FolderWatch {
    watcher: Option<notify::RecommendedWatcher>,
    watching: BTreeSet<PathBuf>,
    /// Whether every path last asked for is watched.
    complete: bool,
}

impl FolderWatch {
    /// A watcher whose events wake `changed`'s receiver; without one (the platform refused, said
    /// in the log) every folder is scanned on the timer.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Change>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // Errors (a queue overflow among them) may have lost anything: all made anew.
            let change = match &event {
                Ok(event) if !is_change(&event.kind) => return,
                Ok(event) if !is_structural(&event.kind) => Change::Content,
                _ => Change::Structure,
            };
            let _ = sender.send(change);
        });
        let watcher = match watcher {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                tracing::warn!(
                    "cannot watch folders for changes ({error}); they are scanned every few seconds"
                );
                None
            }
        };
        let watch = Self {
            watcher,
            watching: BTreeSet::new(),
            complete: false,
        };
        (watch, receiver)
    }

    /// Forgets every watch, so the next [`FolderWatch::sync`] makes each anew.
    pub fn renew(&mut self) {
        if let Some(watcher) = self.watcher.as_mut() {
            for path in std::mem::take(&mut self.watching) {
                let _ = watcher.unwatch(&path);
            }
        }
    }

    /// Watches exactly `wanted` (adding and removing watches), `missing` telling whether some
    /// watched folder does not exist (then the timer scans); returns whether a watch was added.
    pub fn sync(&mut self, wanted: BTreeSet<PathBuf>, missing: bool) -> bool {
        let Some(watcher) = self.watcher.as_mut() else {
            self.complete = false;
            return false;
        };
        let (add, remove) = changes(&self.watching, &wanted);
        for path in remove {
            let _ = watcher.unwatch(&path);
            self.watching.remove(&path);
        }
        let mut added = false;
        for path in add {
            match watcher.watch(&path, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watching.insert(path);
                    added = true;
                }
                Err(error) => tracing::debug!("cannot watch {}: {error}", path.display()),
            }
        }
        self.complete = !missing && self.watching == wanted;
        added
    }

    /// Whether every folder asked for is watched.
    pub fn complete(&self) -> bool {
        self.complete
    }
}

/// Whether an event may change what a scan finds. Opening, reading and closing a file or folder
/// unwritten do not: the scan itself lists the folders and reads the plists, and would otherwise
/// set off the next scan forever.
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Whether an event may have removed a watched path (deleted, renamed, moved).
pub fn is_structural(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(_))
            | EventKind::Any
            | EventKind::Other
    )
}

/// The watches to add and to remove to go from `watching` to `wanted`.
pub fn changes(
    watching: &BTreeSet<PathBuf>,
    wanted: &BTreeSet<PathBuf>,
) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let add = wanted.difference(watching).cloned().collect();
    let remove = watching.difference(wanted).cloned().collect();
    (add, remove)
}

/// What to watch for the watched `folders`: each folder that exists, each folder in it (an app
/// bundle, complete or still arriving), and that one's `Contents` where there is one.
pub fn wanted(folders: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut wanted = BTreeSet::new();
    for folder in folders.iter().filter(|f| f.is_dir()) {
        wanted.insert(folder.clone());
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten().map(|e| e.path()).filter(|e| e.is_dir()) {
            let contents = entry.join("Contents");
            if contents.is_dir() {
                wanted.insert(contents);
            }
            wanted.insert(entry);
        }
    }
    wanted
}

/// When the next scan is due: [`SETTLE`] after a change (`changed_at`), or, where some folder is
/// not watched (`complete` false), `every` after the last scan; with everything watched and
/// nothing changed, never.
pub fn next_scan(
    last_scan: Instant,
    every: Duration,
    complete: bool,
    changed_at: Option<Instant>,
) -> Option<Instant> {
    let settled = changed_at.map(|at| at + SETTLE);
    let timer = (!complete).then(|| last_scan + every);
    match (settled, timer) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_manager_with_every_folder_watched_never_scans_on_a_timer() {
        let now = Instant::now();
        let every = Duration::from_secs(5);
        assert_eq!(next_scan(now, every, true, None), None);
        assert_eq!(next_scan(now, every, false, None), Some(now + every));
        let changed = now + Duration::from_secs(1);
        assert_eq!(
            next_scan(now, every, true, Some(changed)),
            Some(changed + SETTLE)
        );
        // A change late in the timer's period does not put off the timed scan.
        let late = now + Duration::from_secs(5);
        assert_eq!(next_scan(now, every, false, Some(late)), Some(now + every));
    }

    #[test]
    fn the_scans_own_reads_never_set_off_the_next_scan() {
        use notify::event::{CreateKind, RemoveKind, RenameMode};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Read)));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Create(CreateKind::Folder)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
        assert!(is_change(&EventKind::Remove(RemoveKind::File)));
        assert!(is_change(&EventKind::Other));
        // A folder deleted or renamed takes its watch along: every watch is made anew.
        assert!(is_structural(&EventKind::Remove(RemoveKind::Folder)));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::From));
        assert!(is_structural(&renamed));
        assert!(!is_structural(&EventKind::Create(CreateKind::File)));
        assert!(!is_structural(&EventKind::Modify(ModifyKind::Any)));
    }

    #[test]
    fn watches_follow_the_folders_and_entries_present() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("apps");
        let bundle = folder.join("Game.app");
        std::fs::create_dir_all(bundle.join("Contents")).unwrap();
        std::fs::write(folder.join("Tool.plist"), "").unwrap();
        let bare = folder.join("Copying.app");
        std::fs::create_dir(&bare).unwrap();
        let missing = dir.path().join("missing");
        let wanted = wanted(&[folder.clone(), missing]);
        let expected: BTreeSet<PathBuf> =
            [folder, bundle.clone(), bundle.join("Contents"), bare].into();
        assert_eq!(wanted, expected);
        let watching: BTreeSet<PathBuf> = [bundle.clone(), dir.path().join("gone")].into();
        let (add, remove) = changes(&watching, &wanted);
        assert_eq!(add.len(), 3);
        assert_eq!(remove, vec![dir.path().join("gone")]);
    }
}
