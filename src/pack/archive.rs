//! Reads a built pack archive back: its embedded pack manifest and the size its files take once
//! extracted. Used by `pack index`; the installer does its own, stricter, checks.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::BuildError;
use crate::model::PackManifest;
use crate::model::pack_manifest::ARCHIVE_MANIFEST_NAME;

/// The largest embedded manifest read (a manifest is a few KB; this bounds hostile archives).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// A pack archive's embedded manifest and install size.
#[derive(Debug, Clone)]
pub struct ArchiveInfo {
    /// The manifest the packager embedded.
    pub manifest: PackManifest,
    /// The sum of the uncompressed sizes of the pack's files (the manifest entry excluded).
    pub install_size: u64,
    /// Entries in the archive, the manifest's included.
    pub entries: usize,
}

/// Opens the archive at `path` and reads its manifest and sizes.
pub fn read_info(path: &Path) -> Result<ArchiveInfo, BuildError> {
    let archive_error = |problem: String| BuildError::Archive {
        path: path.to_path_buf(),
        problem,
    };
    let file = File::open(path).map_err(BuildError::read(path))?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| archive_error(e.to_string()))?;
    let mut install_size = 0u64;
    let mut entries = 0usize;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| archive_error(e.to_string()))?;
        let name = entry.name().map_err(|e| archive_error(e.to_string()))?;
        if entry.is_file() && name != ARCHIVE_MANIFEST_NAME {
            install_size = install_size.saturating_add(entry.size());
            entries += 1;
        }
    }
    let manifest_text = {
        let entry = zip.by_name(ARCHIVE_MANIFEST_NAME).map_err(|_| {
            archive_error(format!(
                "it has no `{ARCHIVE_MANIFEST_NAME}`; build it with `bgassets pack build`"
            ))
        })?;
        let mut text = String::new();
        entry
            .take(MAX_MANIFEST_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| archive_error(format!("cannot read `{ARCHIVE_MANIFEST_NAME}`: {e}")))?;
        text
    };
    let input = format!("{}:{ARCHIVE_MANIFEST_NAME}", path.display());
    let manifest = PackManifest::parse(&input, &manifest_text)?;
    Ok(ArchiveInfo {
        manifest,
        install_size,
        entries,
    })
}
