//! The one helper module of the integration tests: waits with timeouts, random bytes, test
//! sites served by the real mock server, servers that lie, plists, canaries, small disks and a
//! private D-Bus session bus (and a tray host on it).
//! Every area module takes what it needs from here; nothing is duplicated per area.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod alone;
pub mod canary;
pub mod crash;
pub mod dbus;
pub mod display;
pub mod engine;
pub mod faults;
pub mod install;
pub mod ipc;
pub mod liar;
pub mod manager;
pub mod model;
pub mod nginx;
pub mod plist;
pub mod seaweed;
pub mod serve;
pub mod small_disk;
pub mod sni;
pub mod wait;
pub mod window;

/// Every file, folder and symlink under `dir` with its content (a symlink: its target), to
/// prove a canary folder untouched.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::symlink_metadata(&path).expect("metadata");
        let relative = path.strip_prefix(dir).expect("under dir").to_path_buf();
        if metadata.is_symlink() {
            let target = std::fs::read_link(&path).expect("link");
            found.insert(relative, target.as_os_str().as_encoded_bytes().to_vec());
        } else if metadata.is_dir() {
            found.insert(relative, b"<dir>".to_vec());
            for entry in std::fs::read_dir(&path).expect("read dir") {
                pending.push(entry.expect("entry").path());
            }
        } else {
            found.insert(relative, std::fs::read(&path).expect("read"));
        }
    }
    found
}

/// Writes `bytes` at `path`, creating its folders.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Reproducible incompressible bytes: the same for the same seed, different across seeds. The
/// hostile-archive fixtures in `tests/data/archives/` are made from these, so the generator
/// stays as it is.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..len).map(|_| rng.u8(..)).collect()
}
