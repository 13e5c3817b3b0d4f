//! The sparse local copy of the new archive: every fetched range written at its own offset, so
//! the zip reader finds the central directory and the changed entries where the archive has
//! them (the rest stays holes). Writes are of one received chunk each, to the page cache.

use std::fs::{File, OpenOptions};
use std::path::Path;

use super::{PatchError, plan};

/// The scratch file, empty and `size` bytes long (sparse where the file system allows).
pub fn open(path: &Path, size: u64) -> Result<File, PatchError> {
    let io = |action| {
        move |error| PatchError::Io {
            action,
            path: path.to_path_buf(),
            error,
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create the folder of"))?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(io("create"))?;
    file.set_len(size).map_err(io("size"))?;
    Ok(file)
}

/// The scratch file again, as it is, for the ranges [`super::follow`] fetches.
pub fn reopen(path: &Path) -> Result<File, PatchError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|error| PatchError::Io {
            action: "open",
            path: path.to_path_buf(),
            error,
        })
}

/// Every entry of the archive's central directory, read from the scratch copy.
pub async fn read_entries(scratch: &Path, url: &str) -> Result<Vec<plan::Entry>, PatchError> {
    let (scratch, shown) = (scratch.to_path_buf(), url.to_string());
    let read = tokio::task::spawn_blocking(move || -> Result<Vec<plan::Entry>, String> {
        let file = File::open(&scratch).map_err(|e| e.to_string())?;
        let zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        (0..zip.len())
            .map(|index| {
                let entry = zip.by_index_data(index).map_err(|e| e.to_string())?;
                let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
                Ok(plan::Entry {
                    is_dir: name.ends_with('/') || entry.is_dir(),
                    name: name.trim_end_matches('/').to_string(),
                    header_start: entry.header_start(),
                    compressed: entry.compressed_size(),
                    size: entry.size(),
                })
            })
            .collect()
    });
    read.await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| PatchError::Archive {
            url: shown,
            problem: format!("its central directory cannot be read ({e})"),
        })
}
