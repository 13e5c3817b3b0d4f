//! The controller capability: 256 random bits the socket server draws from the operating system
//! each time it starts and writes, as 64 hex digits, to a file only its user can read
//! ([`crate::store::Paths::capability_file`], beside the socket). A connection that says `hello`
//! with it is a controller (the window, `bgassets ctl`); without it a connection is at most an
//! app. The file is created under a fresh name with mode 0600 and renamed into place, so it is
//! never readable by others, not even for a moment, and a reader never sees half of one.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The capability's length in bytes (256 bits).
pub const LEN: usize = 32;

/// The most bytes read from a capability file: the hex digits and a newline, with room to spare.
const MAX_FILE: u64 = 4 * LEN as u64;

/// Why the capability could not be made, saved or read.
#[derive(Debug, thiserror::Error)]
pub enum CapabilityError {
    /// The operating system gave no random bytes.
    #[error("cannot draw random bytes for the controller capability")]
    Random(#[source] io::Error),
    /// The capability file could not be written, saved or read.
    #[error("cannot {action} the controller capability file {path}")]
    Io {
        /// What was being done: `write`, `save` or `read`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file does not hold 64 hex digits.
    #[error("the controller capability file {path} is not 64 hex digits: {problem}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents (never the contents themselves).
        problem: String,
    },
}

/// A controller capability.
#[derive(Clone, PartialEq, Eq)]
pub struct Capability([u8; LEN]);

impl std::fmt::Debug for Capability {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Capability(…)")
    }
}

impl Capability {
    /// A fresh capability from the operating system's random source.
    pub fn generate() -> Result<Self, CapabilityError> {
        let mut bytes = [0u8; LEN];
        fill_random(&mut bytes).map_err(CapabilityError::Random)?;
        Ok(Self(bytes))
    }

    /// The 64 lowercase hex digits sent in `hello`.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads 64 hex digits (either case); the error says what is wrong, never echoing the input.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 2 * LEN {
            return Err(format!(
                "{} characters instead of {}",
                text.chars().count(),
                2 * LEN
            ));
        }
        // Checked digit by digit: `from_str_radix` alone would take a leading `+`.
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a character that is not a hex digit".into());
        }
        let mut bytes = [0u8; LEN];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
        }
        Ok(Self(bytes))
    }

    /// Whether `offered` (hex, as a client sent it) is this capability. Compares in constant
    /// time, so the answer's timing says nothing about how many digits were right.
    pub fn matches(&self, offered: &str) -> bool {
        let Ok(offered) = Self::from_hex(offered) else {
            return false;
        };
        let difference = self
            .0
            .iter()
            .zip(offered.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(difference) == 0
    }

    /// Writes the capability to `path` with mode 0600: into a new file under a unique name in the
    /// same folder (refusing to follow anything already there), synced, then renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<(), CapabilityError> {
        let io_error = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| CapabilityError::Io {
                action,
                path,
                source,
            }
        };
        let temporary = path.with_file_name(format!(
            ".{}.{}-{}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = (|| {
            let mut file = create_private(&temporary)?;
            file.write_all(format!("{}\n", self.to_hex()).as_bytes())?;
            file.sync_all()
        })();
        let placed = written
            .map_err(io_error("write", &temporary))
            .and_then(|()| std::fs::rename(&temporary, path).map_err(io_error("save", path)));
        if placed.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        placed?;
        crate::store::atomic::sync_parent(path);
        Ok(())
    }

    /// Reads the capability a server saved at `path` (at most a few hundred bytes are read).
    pub fn load(path: &Path) -> Result<Self, CapabilityError> {
        let file = std::fs::File::open(path).map_err(|source| CapabilityError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let mut text = String::new();
        file.take(MAX_FILE)
            .read_to_string(&mut text)
            .map_err(|source| CapabilityError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })?;
        Self::from_hex(&text).map_err(|problem| CapabilityError::Malformed {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Removes the file at `path` if it still holds this capability (another server may have
    /// replaced it since).
    pub fn remove_if_ours(&self, path: &Path) {
        if Self::load(path).is_ok_and(|saved| saved == *self)
            && let Err(error) = std::fs::remove_file(path)
        {
            tracing::warn!(
                "cannot remove the controller capability file {}: {error}",
                path.display()
            );
        }
    }
}

/// The value of an ASCII hex digit (checked by the caller).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

/// A new file only its owner may read or write; fails if anything (a symlink included) is there.
#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    // No socket transport here yet (see `socket`); the file is the user's profile's.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Fills `bytes` from the kernel's random source.
#[cfg(unix)]
fn fill_random(bytes: &mut [u8]) -> io::Result<()> {
    std::fs::File::open("/dev/urandom")?.read_exact(bytes)
}

#[cfg(not(unix))]
fn fill_random(_bytes: &mut [u8]) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "the bgassets controller capability is not supported on this platform yet: it has no \
         local socket (named pipes are planned)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_only_the_same_capability_matches() {
        let one = Capability::generate().unwrap();
        let two = Capability::generate().unwrap();
        assert_ne!(one, two, "two draws of 256 bits are equal");
        let hex = one.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(Capability::from_hex(&hex).unwrap(), one);
        assert!(one.matches(&hex));
        assert!(one.matches(&hex.to_uppercase()));
        assert!(!one.matches(&two.to_hex()));
        assert!(!one.matches(&hex[..63]));
        assert!(!one.matches(""));
        let mut wrong = hex.clone();
        wrong.replace_range(63.., "g");
        assert!(!one.matches(&wrong));
        assert!(!one.matches(&format!("{}é", &hex[..62])));
        // `u8::from_str_radix` takes "+f": the regression this guards.
        assert!(!one.matches(&format!("+{}", &hex[1..])));
        assert_eq!(format!("{one:?}"), "Capability(…)");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_replaced_whole_and_removed_only_while_ours() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bgassets.capability");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let first = Capability::generate().unwrap();
        first.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(Capability::load(&path).unwrap(), first);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let second = Capability::generate().unwrap();
        second.save(&path).unwrap();
        first.remove_if_ours(&path);
        assert_eq!(Capability::load(&path).unwrap(), second);
        second.remove_if_ours(&path);
        assert!(!path.exists());

        std::fs::write(&path, "z".repeat(64)).unwrap();
        let error = Capability::load(&path).unwrap_err().to_string();
        assert!(error.contains("not 64 hex digits"), "{error}");
        std::fs::write(&path, "0".repeat(10_000)).unwrap();
        let error = Capability::load(&path).unwrap_err().to_string();
        assert!(error.contains("128 characters instead of 64"), "{error}");
    }
}
