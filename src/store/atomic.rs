//! Atomic file replacement: the bytes go to `NAME.partial` beside the target, are synced, and the
//! file is renamed over the target; the folder is then synced so the rename survives power loss.
//! Writers of the same file in this process take turns ([`Turn`]): they would share the one
//! partial file, and one would rename it while another still wrote into it. Other processes
//! are kept out of the data dir by its lock.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

/// The files being written now, and a signal when one is done.
static WRITING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
static DONE: Condvar = Condvar::new();

/// This writer's turn at one file: the others wait until it is dropped.
struct Turn(PathBuf);

impl Turn {
    fn take(path: &Path) -> Self {
        let mut writing = WRITING.lock().unwrap_or_else(PoisonError::into_inner);
        while writing.contains(path) {
            writing = DONE.wait(writing).unwrap_or_else(PoisonError::into_inner);
        }
        writing.insert(path.to_path_buf());
        Self(path.to_path_buf())
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        WRITING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.0);
        DONE.notify_all();
    }
}

/// `dir/name` → `dir/name.partial`, in the same folder so the rename is atomic.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically, creating its folder if needed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, false)
}

/// [`write_atomically`] for a file only its owner may read (mode 0600 on Unix): the state files,
/// which hold the headers (a bearer token) an app gives its downloads.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, true)
}

fn write_with(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let _turn = Turn::take(path);
    let partial = partial_path(path);
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            // An older partial file keeps its mode through `open`: set it again.
            if let Ok(file) = fs::File::open(&partial) {
                let _ = file.set_permissions(fs::Permissions::from_mode(0o600));
            }
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&partial)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        fs::rename(&partial, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result?;
    sync_parent(path);
    Ok(())
}

/// Syncs the folder holding `path` (Unix), making a rename into it durable.
pub fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_partial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/state.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(!partial_path(&path).exists());
    }

    #[test]
    fn writers_of_the_same_file_at_once_never_fail_nor_mix_their_bytes() {
        // Two tasks caching the same manifest at once shared `NAME.partial`: one renamed it
        // while the other was still writing into it (now the target), and the other failed.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifests/app.json");
        let contents: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 64 << 10]).collect();
        std::thread::scope(|scope| {
            for bytes in &contents {
                let path = &path;
                scope.spawn(move || {
                    for _ in 0..20 {
                        write_atomically(path, bytes).unwrap();
                        let now = fs::read(path).unwrap();
                        assert!(contents_one_of(&now), "mixed bytes");
                    }
                });
            }
        });
        assert!(contents.contains(&fs::read(&path).unwrap()));
        assert!(!partial_path(&path).exists());
    }

    /// Whether `bytes` is one writer's whole content: 64 KiB of one letter.
    fn contents_one_of(bytes: &[u8]) -> bool {
        bytes.len() == 64 << 10 && bytes.iter().all(|b| *b == bytes[0])
    }
}
