//! The file system's own clock, read where the files are: a delta's stamps
//! ([`super::reuse::Stamp`]) prove a file unwritten since it was hashed only when the file's
//! times lie before a time that clock gave out before the hash began; any write after that gets
//! a change time at least as late, so it moves the stamp.
//!
//! The clock is read through a folder's change time, set by the file system itself when the
//! folder's times are touched (its own clock: a remote server's on NFS or SMB, the kernel tick
//! or a fine-grained time for multigrain timestamps on Linux 6.13+). It is touched until the
//! change time moves past its first reading, which lies after every change made before the
//! call (the links). Where it does not move within [`PATIENCE`], or there are no such times
//! (not Unix), there is no time to compare with: no stamps, and every reused file is hashed
//! again before the swap.

use std::path::Path;
use std::time::{Duration, Instant};

/// A time of the file system's clock (seconds and nanoseconds since 1970), as it keeps files'
/// times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FsTime(pub i64, pub i64);

/// The longest the clock is waited for (a step of a seconds-only clock is never waited out).
pub const PATIENCE: Duration = Duration::from_millis(100);

/// A time of `folder`'s file system clock after every change made before the call; every
/// change after the call gets a time at least as late. `None` when there is none (see the
/// module).
pub fn moved_past(folder: &Path) -> Option<FsTime> {
    let first = touched(folder)?;
    let start = Instant::now();
    loop {
        let now = touched(folder)?;
        if now > first {
            return Some(now);
        }
        if start.elapsed() > PATIENCE {
            return None;
        }
        std::thread::sleep(Duration::from_micros(250));
    }
}

/// Touches `folder`'s modification time (which has the file system set its change time) and
/// reads its change time.
#[cfg(unix)]
fn touched(folder: &Path) -> Option<FsTime> {
    use std::os::unix::fs::MetadataExt;
    let dir = std::fs::File::open(folder).ok()?;
    dir.set_modified(std::time::SystemTime::now()).ok()?;
    let metadata = dir.metadata().ok()?;
    Some(FsTime(metadata.ctime(), metadata.ctime_nsec()))
}

#[cfg(not(unix))]
fn touched(_folder: &Path) -> Option<FsTime> {
    None
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn changed(path: &Path) -> FsTime {
        let metadata = std::fs::symlink_metadata(path).unwrap();
        FsTime(metadata.ctime(), metadata.ctime_nsec())
    }

    #[test]
    fn the_clock_read_lies_after_every_earlier_change_and_before_no_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let before = dir.path().join("before");
        std::fs::write(&before, "a").unwrap();
        std::fs::hard_link(&before, dir.path().join("link")).unwrap();
        let at = moved_past(dir.path()).expect("a local file system's clock moves");
        assert!(changed(&before) < at, "{:?} < {at:?}", changed(&before));
        std::fs::write(&before, "b").unwrap();
        assert!(changed(&before) >= at, "a write after it is not before it");
        let after = dir.path().join("after");
        std::fs::write(&after, "c").unwrap();
        assert!(changed(&after) >= at);
        assert_eq!(moved_past(&dir.path().join("missing")), None);
    }
}
