//! Removing one file named relative to a folder, never following a link on the way: on Unix
//! each folder is opened relative to the one before with `O_NOFOLLOW`, and the file unlinked
//! relative to its own folder, so a folder swapped for a link at any moment (between a check
//! and the removal, or during it) cannot send the removal outside. Elsewhere the path is
//! resolved and checked first, then removed.

use std::io;
use std::path::Path;

/// Removes the file `root/<relative>` (`relative`: `/`-separated plain names, checked before),
/// refusing to pass through a link. The error is the system's (or "not a plain name"); the
/// caller names the path.
#[cfg(unix)]
pub fn remove_file(root: &Path, relative: &str) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    let name = |part: &str| {
        if matches!(part, "" | "." | "..") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a plain name",
            ));
        }
        CString::new(part).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte"))
    };
    let open = |at: libc::c_int, path: &CString, follow: bool| -> io::Result<OwnedFd> {
        let flags = libc::O_RDONLY
            | libc::O_DIRECTORY
            | libc::O_CLOEXEC
            | if follow { 0 } else { libc::O_NOFOLLOW };
        // SAFETY: `openat` reads a NUL-terminated name we own; the descriptor it returns is ours
        // alone, owned from here on.
        let fd = unsafe { libc::openat(at, path.as_ptr(), flags) };
        if fd < 0 {
            Err(io::Error::last_os_error())
        } else {
            // SAFETY: `fd` was just opened and is not owned by anything else.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    };
    let root = CString::new(root.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the folder"))?;
    // The root is the caller's own, resolved folder: the only name that may be followed.
    let mut folder = open(libc::AT_FDCWD, &root, true)?;
    let (parents, file) = match relative.rsplit_once('/') {
        Some((parents, file)) => (Some(parents), file),
        None => (None, relative),
    };
    for part in parents.into_iter().flat_map(|p| p.split('/')) {
        folder = open(folder.as_raw_fd(), &name(part)?, false)?;
    }
    // SAFETY: `unlinkat` reads a NUL-terminated name we own, relative to a folder we hold open;
    // without AT_REMOVEDIR it removes a non-folder entry, a link itself never what it names.
    let done = unsafe { libc::unlinkat(folder.as_raw_fd(), name(file)?.as_ptr(), 0) };
    if done < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Removes the file `root/<relative>` once its folder resolves to where it is spelled.
#[cfg(not(unix))]
pub fn remove_file(root: &Path, relative: &str) -> io::Result<()> {
    let path = crate::patch::joined(root, relative);
    let parent = path.parent().map(Path::to_path_buf);
    if parent.as_ref().and_then(|p| std::fs::canonicalize(p).ok()) != parent {
        return Err(io::Error::other("a folder on its way is no longer one"));
    }
    std::fs::remove_file(path)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_removed_beneath_its_folder_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (inside, outside) = (root.join("in"), root.join("out"));
        std::fs::create_dir_all(inside.join("a/b")).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(inside.join("a/b/f"), "x").unwrap();
        std::fs::write(inside.join("top"), "x").unwrap();
        remove_file(&inside, "a/b/f").unwrap();
        remove_file(&inside, "top").unwrap();
        assert!(!inside.join("a/b/f").exists() && !inside.join("top").exists());
        // A folder on the way swapped for a link to another folder: refused, nothing removed.
        std::fs::write(outside.join("f"), "keep").unwrap();
        std::fs::remove_dir(inside.join("a/b")).unwrap();
        std::os::unix::fs::symlink(&outside, inside.join("a/b")).unwrap();
        let refused = remove_file(&inside, "a/b/f");
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(std::fs::read_to_string(outside.join("f")).unwrap(), "keep");
        // The file itself a link: the link goes, what it names stays.
        std::os::unix::fs::symlink(outside.join("f"), inside.join("link")).unwrap();
        remove_file(&inside, "link").unwrap();
        assert_eq!(std::fs::read_to_string(outside.join("f")).unwrap(), "keep");
        assert!(remove_file(&inside, "missing").is_err());
        std::fs::write(inside.join("a/g"), "x").unwrap();
        for odd in ["a/../a/g", "./a/g", "a//g", "a/g/.."] {
            assert!(remove_file(&inside, odd).is_err(), "{odd}");
        }
        assert!(inside.join("a/g").exists());
    }
}
