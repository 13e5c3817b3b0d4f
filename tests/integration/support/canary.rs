//! A canary folder beside the folder bgassets owns (nothing may be written there or deleted
//! from it), files written with their folders, and the id of a process that is gone.

use super::write;
use std::path::{Path, PathBuf};

/// A canary folder beside `root` (the data dir or the `--into` folder), and what it holds.
pub fn canary(root: &Path) -> (PathBuf, Vec<u8>) {
    let canary = root.parent().unwrap().join("canary");
    write(&canary.join("keep.txt"), b"the user's, beside");
    (canary, b"the user's, beside".to_vec())
}

pub fn assert_canary((canary, bytes): &(PathBuf, Vec<u8>)) {
    assert_eq!(&std::fs::read(canary.join("keep.txt")).unwrap(), bytes);
    assert_eq!(
        std::fs::read_dir(canary).unwrap().count(),
        1,
        "nothing written beside"
    );
}

/// The id of a process that has exited (and been reaped).
pub fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}
