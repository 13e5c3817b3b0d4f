//! A size-limited disk for full-disk tests: a tmpfs mounted at a fresh folder and unmounted on
//! drop. Mounting needs root (or CAP_SYS_ADMIN); where it is refused the test says why and is
//! skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted at a fresh folder, unmounted on drop.
pub struct SmallDisk {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (`mount -o size=…`), or prints why it cannot and returns `None`
    /// (the test is then skipped).
    pub fn mount(size: &str) -> Option<Self> {
        Self::try_mount(size)
            .map_err(|why| eprintln!("SKIPPED: {why}"))
            .ok()
    }

    /// Mounts a tmpfs of `size`, or fails the test: for tests that must not be skipped (CI
    /// runs as root).
    pub fn required(size: &str) -> Self {
        Self::try_mount(size).unwrap_or_else(|why| panic!("{why}"))
    }

    fn try_mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|error| format!("cannot run mount: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "cannot mount a {size} tmpfs at {} (root or CAP_SYS_ADMIN is needed): {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Self { _dir: dir, path })
    }

    /// The bytes still free on the disk.
    pub fn free(&self) -> u64 {
        fs4::available_space(&self.path).unwrap()
    }

    /// Writes a file that leaves at most `left` bytes free (others may be writing too: it stops
    /// at the first "no space"); returns its path.
    pub fn fill_leaving(&self, left: u64) -> PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while self.free() > left {
            let take = (self.free() - left).min(chunk.len() as u64) as usize;
            match file.write_all(&chunk[..take]) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("{}: {e}", filler.display()),
            }
        }
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Every file under `dir`, by relative path, read whole.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    files
}
