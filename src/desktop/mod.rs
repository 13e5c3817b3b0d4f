//! bgassets' place on the desktop, outside its own data dir: the files it creates so that a
//! desktop starts it at login and lists it in its menu, and removes again (only its own).
//!
//! - [`locations`]: the user's folders from `HOME` and the XDG variables, validated (absolute).
//! - [`entry`]: desktop entry text (pure): the autostart and menu entries, `Exec` quoting, and
//!   recognising an entry bgassets wrote by its marker key.
//! - [`autostart`]: start at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, the
//!   `Run` key on Windows.
//! - [`launch`]: the macOS and Windows forms of the autostart entry (pure text, tested here).
//! - `run_key`: the Windows `Run` key through `reg.exe` (compiled everywhere, called on Windows).
//! - [`install`]: `bgassets install-desktop`: the menu entry and the hicolor icons (embedded in
//!   the binary), installed and uninstalled.
//!
//! bgassets never overwrites or removes a file it did not write: an entry is its own when it
//! carries the marker key, an icon when its bytes are exactly the embedded icon's.

pub mod autostart;
pub mod entry;
pub mod install;
pub mod launch;
pub mod locations;
#[cfg_attr(not(windows), allow(dead_code))]
mod run_key;

use std::path::PathBuf;

pub use locations::Locations;

/// What can go wrong placing bgassets on the desktop.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    /// An environment variable bgassets needs is missing or not an absolute path.
    #[error("{variable} is {problem}: cannot tell where the user's folders are")]
    Environment {
        /// The variable (`HOME`, `APPDATA`…).
        variable: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The running executable's path cannot be written into an entry.
    #[error("the executable path {path} cannot go in a desktop entry: {problem}")]
    ExecutablePath {
        /// The path.
        path: PathBuf,
        /// Why not.
        problem: &'static str,
    },
    /// A file is in the way and it is not bgassets': left alone.
    #[error("{path} exists and is not bgassets' own ({why}); left alone")]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// How that was told.
        why: &'static str,
    },
    /// A file operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done (`write`, `remove`, `read`…).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A helper program (`reg.exe`) failed.
    #[error("{program} failed: {detail}")]
    Program {
        /// The program.
        program: &'static str,
        /// Its exit status and error output.
        detail: String,
    },
    /// This platform has no such place (a menu entry outside freedesktop desktops).
    #[error("{what} is not available on this platform")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },
}

impl DesktopError {
    /// An I/O error while doing `action` on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The running executable, as an entry should start it.
pub fn current_exe() -> Result<PathBuf, DesktopError> {
    let path = std::env::current_exe()
        .map_err(|source| DesktopError::io("find", "the running executable", source))?;
    if !path.is_absolute() {
        return Err(DesktopError::ExecutablePath {
            path,
            problem: "not absolute",
        });
    }
    Ok(path)
}

/// Reads a small file that may be ours: `None` when it is absent, not a regular file (a
/// symlink or folder bgassets never makes), or larger than any entry bgassets writes.
pub(crate) fn read_small(path: &std::path::Path) -> Result<Option<Vec<u8>>, DesktopError> {
    const LIMIT: u64 = 1 << 20;
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(DesktopError::io("inspect", path, error)),
    };
    if !metadata.is_file() || metadata.len() > LIMIT {
        return Ok(None);
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|error| DesktopError::io("read", path, error))
}
