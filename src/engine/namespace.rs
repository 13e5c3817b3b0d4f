//! One thread of the engine at a time creates a held body's file or renames a finished file
//! into place in a folder. The kernel does these one at a time in a folder anyway (under the
//! folder's lock), but its waiters spin on a CPU while the holder works, and the holder may
//! work long: on ext4 without a journal, allocating an inode skips every inode freed in the
//! last minutes, one lookup each. With 16 finishing threads and files recently deleted nearby,
//! that spinning was 15% of the CPU of 500 small downloads; waiting here, a thread sleeps
//! instead (docs/performance.md, "Direct writes"). Folders share [`STRIPES`] locks by a hash
//! of their path, so a folder that hangs (a stalled network mount) holds up few others.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

const STRIPES: usize = 16;

static LOCKS: [Mutex<()>; STRIPES] = [const { Mutex::new(()) }; STRIPES];

/// Runs `change` (a create or a rename of `path`) while no other thread of the process runs
/// one in the same folder (or another folder of the same stripe).
pub fn serialized<T>(path: &Path, change: impl FnOnce() -> T) -> T {
    let mut hasher = DefaultHasher::new();
    path.parent().hash(&mut hasher);
    let stripe = (hasher.finish() % STRIPES as u64) as usize;
    let _turn = LOCKS[stripe].lock().unwrap_or_else(PoisonError::into_inner);
    change()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_in_one_folder_never_overlap() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let inside = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for n in 0..8 {
                let inside = &inside;
                scope.spawn(move || {
                    for _ in 0..200 {
                        let path = Path::new("/data/packs").join(format!("f{n}.partial"));
                        serialized(&path, || {
                            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "overlap");
                            std::thread::yield_now();
                            inside.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                });
            }
        });
    }
}
