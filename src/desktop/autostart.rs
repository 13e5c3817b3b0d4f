//! Start at login. Linux and other freedesktop systems: an XDG autostart entry,
//! `$XDG_CONFIG_HOME/autostart/bgassets.desktop`, starting `EXE --minimized`. macOS: a
//! LaunchAgent in `~/Library/LaunchAgents`. Windows: the `bgassets` value of the user's `Run`
//! key, through `reg.exe`.
//!
//! Enabling writes bgassets' own entry (replacing an older one of its own, never a user's);
//! disabling removes it only when it is bgassets' own (its marker key), and reports a user's
//! file, which stays. The window's preference and `bgassets autostart on|off|status` both call
//! [`enable`], [`disable`], [`status`] and [`is_enabled`].

use std::path::{Path, PathBuf};

use super::DesktopError;
use super::entry::{self, AUTOSTART_MARKER};

/// Whether bgassets starts at login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Autostart {
    /// bgassets' own entry is in place.
    On {
        /// The entry (a file, or the `Run` key's value).
        at: PathBuf,
    },
    /// No entry.
    Off {
        /// Where bgassets' entry would be.
        at: PathBuf,
    },
    /// An entry that bgassets did not write is in place; bgassets leaves it alone.
    Users {
        /// The entry.
        at: PathBuf,
    },
}

impl std::fmt::Display for Autostart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::On { at } => write!(f, "on: {} starts bgassets at login", at.display()),
            Self::Off { at } => write!(f, "off: no {}", at.display()),
            Self::Users { at } => write!(
                f,
                "{} exists but is not bgassets' own; bgassets leaves it alone",
                at.display()
            ),
        }
    }
}

/// Whether bgassets' own entry starts it at login.
pub fn is_enabled() -> Result<bool, DesktopError> {
    Ok(matches!(status()?, Autostart::On { .. }))
}

/// The entry's state on this platform.
pub fn status() -> Result<Autostart, DesktopError> {
    platform::status()
}

/// Writes bgassets' entry for the running executable; returns where.
pub fn enable() -> Result<PathBuf, DesktopError> {
    platform::enable(&super::current_exe()?)
}

/// Removes bgassets' entry: `Off` afterwards, or an error naming a user's entry left alone.
pub fn disable() -> Result<Autostart, DesktopError> {
    platform::disable()
}

/// An entry that is a file: where it goes, what it holds, how to tell it is bgassets'.
#[derive(Debug)]
pub struct FileEntry {
    /// The file.
    pub path: PathBuf,
    /// Whether a file's bytes are bgassets' own entry.
    pub is_ours: fn(&[u8]) -> bool,
    /// How [`FileEntry::is_ours`] tells, for messages.
    pub marker: &'static str,
}

impl FileEntry {
    /// The XDG autostart entry in `autostart_dir`.
    pub fn xdg(autostart_dir: &Path) -> Self {
        Self {
            path: autostart_dir.join(entry::FILE_NAME),
            is_ours: |bytes| entry::is_ours(bytes, AUTOSTART_MARKER),
            marker: "no X-bgassets-Autostart=true",
        }
    }

    /// The LaunchAgent in `launch_agents_dir`.
    pub fn launch_agent(launch_agents_dir: &Path) -> Self {
        Self {
            path: launch_agents_dir.join(format!("{}.plist", super::launch::LAUNCH_AGENT_LABEL)),
            is_ours: super::launch::is_our_launch_agent,
            marker: "no X-bgassets-Autostart key set to true",
        }
    }

    /// The entry's state.
    pub fn status(&self) -> Result<Autostart, DesktopError> {
        let at = self.path.clone();
        let exists = std::fs::symlink_metadata(&self.path).is_ok();
        Ok(match super::read_small(&self.path)? {
            Some(bytes) if (self.is_ours)(&bytes) => Autostart::On { at },
            None if !exists => Autostart::Off { at },
            _ => Autostart::Users { at },
        })
    }

    /// Writes `contents` unless a user's file is in the way.
    pub fn enable(&self, contents: &str) -> Result<PathBuf, DesktopError> {
        if let Autostart::Users { at } = self.status()? {
            return Err(self.not_ours(at));
        }
        crate::store::write_atomically(&self.path, contents.as_bytes())
            .map_err(|error| DesktopError::io("write", &self.path, error))?;
        Ok(self.path.clone())
    }

    /// Removes the file when it is bgassets' own.
    pub fn disable(&self) -> Result<Autostart, DesktopError> {
        match self.status()? {
            Autostart::On { at } => {
                std::fs::remove_file(&at)
                    .map_err(|error| DesktopError::io("remove", &at, error))?;
                Ok(Autostart::Off { at })
            }
            Autostart::Users { at } => Err(self.not_ours(at)),
            off => Ok(off),
        }
    }

    fn not_ours(&self, path: PathBuf) -> DesktopError {
        DesktopError::NotOurs {
            path,
            why: self.marker,
        }
    }
}

#[cfg(not(any(target_os = "macos", windows)))]
mod platform {
    use super::*;

    fn file() -> Result<FileEntry, DesktopError> {
        Ok(FileEntry::xdg(
            &super::super::Locations::from_env()?.autostart_dir(),
        ))
    }

    pub fn status() -> Result<Autostart, DesktopError> {
        file()?.status()
    }

    pub fn enable(exe: &Path) -> Result<PathBuf, DesktopError> {
        file()?.enable(&entry::autostart_entry(exe)?)
    }

    pub fn disable() -> Result<Autostart, DesktopError> {
        file()?.disable()
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    fn file() -> Result<FileEntry, DesktopError> {
        Ok(FileEntry::launch_agent(
            &super::super::Locations::from_env()?.launch_agents_dir(),
        ))
    }

    pub fn status() -> Result<Autostart, DesktopError> {
        file()?.status()
    }

    pub fn enable(exe: &Path) -> Result<PathBuf, DesktopError> {
        file()?.enable(&super::super::launch::launch_agent(exe)?)
    }

    pub fn disable() -> Result<Autostart, DesktopError> {
        file()?.disable()
    }
}

#[cfg(windows)]
mod platform {
    pub use super::super::run_key::{disable, enable, status};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enable_then_disable_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileEntry::xdg(&dir.path().join("autostart"));
        assert!(matches!(file.status().unwrap(), Autostart::Off { .. }));
        let text = entry::autostart_entry(Path::new("/usr/bin/bgassets")).unwrap();
        let at = file.enable(&text).unwrap();
        assert_eq!(std::fs::read_to_string(&at).unwrap(), text);
        assert!(matches!(file.status().unwrap(), Autostart::On { .. }));
        assert!(matches!(file.disable().unwrap(), Autostart::Off { .. }));
        assert!(!at.exists());
        assert!(matches!(file.disable().unwrap(), Autostart::Off { .. }));
    }

    #[test]
    fn a_users_entry_is_neither_replaced_nor_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileEntry::xdg(dir.path());
        let users = "[Desktop Entry]\nType=Application\nName=mine\nExec=/bin/true\n";
        std::fs::write(&file.path, users).unwrap();
        assert!(matches!(file.status().unwrap(), Autostart::Users { .. }));
        let text = entry::autostart_entry(Path::new("/usr/bin/bgassets")).unwrap();
        assert!(matches!(
            file.enable(&text),
            Err(DesktopError::NotOurs { .. })
        ));
        let refused = file.disable().unwrap_err();
        assert!(refused.to_string().contains("left alone"), "{refused}");
        assert_eq!(std::fs::read_to_string(&file.path).unwrap(), users);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_the_way_is_the_users() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileEntry::xdg(dir.path());
        let target = dir.path().join("elsewhere");
        let text = entry::autostart_entry(Path::new("/usr/bin/bgassets")).unwrap();
        std::fs::write(&target, &text).unwrap();
        std::os::unix::fs::symlink(&target, &file.path).unwrap();
        assert!(matches!(file.status().unwrap(), Autostart::Users { .. }));
        assert!(file.disable().is_err());
        assert!(target.exists() && file.path.symlink_metadata().is_ok());
    }
}

/// Starting at login as the window's Preferences change it: the platform's entry for the
/// running executable, or (tests) an XDG entry in a folder of their own.
pub trait StartAtLogin: Send + Sync + std::fmt::Debug {
    /// The entry's state.
    fn status(&self) -> Result<Autostart, DesktopError>;
    /// Writes (`true`) or removes (`false`) bgassets' entry; the state afterwards.
    fn set(&self, on: bool) -> Result<Autostart, DesktopError>;
}

/// This platform's entry, for the running executable.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLogin;

impl StartAtLogin for SystemLogin {
    fn status(&self) -> Result<Autostart, DesktopError> {
        status()
    }

    fn set(&self, on: bool) -> Result<Autostart, DesktopError> {
        if on {
            enable().map(|at| Autostart::On { at })
        } else {
            disable()
        }
    }
}

/// An XDG entry in a folder of its own, starting `exe`.
#[derive(Debug)]
pub struct XdgLogin {
    /// The entry.
    pub entry: FileEntry,
    /// The executable it starts.
    pub exe: PathBuf,
}

impl StartAtLogin for XdgLogin {
    fn status(&self) -> Result<Autostart, DesktopError> {
        self.entry.status()
    }

    fn set(&self, on: bool) -> Result<Autostart, DesktopError> {
        if on {
            let contents = entry::autostart_entry(&self.exe)?;
            self.entry.enable(&contents).map(|at| Autostart::On { at })
        } else {
            self.entry.disable()
        }
    }
}
