//! The per-file list `pack index` writes beside each archive (`NAME.files.json`): every file
//! the archive installs with its size and the SHA-256 of its bytes, so a manager updating the
//! pack can reuse unchanged files and fetch only the changed entries ([`crate::patch`]).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::BuildError;
use crate::install::entries::MANIFEST_FOLDER;
use crate::model::{FileListRef, Sha256Digest};
use crate::patch::list::{FileList, ListedFile};

/// The list's path for `archive`: `packs/tutorial.zip` → `packs/tutorial.files.json`.
pub fn list_path(archive: &Path) -> PathBuf {
    let stem = archive
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    archive.with_file_name(format!("{stem}.files.json"))
}

/// Lists the files of `archive`, hashing each one's bytes.
pub fn file_list(archive: &Path) -> Result<FileList, BuildError> {
    let refuse = |problem: String| BuildError::Archive {
        path: archive.to_path_buf(),
        problem,
    };
    let file = File::open(archive).map_err(BuildError::read(archive))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| refuse(e.to_string()))?;
    let mut files = Vec::new();
    let mut buffer = vec![0u8; 1 << 20];
    for index in 0..zip.len() {
        let entry = zip.by_index(index).map_err(|e| refuse(e.to_string()))?;
        let name = std::str::from_utf8(entry.name_raw())
            .map_err(|_| refuse("an entry's name is not UTF-8".into()))?
            .to_string();
        if entry.is_dir() || name.split('/').next() == Some(MANIFEST_FOLDER) {
            continue;
        }
        let size = entry.size();
        let mut reader = entry.take(size.saturating_add(1));
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            let read = reader
                .read(&mut buffer)
                .map_err(|e| refuse(format!("cannot read `{name}`: {e}")))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            total = total.saturating_add(read as u64);
        }
        if total != size {
            return Err(refuse(format!(
                "`{name}` holds {total} bytes, not the {size} it declares"
            )));
        }
        files.push(ListedFile {
            path: name,
            size,
            sha256: Sha256Digest(hasher.finalize().into()),
        });
    }
    Ok(FileList::new(files))
}

/// Writes the list of `archive` beside it and returns its bytes' size and SHA-256, with `url`
/// for the manifest.
pub fn write_list(archive: &Path, url: String) -> Result<(PathBuf, FileListRef), BuildError> {
    let list = file_list(archive)?;
    let text = list.to_json();
    let path = list_path(archive);
    // Only a list (of an earlier index) is ever replaced.
    if let Ok(old) = std::fs::read(&path)
        && serde_json::from_slice::<FileList>(&old).is_err()
    {
        return Err(BuildError::Refused {
            path,
            problem: "is not a file list of an earlier `pack index`, and the list of the \
                      archive beside it goes there: move or rename it"
                .into(),
        });
    }
    crate::store::write_atomically(&path, text.as_bytes()).map_err(BuildError::write(&path))?;
    Ok((
        path,
        FileListRef {
            url,
            size: text.len() as u64,
            sha256: Sha256Digest::of(text.as_bytes()),
        },
    ))
}
