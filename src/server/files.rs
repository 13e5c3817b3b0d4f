//! Which file a request path names, and what the server says about it (`ETag`,
//! `Last-Modified`, `Content-Type`). Nothing outside the served directory is ever reachable:
//! `..` and `.` segments (also percent-encoded), backslashes, NUL bytes and drive prefixes are
//! refused with `400`, and the resolved file is canonicalized and must still lie under the
//! canonical root, so a symlink pointing outside is `404` like a missing file.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::StatusCode;

/// Why a request path does not lead to a file the server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The path is malformed or tries to leave the served directory (`400`).
    BadPath(&'static str),
    /// No regular file there, or one outside the served directory (`404`).
    NotFound,
}

impl Refusal {
    /// The status code the refusal is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::BadPath(_) => StatusCode::BAD_REQUEST,
            Refusal::NotFound => StatusCode::NOT_FOUND,
        }
    }

    /// A one-line explanation for the response body.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::BadPath(why) => why,
            Refusal::NotFound => "not found",
        }
    }
}

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

/// Turns the path of a request URI into a relative path under the root, refusing anything that
/// could escape it. Empty segments (`//`) are skipped.
pub fn relative_path(uri_path: &str) -> Result<PathBuf, Refusal> {
    let Some(rest) = uri_path.strip_prefix('/') else {
        return Err(Refusal::BadPath("the path must start with /"));
    };
    let decoded = percent_decode(rest)?;
    let mut relative = PathBuf::new();
    for segment in decoded.split(|&byte| byte == b'/') {
        match segment {
            b"" => continue,
            b"." | b".." => return Err(Refusal::BadPath("`.` and `..` are not allowed in paths")),
            _ if segment.contains(&b'\\') => {
                return Err(Refusal::BadPath("backslashes are not allowed in paths"));
            }
            _ if segment.contains(&0) => return Err(Refusal::BadPath("NUL in path")),
            _ => relative.push(segment_to_os(segment)?),
        }
    }
    // Belt and braces: only plain names may remain (no root, prefix or parent on any platform).
    if !relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return Err(Refusal::BadPath(
            "the path must stay inside the served directory",
        ));
    }
    Ok(relative)
}

/// Resolves a request path to a regular file under `root` (which must be canonical).
pub async fn resolve(root: &Path, uri_path: &str) -> Result<FileInfo, Refusal> {
    let relative = relative_path(uri_path)?;
    if relative.as_os_str().is_empty() {
        return Err(Refusal::NotFound);
    }
    let canonical = tokio::fs::canonicalize(root.join(&relative))
        .await
        .map_err(|_| Refusal::NotFound)?;
    if !canonical.starts_with(root) {
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

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is refused.
fn percent_decode(text: &str) -> Result<Vec<u8>, Refusal> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = bytes.get(index + 1).and_then(|&byte| hex_value(byte));
            let low = bytes.get(index + 2).and_then(|&byte| hex_value(byte));
            let (Some(high), Some(low)) = (high, low) else {
                return Err(Refusal::BadPath("malformed percent-encoding in path"));
            };
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    Ok(decoded)
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

#[cfg(unix)]
fn segment_to_os(segment: &[u8]) -> Result<OsString, Refusal> {
    use std::os::unix::ffi::OsStrExt;
    Ok(std::ffi::OsStr::from_bytes(segment).to_os_string())
}

#[cfg(not(unix))]
fn segment_to_os(segment: &[u8]) -> Result<OsString, Refusal> {
    std::str::from_utf8(segment)
        .map(OsString::from)
        .map_err(|_| Refusal::BadPath("the path is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_resolve_below_the_root() {
        assert_eq!(
            relative_path("/packs/a%20b.zip").unwrap(),
            PathBuf::from("packs/a b.zip")
        );
        assert_eq!(
            relative_path("//manifest.json").unwrap(),
            PathBuf::from("manifest.json")
        );
        assert_eq!(relative_path("/").unwrap(), PathBuf::new());
    }

    #[test]
    fn escapes_are_refused() {
        for path in [
            "/../etc/passwd",
            "/packs/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a/%2e/b",
            "/..%5cx",
            "/a\\b",
            "/a%00b",
            "/%zz",
            "/%4",
            "*",
            "relative",
        ] {
            assert!(
                matches!(relative_path(path), Err(Refusal::BadPath(_))),
                "{path:?} was accepted"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_plain_bytes_on_unix() {
        assert!(relative_path("/%ff%fe.bin").is_ok());
    }

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
