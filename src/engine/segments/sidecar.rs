//! The record of a segmented partial file, `DESTINATION.partial.segments` beside it: the file's
//! size, the validator its bytes were fetched under, and which byte ranges are on disk. It is
//! written atomically, and only after the partial file was `fdatasync`ed, so every range it
//! names survives a crash; bytes written since the last record are fetched again.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::extents::Extents;

/// The largest record read: a valid one is a few KiB at most.
const MAX_BYTES: u64 = 1 << 20;

/// What a record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// The whole file's size.
    pub total: u64,
    /// The `If-Range` value the bytes were fetched under (`None` when only the pinned SHA-256
    /// vouches for them).
    pub validator: Option<String>,
    /// The byte ranges on disk.
    pub extents: Extents,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    total: u64,
    validator: Option<String>,
    done: Vec<[u64; 2]>,
}

/// `PARTIAL.segments`.
pub fn path(partial: &Path) -> PathBuf {
    let mut name = partial.file_name().unwrap_or_default().to_os_string();
    name.push(".segments");
    partial.with_file_name(name)
}

/// Saves the record for `partial` (written atomically, folder synced).
pub fn save(partial: &Path, sidecar: &Sidecar) -> std::io::Result<()> {
    let saved = Saved {
        total: sidecar.total,
        validator: sidecar.validator.clone(),
        done: sidecar.extents.list(),
    };
    let bytes = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
    crate::store::atomic::write_atomically(&path(partial), &bytes)
}

/// The record for `partial`: `Ok(None)` when there is none, `Err` with what is wrong when it
/// cannot be trusted (unreadable, too big, malformed, ranges outside the file).
pub fn load(partial: &Path) -> Result<Option<Sidecar>, String> {
    let path = path(partial);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("{}: more than {MAX_BYTES} bytes", path.display()));
    }
    let saved: Saved = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not a segment record: {e}", path.display()))?;
    let extents = Extents::from_list(&saved.done, saved.total)
        .ok_or_else(|| format!("{}: ranges outside the file", path.display()))?;
    Ok(Some(Sidecar {
        total: saved.total,
        validator: saved.validator,
        extents,
    }))
}

/// Deletes the partial file and its record (bgassets created both).
pub fn remove_with_partial(partial: &Path) {
    let _ = std::fs::remove_file(partial);
    let _ = std::fs::remove_file(path(partial));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_a_bad_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("f.zip.partial");
        assert_eq!(load(&partial), Ok(None));
        let record = Sidecar {
            total: 100,
            validator: Some("\"e\"".into()),
            extents: Extents::from_list(&[[0, 10], [50, 60]], 100).unwrap(),
        };
        save(&partial, &record).unwrap();
        assert!(dir.path().join("f.zip.partial.segments").exists());
        assert_eq!(load(&partial), Ok(Some(record)));
        std::fs::write(
            path(&partial),
            br#"{"total":10,"validator":null,"done":[[0,11]]}"#,
        )
        .unwrap();
        assert!(load(&partial).unwrap_err().contains("outside"));
        std::fs::write(path(&partial), vec![b' '; (MAX_BYTES + 1) as usize]).unwrap();
        assert!(load(&partial).unwrap_err().contains("more than"));
        std::fs::write(&partial, b"x").unwrap();
        remove_with_partial(&partial);
        assert!(!partial.exists() && !path(&partial).exists());
    }
}
