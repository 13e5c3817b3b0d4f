//! `pack build`: a byte-for-byte reproducible pack archive from a pack manifest and a root folder.
//!
//! Reproducible means the same manifest and file contents give the same bytes, whatever the
//! files' timestamps, owners or permissions, and whatever the order the file system lists them:
//! entries are sorted by name, every timestamp is 1980-01-01 00:00, every mode is 0644, the
//! "made by" system is Unix, and compression is deflate level 6 (or stored for formats that are
//! compressed already). The pack manifest, with its version and kind filled in, is embedded as
//! the first entry at `.bgassets/pack.json`. The archive is written beside the output as
//! `OUT.partial` and renamed into place, so a failed build never leaves a truncated archive.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use super::BuildError;
use super::collect::{SourceFile, collect};
use super::hash::sha256_file;
use crate::model::pack_manifest::ARCHIVE_MANIFEST_NAME;
use crate::model::{PackId, PackKind, PackManifest, Sha256Digest};
use crate::store::atomic::partial_path;

/// What a build produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
    /// The pack's id.
    #[serde(rename = "assetPackID")]
    pub id: PackId,
    /// The pack's version.
    pub version: u64,
    /// What the pack holds (from the manifest, or guessed from the files).
    pub kind: PackKind,
    /// The archive written.
    pub output: PathBuf,
    /// Files in the pack.
    pub files: usize,
    /// The archive's size in bytes.
    pub download_size: u64,
    /// The total size of the extracted files in bytes.
    pub install_size: u64,
    /// The archive's SHA-256.
    pub sha256: Sha256Digest,
}

/// Builds the archive for the manifest at `manifest_path`, collecting files under `root` into
/// `output`. `version` overrides the manifest's version.
pub fn build(
    manifest_path: &Path,
    root: &Path,
    output: &Path,
    version: Option<u64>,
) -> Result<BuildReport, BuildError> {
    build_with_progress(manifest_path, root, output, version, &mut |_, _| {})
}

/// [`build`], calling `progress` with the bytes archived so far and the total to archive.
pub fn build_with_progress(
    manifest_path: &Path,
    root: &Path,
    output: &Path,
    version: Option<u64>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<BuildReport, BuildError> {
    let text = fs::read_to_string(manifest_path).map_err(BuildError::read(manifest_path))?;
    let mut manifest = PackManifest::parse(&manifest_path.display().to_string(), &text)?;
    if let Some(version) = version {
        if version == 0 {
            return Err(BuildError::Index("--version must be 1 or more".into()));
        }
        manifest.version = version;
    }
    let files = collect(root, &manifest.selectors)?;
    let kind = manifest.kind.unwrap_or_else(|| guess_kind(&files));
    manifest.kind = Some(kind);
    write_archive(&manifest.to_json(), &files, output, progress)?;
    let (sha256, download_size) = sha256_file(output, |_| {})?;
    Ok(BuildReport {
        id: manifest.id,
        version: manifest.version,
        kind,
        output: output.to_path_buf(),
        files: files.len(),
        download_size,
        install_size: files.iter().map(|f| f.size).sum(),
        sha256,
    })
}

/// The kind most of the pack's bytes suggest, by file extension; `data` when nothing matches.
pub fn guess_kind(files: &[SourceFile]) -> PackKind {
    let mut bytes_by_kind: HashMap<PackKind, u64> = HashMap::new();
    for file in files {
        let extension = Path::new(&file.name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if let Some(kind) = PackKind::guess_from_extension(extension) {
            *bytes_by_kind.entry(kind).or_default() += file.size.max(1);
        }
    }
    PackKind::ALL
        .into_iter()
        .filter_map(|kind| bytes_by_kind.get(&kind).map(|bytes| (kind, *bytes)))
        .max_by_key(|(_, bytes)| *bytes)
        .map_or(PackKind::Data, |(kind, _)| kind)
}

fn write_archive(
    manifest_json: &str,
    files: &[SourceFile],
    output: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), BuildError> {
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(BuildError::write(parent))?;
    }
    let partial = partial_path(output);
    let result = write_zip(manifest_json, files, &partial, progress);
    if let Err(error) = result {
        let _ = fs::remove_file(&partial);
        return Err(error);
    }
    fs::rename(&partial, output).map_err(BuildError::write(output))
}

fn write_zip(
    manifest_json: &str,
    files: &[SourceFile],
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), BuildError> {
    let total: u64 = files.iter().map(|f| f.size).sum();
    let mut done = 0u64;
    let zip_error = |source| BuildError::Zip {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(BuildError::write(path))?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    zip.start_file(ARCHIVE_MANIFEST_NAME, options_for(ARCHIVE_MANIFEST_NAME, 0))
        .map_err(zip_error)?;
    zip.write_all(manifest_json.as_bytes())
        .map_err(BuildError::write(path))?;
    for source in files {
        zip.start_file(source.name.as_str(), options_for(&source.name, source.size))
            .map_err(zip_error)?;
        let file = File::open(&source.path).map_err(BuildError::read(&source.path))?;
        let mut input = Counting {
            inner: file,
            done: &mut done,
            total,
            progress: &mut *progress,
        };
        let before = *input.done;
        io::copy(&mut input, &mut zip).map_err(BuildError::read(&source.path))?;
        let copied = done - before;
        if copied != source.size {
            return Err(BuildError::Archive {
                path: source.path.clone(),
                problem: format!(
                    "changed while being packed ({} bytes, then {copied})",
                    source.size
                ),
            });
        }
    }
    let writer = zip.finish().map_err(zip_error)?;
    let file = writer.into_inner().map_err(|e| BuildError::Write {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(BuildError::write(path))
}

/// Fixed options for reproducibility; stored for formats that are compressed already.
fn options_for(name: &str, size: u64) -> SimpleFileOptions {
    let extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let precompressed = matches!(
        extension.as_str(),
        "zip"
            | "gz"
            | "xz"
            | "zst"
            | "bz2"
            | "7z"
            | "png"
            | "jpg"
            | "jpeg"
            | "webp"
            | "heic"
            | "ktx2"
            | "mp3"
            | "ogg"
            | "m4a"
            | "aac"
            | "opus"
            | "flac"
            | "mp4"
            | "mov"
            | "webm"
            | "m4v"
            | "mkv"
            | "woff"
            | "woff2"
    );
    let options = SimpleFileOptions::default()
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .system(System::Unix)
        .large_file(size >= u64::from(u32::MAX));
    if precompressed {
        options.compression_method(CompressionMethod::Stored)
    } else {
        options
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
    }
}

/// A reader that reports the bytes read through it.
struct Counting<'a, R> {
    inner: R,
    done: &'a mut u64,
    total: u64,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl<R: io::Read> io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        *self.done += read as u64;
        (self.progress)(*self.done, self.total);
        Ok(read)
    }
}
