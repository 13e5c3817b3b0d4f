//! The file system's own clock, read where the files are: a delta's stamps
//! ([`super::reuse::Stamp`]) prove a file unwritten since it was hashed only when the file's
//! times lie before a time that clock gave out before the hash began; any write after that gets
//! a change time at least as late, so it moves the stamp.
//!
//! The clock is read through a folder's change time, set by the file system itself when the
//! folder's times are touched (the kernel tick, or a fine-grained time for multigrain
//! timestamps on Linux 6.13+). It is touched until the change time moves past its first
//! reading, which lies after every change made before the call (the links).
//!
//! A time alone misses a write that began before it and ends after the hash (the times are set
//! when a write starts), and a shared mapping's writes to a page already dirty: [`no_writer`]
//! makes sure, for each file about to be hashed, that nothing has it open for writing.
//!
//! Stamps are made only on Linux, on local file systems that keep their own times (ext2/3/4,
//! XFS, Btrfs, tmpfs, F2FS): a network file system caches attributes and keeps a server's
//! clock, and a FUSE daemon may make times up. Elsewhere, or where the clock does not move
//! within [`PATIENCE`], there is no time to compare with: no stamps, and every reused file is
//! hashed again right before the swap.

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
        // Past the patience, one last reading (a thread held up past it still gets its time).
        let expired = start.elapsed() > PATIENCE;
        let now = touched(folder)?;
        if now > first {
            return Some(now);
        }
        if expired {
            return None;
        }
        std::thread::sleep(Duration::from_micros(250));
    }
}

/// Touches `folder`'s modification time (which has the file system set its change time) and
/// reads its change time; `None` on a file system whose times prove nothing here.
#[cfg(target_os = "linux")]
fn touched(folder: &Path) -> Option<FsTime> {
    use std::os::unix::fs::MetadataExt;
    let dir = std::fs::File::open(folder).ok()?;
    if !keeps_own_times(&dir) {
        return None;
    }
    dir.set_modified(std::time::SystemTime::now()).ok()?;
    let metadata = dir.metadata().ok()?;
    Some(FsTime(metadata.ctime(), metadata.ctime_nsec()))
}

#[cfg(not(target_os = "linux"))]
fn touched(_folder: &Path) -> Option<FsTime> {
    None
}

/// Whether `dir` lies on a local file system that keeps its own files' times.
#[cfg(target_os = "linux")]
fn keeps_own_times(dir: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // ext2/3/4, XFS, Btrfs, tmpfs, F2FS (`statfs(2)`).
    const LOCAL: [u32; 5] = [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0xF2F5_2010];
    // SAFETY: `fstatfs` fills one `statfs` we own, from a descriptor we hold open.
    let kind = unsafe {
        let mut stats: libc::statfs = std::mem::zeroed();
        (libc::fstatfs(dir.as_raw_fd(), &mut stats) == 0).then_some(stats.f_type)
    };
    // `f_type` is `i64` here, `i32` or `u32` elsewhere: the magic is its low 32 bits.
    kind.is_some_and(|kind| LOCAL.contains(&(kind as u32)))
}

/// Whether nothing has `file` open for writing now (no descriptor, no shared writable
/// mapping): the kernel grants a read lease only then. The lease is given back at once; a
/// writer opening the file later writes after the time read, so its writes move the stamp.
/// `false` whenever anything fails (a lease refused, not given back, SIGIO not ignorable).
#[cfg(target_os = "linux")]
pub fn no_writer(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    sigio_ignored() && lease(fd, libc::F_RDLCK) && lease(fd, libc::F_UNLCK)
}

/// Takes (`F_RDLCK`) or gives back (`F_UNLCK`) a lease on `fd`.
#[cfg(target_os = "linux")]
fn lease(fd: std::os::fd::RawFd, kind: libc::c_int) -> bool {
    // SAFETY: `fcntl` with `F_SETLEASE` and an integer argument, on a descriptor the caller
    // holds open.
    unsafe { libc::fcntl(fd, libc::F_SETLEASE, kind) == 0 }
}

/// Taking a lease makes this process the descriptor's owner, and a break of it (another
/// process opening the file for writing in the moment it is held: its open waits for the
/// lease to be given back) sends the owner SIGIO, which ends a process by default. SIGIO is
/// ignored, once, unless something already handles it (bgassets uses no `O_ASYNC`).
#[cfg(target_os = "linux")]
fn sigio_ignored() -> bool {
    static IGNORED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IGNORED.get_or_init(|| {
        // SAFETY: `sigaction` reads the current disposition into a zeroed `sigaction` we own,
        // then sets SIG_IGN (no handler runs) only where it was the default.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGIO, std::ptr::null(), &mut current) != 0 {
                return false;
            }
            if current.sa_sigaction != libc::SIG_DFL {
                return true;
            }
            let mut ignore: libc::sigaction = std::mem::zeroed();
            ignore.sa_sigaction = libc::SIG_IGN;
            libc::sigaction(libc::SIGIO, &ignore, std::ptr::null_mut()) == 0
        }
    })
}

/// Elsewhere there are no stamps (see the module).
#[cfg(not(target_os = "linux"))]
pub fn no_writer(_file: &std::fs::File) -> bool {
    false
}

#[cfg(test)]
#[cfg(target_os = "linux")]
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
        let Some(at) = moved_past(dir.path()) else {
            let folder = std::fs::File::open(dir.path()).unwrap();
            assert!(
                !keeps_own_times(&folder),
                "a local file system's clock moves"
            );
            return; // overlayfs, ZFS…: no stamps there, nothing to check
        };
        assert!(changed(&before) < at, "{:?} < {at:?}", changed(&before));
        std::fs::write(&before, "b").unwrap();
        assert!(changed(&before) >= at, "a write after it is not before it");
        let after = dir.path().join("after");
        std::fs::write(&after, "c").unwrap();
        assert!(changed(&after) >= at);
        assert_eq!(moved_past(&dir.path().join("missing")), None);
    }

    fn leases_disabled() -> bool {
        std::fs::read_to_string("/proc/sys/fs/leases-enable").is_ok_and(|v| v.trim() == "0")
    }

    #[test]
    fn a_file_open_for_writing_anywhere_has_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "abc").unwrap();
        let reading = std::fs::File::open(&path).unwrap();
        if leases_disabled() {
            return; // fs.leases-enable=0: no stamps anywhere, nothing to check
        }
        assert!(no_writer(&reading));
        let writing = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        assert!(!no_writer(&reading), "a descriptor open for writing");
        drop(writing);
        assert!(no_writer(&reading), "given back: nobody writes any more");
        let read_only_too = std::fs::File::open(&path).unwrap();
        assert!(no_writer(&read_only_too), "readers are no writers");
    }

    #[test]
    fn a_writer_opening_the_file_while_the_lease_is_held_neither_kills_nor_waits_long() {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "abc").unwrap();
        let reading = std::fs::File::open(&path).unwrap();
        if leases_disabled() {
            return;
        }
        assert!(sigio_ignored());
        assert!(lease(reading.as_raw_fd(), libc::F_RDLCK));
        // The break sends this process SIGIO: ignored, so the test goes on.
        let refused = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path);
        assert_eq!(
            refused.map_err(|e| e.raw_os_error()).err(),
            Some(Some(libc::EWOULDBLOCK)),
            "a non-blocking writer is told to come back"
        );
        assert!(lease(reading.as_raw_fd(), libc::F_UNLCK));
        let writing = std::fs::OpenOptions::new().write(true).open(&path);
        assert!(writing.is_ok(), "given back: writers open at once");
    }
}
