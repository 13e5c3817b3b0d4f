//! `pack index`: the server manifest from built pack archives. Each pack's policy, version,
//! kind and languages come from the manifest embedded in its archive; its sizes and SHA-256 are
//! computed from the archive itself, so the manifest always matches the bytes served. Beside
//! each archive it writes the archive's per-file list ([`super::files`]), which the manifest
//! names (`files`) so managers can update the pack by delta.

use std::fs;
use std::path::{Path, PathBuf};

use super::BuildError;
use super::archive::read_info;
use super::hash::sha256_file;
use crate::model::{ManifestPack, ServerManifest};
use crate::store::write_atomically;

/// Builds the server manifest for `archives` and writes it to `output`.
///
/// Pack URLs are `base_url` + the archive's file name when `base_url` is given, and otherwise
/// the archive's path relative to the manifest's folder (the archives must then be inside it).
/// `progress` is called with the bytes hashed so far out of the total.
pub fn index(
    archives: &[PathBuf],
    base_url: Option<&str>,
    output: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<ServerManifest, BuildError> {
    if archives.is_empty() {
        return Err(BuildError::Index("no pack archives given".into()));
    }
    let mut sizes = Vec::with_capacity(archives.len());
    for archive in archives {
        sizes.push(
            fs::metadata(archive)
                .map_err(BuildError::read(archive))?
                .len(),
        );
    }
    let total: u64 = sizes.iter().sum();
    let manifest_dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut done = 0u64;
    let mut packs = Vec::with_capacity(archives.len());
    for archive in archives {
        let info = read_info(archive)?;
        let (sha256, download_size) = sha256_file(archive, |n| progress(done + n, total))?;
        done += download_size;
        let url = pack_url(archive, base_url, manifest_dir)?;
        // The list's URL is made like the archive's: the file must exist to be placed.
        let (list_path, mut files) = super::files::write_list(archive, String::new())?;
        files.url = pack_url(&list_path, base_url, manifest_dir)?;
        let manifest = info.manifest;
        packs.push(ManifestPack {
            id: manifest.id,
            version: manifest.version,
            download_policy: manifest.policy,
            url,
            mirrors: Vec::new(),
            download_size,
            install_size: info.install_size,
            sha256,
            name: manifest.name,
            kind: manifest.kind.unwrap_or_default(),
            platforms: manifest.platforms,
            languages: manifest.languages,
            localization_group: manifest.localization_group,
            user_info: manifest.user_info,
            files: Some(files),
        });
    }
    let manifest = ServerManifest::new(packs);
    manifest.validate(&output.display().to_string())?;
    write_atomically(output, manifest.to_json().as_bytes()).map_err(BuildError::write(output))?;
    Ok(manifest)
}

fn pack_url(
    archive: &Path,
    base_url: Option<&str>,
    manifest_dir: &Path,
) -> Result<String, BuildError> {
    if let Some(base) = base_url {
        let name = archive
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                BuildError::Index(format!("{} has no UTF-8 file name", archive.display()))
            })?;
        let separator = if base.is_empty() || base.ends_with('/') {
            ""
        } else {
            "/"
        };
        return Ok(format!("{base}{separator}{}", encode_segment(name)));
    }
    // A manifest folder that does not exist yet holds no archive: the check below says so.
    let dir = manifest_dir
        .canonicalize()
        .unwrap_or_else(|_| manifest_dir.to_path_buf());
    let file = archive.canonicalize().map_err(BuildError::read(archive))?;
    let relative = file.strip_prefix(&dir).map_err(|_| {
        BuildError::Index(format!(
            "{} is not inside {}, where the manifest goes: give --base-url with the URL the packs are served under",
            archive.display(),
            dir.display()
        ))
    })?;
    let mut segments = Vec::new();
    for component in relative.components() {
        let text = component.as_os_str().to_str().ok_or_else(|| {
            BuildError::Index(format!(
                "{} has a path that is not UTF-8",
                archive.display()
            ))
        })?;
        segments.push(encode_segment(text));
    }
    Ok(segments.join("/"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
