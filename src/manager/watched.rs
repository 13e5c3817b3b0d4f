//! What the watched-folder scan remembers, so that an unchanged app is not read again: each
//! entry's Info.plist by size and modification time (its [`Fingerprint`]) and whether it was
//! registered. Before issue 15 every scan (every 5 s) re-read and re-parsed every Info.plist in
//! every watched folder; now a scan lists the folders and looks at each plist's metadata, and
//! reads only an entry that is new, changed, or registered before and no longer (an app
//! unregistered by hand whose plist is still in the folder comes back, as it always did).
//! An entry that cannot be read or registered is said once in the log, then left alone until it
//! changes, rather than tried (and, for registration errors, logged) on every scan.
//! [`must_read`] is the decision, pure and tested in place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// An Info.plist's size and last modification: when both are unchanged, so is the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
}

impl Fingerprint {
    /// The fingerprint of the Info.plist of the watched-folder entry `entry` (a plist, or a
    /// folder holding one); `None` when there is none or it cannot be looked at.
    pub fn of(entry: &Path) -> Option<Self> {
        let plist = super::registry::find_info_plist(entry).ok()?;
        let metadata = std::fs::metadata(plist).ok()?;
        Some(Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// What became of an entry the last time it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Registered (or already registered at this version) from this Info.plist.
    Registered(PathBuf),
    /// It could not be read or registered (said in the log).
    Refused,
}

/// An entry as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub fingerprint: Fingerprint,
    pub outcome: Outcome,
}

/// Whether a scan must read the entry whose plist now has `now` (`None`: could not be looked
/// at), `previous` being what the last read found and `registered(plist)` telling whether an
/// app is registered from `plist` today.
pub fn must_read(
    previous: Option<&Remembered>,
    now: Option<Fingerprint>,
    registered: impl Fn(&Path) -> bool,
) -> bool {
    let (Some(previous), Some(now)) = (previous, now) else {
        return true;
    };
    if previous.fingerprint != now {
        return true;
    }
    match &previous.outcome {
        Outcome::Registered(plist) => !registered(plist),
        Outcome::Refused => false,
    }
}

/// The entries of the watched folders as last read, by entry path.
#[derive(Debug, Default)]
pub struct Watched {
    entries: HashMap<PathBuf, Remembered>,
}

impl Watched {
    /// What the last read of `entry` found.
    pub fn get(&self, entry: &Path) -> Option<&Remembered> {
        self.entries.get(entry)
    }

    /// Remembers what reading `entry` found.
    pub fn remember(&mut self, entry: PathBuf, fingerprint: Fingerprint, outcome: Outcome) {
        self.entries.insert(
            entry,
            Remembered {
                fingerprint,
                outcome,
            },
        );
    }

    /// Forgets entries no longer in any watched folder (`present`), so a folder that comes
    /// back is read again.
    pub fn keep_only(&mut self, present: &std::collections::HashSet<PathBuf>) {
        self.entries.retain(|entry, _| present.contains(entry));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn print(len: u64, seconds: u64) -> Fingerprint {
        Fingerprint {
            len,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)),
        }
    }

    #[test]
    fn an_unchanged_registered_app_is_not_read_again() {
        let plist = PathBuf::from("/w/Foo.app/Contents/Info.plist");
        let seen = Remembered {
            fingerprint: print(100, 5),
            outcome: Outcome::Registered(plist.clone()),
        };
        assert!(!must_read(Some(&seen), Some(print(100, 5)), |_| true));
        // Unregistered by hand since: registered again, as before.
        assert!(must_read(Some(&seen), Some(print(100, 5)), |_| false));
    }

    #[test]
    fn new_changed_or_unreadable_entries_are_read() {
        let seen = Remembered {
            fingerprint: print(100, 5),
            outcome: Outcome::Registered(PathBuf::from("/w/a.plist")),
        };
        assert!(must_read(None, Some(print(100, 5)), |_| true), "new");
        assert!(
            must_read(Some(&seen), Some(print(101, 5)), |_| true),
            "size"
        );
        assert!(
            must_read(Some(&seen), Some(print(100, 6)), |_| true),
            "time"
        );
        assert!(must_read(Some(&seen), None, |_| true), "cannot look");
    }

    #[test]
    fn a_refused_entry_waits_for_a_change() {
        let seen = Remembered {
            fingerprint: print(7, 1),
            outcome: Outcome::Refused,
        };
        assert!(!must_read(Some(&seen), Some(print(7, 1)), |_| false));
        assert!(must_read(Some(&seen), Some(print(8, 2)), |_| false));
    }

    #[test]
    fn fingerprints_a_real_plist_and_forgets_what_went() {
        let dir = tempfile::tempdir().unwrap();
        let plist = dir.path().join("a.plist");
        std::fs::write(&plist, b"<plist/>").unwrap();
        let first = Fingerprint::of(&plist).unwrap();
        assert_eq!(Fingerprint::of(&plist), Some(first));
        std::fs::write(&plist, b"<plist></plist>").unwrap();
        assert_ne!(Fingerprint::of(&plist), Some(first), "the size moved");
        assert_eq!(Fingerprint::of(&dir.path().join("gone.plist")), None);

        let mut watched = Watched::default();
        watched.remember(plist.clone(), first, Outcome::Refused);
        watched.keep_only(&Default::default());
        assert_eq!(watched.get(&plist), None);
    }
}
