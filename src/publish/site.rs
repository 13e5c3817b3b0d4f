//! Reading the local site `pack index` made: its `manifest.json` (bounded, parsed and
//! validated), each archive it names by a URL relative to itself (resolved to a file that must
//! lie inside the site and have the size the manifest says), and the other files beside them.
//! The result is what the publish wants in place, and the manifest as published: each pack's
//! URL rewritten to its content-addressed name, and, given mirror bases (`--mirror-base`), the
//! same name under each base added to the pack's `mirrors`.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use url::Url;

use super::PublishError;
use super::names::{MANIFEST_NAME, archive_name};
use super::plan::{ObjectKind, Wanted};
use super::record::is_file_name;
use crate::manager::fetch::MAX_MANIFEST_BYTES;
use crate::model::{ServerManifest, Sha256Digest};
use crate::pack::hash::sha256_file;

/// The most files a site may hold besides its archives.
const MAX_FILES: usize = 10_000;
/// How deep the site's folders may nest.
const MAX_DEPTH: usize = 16;

/// A local site, ready to publish.
#[derive(Debug, Clone)]
pub struct LocalSite {
    /// The manifest as published: pack URLs are content-addressed names.
    pub manifest_json: String,
    /// Its SHA-256.
    pub manifest_sha256: Sha256Digest,
    /// Archives (each once) and other files.
    pub wanted: Vec<Wanted>,
    /// Files found but not published, each with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Reads the site in `dir`; each pack lists its archive under every one of `mirror_bases`
/// (absolute http(s) URLs of folders, checked by
/// [`mirror_base`](super::mirrors::mirror_base)) as a mirror.
pub fn read_site(dir: &Path, mirror_bases: &[Url]) -> Result<LocalSite, PublishError> {
    let site_error = |problem: String| PublishError::Site {
        path: dir.to_path_buf(),
        problem,
    };
    let root = dir
        .canonicalize()
        .map_err(|e| site_error(format!("cannot open the folder: {e}")))?;
    let manifest_path = root.join(MANIFEST_NAME);
    let text = read_bounded(&manifest_path, MAX_MANIFEST_BYTES)?;
    let mut manifest = ServerManifest::parse(&manifest_path.display().to_string(), &text)
        .map_err(|e| site_error(e.to_string()))?;
    let base = Url::parse("http://site.invalid/manifest.json")
        .map_err(|e| site_error(format!("internal URL: {e}")))?;
    let mut wanted = Vec::new();
    let mut seen = BTreeSet::new();
    let mut archive_paths = BTreeSet::new();
    for pack in &mut manifest.asset_packs {
        let path = archive_path(&root, &base, &pack.url).map_err(|problem| {
            site_error(format!("pack `{}`: url `{}`: {problem}", pack.id, pack.url))
        })?;
        let size = fs::metadata(&path)
            .map_err(|e| site_error(format!("pack `{}`: {}: {e}", pack.id, path.display())))?
            .len();
        if size != pack.download_size {
            return Err(site_error(format!(
                "pack `{}`: {} is {size} bytes but the manifest says {}; run `bgassets pack index` again",
                pack.id,
                path.display(),
                pack.download_size
            )));
        }
        let name = archive_name(&pack.sha256);
        pack.url = name.clone();
        super::mirrors::add(pack, &name, mirror_bases).map_err(site_error)?;
        archive_paths.insert(path.clone());
        if seen.insert(name.clone()) {
            wanted.push(Wanted {
                name,
                size,
                sha256: pack.sha256,
                kind: ObjectKind::Archive,
                source: path,
            });
        }
    }
    let mut skipped = Vec::new();
    let mut files = Vec::new();
    walk(&root, &root, 0, &mut files, &mut skipped)?;
    for (path, name) in files {
        if path == manifest_path || archive_paths.contains(&path) {
            continue;
        }
        if !is_file_name(&name) {
            skipped.push((
                path,
                "not named by the manifest, and not a name publish writes (letters, digits, -, _, . outside packs/ and .bgassets/)".into(),
            ));
            continue;
        }
        let (sha256, size) = sha256_file(&path, |_| {}).map_err(|e| site_error(e.to_string()))?;
        wanted.push(Wanted {
            name,
            size,
            sha256,
            kind: ObjectKind::File,
            source: path,
        });
    }
    manifest
        .validate(&manifest_path.display().to_string())
        .map_err(|e| site_error(e.to_string()))?;
    let manifest_json = manifest.to_json();
    Ok(LocalSite {
        manifest_sha256: Sha256Digest::of(manifest_json.as_bytes()),
        manifest_json,
        wanted,
        skipped,
    })
}

/// The local file a pack URL names: relative to the manifest, inside the site.
fn archive_path(root: &Path, base: &Url, url: &str) -> Result<PathBuf, String> {
    let resolved = base
        .join(url)
        .map_err(|e| format!("not a valid relative URL: {e}"))?;
    if resolved.host_str() != base.host_str()
        || resolved.scheme() != base.scheme()
        || resolved.port() != base.port()
    {
        return Err("is absolute; publish uploads the archives a manifest names relative to itself (write it with `pack index` without --base-url)".into());
    }
    if resolved.query().is_some() || resolved.fragment().is_some() {
        return Err("has a query or fragment".into());
    }
    let mut path = root.to_path_buf();
    for segment in resolved.path().trim_start_matches('/').split('/') {
        let decoded = percent_decode(segment).ok_or("has a bad percent escape")?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0'])
        {
            return Err(format!("has the path segment `{decoded}`, refused"));
        }
        path.push(decoded);
    }
    let real = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !real.starts_with(root) || !real.is_file() {
        return Err(format!("{} is not a file inside the site", path.display()));
    }
    Ok(real)
}

/// Every regular file under `dir`, with its `/`-joined name relative to `root`. Symlinks and
/// other non-files are skipped and reported.
fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    files: &mut Vec<(PathBuf, String)>,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Result<(), PublishError> {
    let error = |problem: String| PublishError::Site {
        path: dir.to_path_buf(),
        problem,
    };
    if depth > MAX_DEPTH {
        return Err(error(format!("folders nest deeper than {MAX_DEPTH}")));
    }
    let entries = fs::read_dir(dir).map_err(|e| error(format!("cannot list: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| error(format!("cannot list: {e}")))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| error(format!("{}: {e}", path.display())))?;
        if kind.is_dir() {
            walk(root, &path, depth + 1, files, skipped)?;
        } else if kind.is_file() {
            if files.len() >= MAX_FILES {
                return Err(error(format!("holds more than {MAX_FILES} files")));
            }
            let name = path
                .strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"));
            match name {
                Some(name) => files.push((path, name)),
                None => skipped.push((path, "its name is not UTF-8".into())),
            }
        } else {
            skipped.push((path, "not a regular file (a symlink?)".into()));
        }
    }
    Ok(())
}

/// Reads at most `limit` bytes of the UTF-8 file at `path`, refusing a longer one.
fn read_bounded(path: &Path, limit: usize) -> Result<String, PublishError> {
    let error = |problem: String| PublishError::Site {
        path: path.to_path_buf(),
        problem,
    };
    let file = fs::File::open(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(format!("cannot read: {e}")))?;
    if bytes.len() > limit {
        return Err(error(format!("is larger than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| error("is not UTF-8".into()))
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let text = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(text, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_urls_resolve_inside_the_site_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        fs::create_dir_all(root.join("packs")).unwrap();
        fs::write(root.join("packs/a b.zip"), b"zip").unwrap();
        let base = Url::parse("http://site.invalid/manifest.json").unwrap();
        assert_eq!(
            archive_path(&root, &base, "packs/a%20b.zip").unwrap(),
            root.join("packs/a b.zip")
        );
        for bad in [
            "https://cdn.example.com/a.zip",
            "../outside.zip",
            "packs/%2e%2e/%2e%2e/x.zip",
            "packs/a%2Fb.zip",
            "packs/missing.zip",
            "packs/a%20b.zip?x=1",
            "packs",
        ] {
            assert!(archive_path(&root, &base, bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn percent_escapes_decode_or_are_refused() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
