//! Which file a validated request path ([`FilePath`]) names, and what the server says about it
//! (`ETag`, `Last-Modified`, `Content-Type`). The file is canonicalized and must still lie under
//! the canonical root, outside the TLS certificate directory, and without a reserved
//! (`_bgassets*`) component on disk: a symlink leading anywhere else is `404` like a missing
//! file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::route::{FilePath, Refusal, has_reserved_component};

/// A file about to be served, with the validators derived from its metadata.
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// The canonical path of the file.
    pub path: PathBuf,
    /// Its length in bytes.
    pub len: u64,
    /// Its modification time (sent as `Last-Modified`, at second precision).
    pub modified: SystemTime,
    /// The strong `ETag`, quoted: length and modification time in nanoseconds, in hex.
    pub etag: String,
    /// The `Content-Type` chosen from the extension.
    pub content_type: &'static str,
}

/// Resolves a request path to a regular file under `root` (canonical) that is not inside
/// `hidden` (the canonical certificate directory, when serving HTTPS).
pub async fn resolve(
    root: &Path,
    hidden: Option<&Path>,
    path: &FilePath,
) -> Result<FileInfo, Refusal> {
    if path.is_root() {
        return Err(Refusal::NotFound);
    }
    let canonical = tokio::fs::canonicalize(root.join(path.as_path()))
        .await
        .map_err(|_| Refusal::NotFound)?;
    let Ok(inside) = canonical.strip_prefix(root) else {
        return Err(Refusal::NotFound);
    };
    if has_reserved_component(inside) {
        return Err(Refusal::Reserved);
    }
    if hidden.is_some_and(|hidden| canonical.starts_with(hidden)) {
        return Err(Refusal::NotFound);
    }
    let metadata = tokio::fs::metadata(&canonical)
        .await
        .map_err(|_| Refusal::NotFound)?;
    if !metadata.is_file() {
        return Err(Refusal::NotFound);
    }
    let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
    let len = metadata.len();
    Ok(FileInfo {
        content_type: content_type(&canonical),
        etag: etag(len, modified),
        path: canonical,
        len,
        modified,
    })
}

/// A strong `ETag` that changes whenever the size or the modification time does.
pub fn etag(len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or(0);
    format!("\"{len:x}-{nanos:x}\"")
}

/// `application/json` for `.json`, `application/zip` for `.zip`, else `application/octet-stream`.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type(Path::new("m.json")), "application/json");
        assert_eq!(content_type(Path::new("a/P.ZIP")), "application/zip");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }

    #[test]
    fn etags_are_quoted_and_follow_size_and_time() {
        let time = UNIX_EPOCH + std::time::Duration::from_nanos(1_000_000_001);
        assert_eq!(etag(255, time), "\"ff-3b9aca01\"");
        assert_ne!(etag(255, time), etag(256, time));
    }
}
