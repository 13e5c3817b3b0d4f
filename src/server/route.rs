//! The request path, parsed once into a [`Route`]: percent-decoded; refused when it holds NUL or
//! other control characters, backslashes, `..` or malformed escapes; `.` and empty segments
//! collapsed. The control endpoint is reached only by its exact spelling (`/_bgassets/NAME`,
//! already in that normal form); every other spelling of the reserved name (`%5F`, `%2F`, `//`,
//! `/./`, other cases, trailing dots or spaces) and every path with a segment named
//! `_bgassets*` is [`Refusal::Reserved`], so nothing under the reserved prefix is ever served
//! from disk. Only a [`FilePath`] is ever joined onto the served root.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use hyper::StatusCode;

/// The reserved first segment of the control endpoint.
pub const RESERVED: &str = "_bgassets";

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The control endpoint `NAME` of `/_bgassets/NAME` (`""` for the bare prefix).
    Control(String),
    /// A path under the served root.
    File(FilePath),
}

/// A relative path of plain segments, none of them `.`, `..`, empty or reserved: the only kind
/// of path the server joins onto its root. Empty for `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath(PathBuf);

impl FilePath {
    /// The relative path.
    pub fn as_path(&self) -> &Path {
        &self.0
    }

    /// Whether this is the root itself (`/`), never a file.
    pub fn is_root(&self) -> bool {
        self.0.as_os_str().is_empty()
    }
}

/// Why a request does not get a file (or the control endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The path is malformed or tries to leave the served directory (`400`).
    BadPath {
        /// A stable name for the refusal, the start of the response body.
        name: &'static str,
        /// A one-line explanation for the response body.
        message: &'static str,
    },
    /// The path names the reserved prefix other than by its exact spelling, or a file named
    /// `_bgassets*` (`404`).
    Reserved,
    /// No regular file there that may be served (`404`): missing, a directory, outside the
    /// root, or inside the TLS certificate directory.
    NotFound,
}

impl Refusal {
    const fn bad(name: &'static str, message: &'static str) -> Self {
        Refusal::BadPath { name, message }
    }

    /// The status code the refusal is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::BadPath { .. } => StatusCode::BAD_REQUEST,
            Refusal::Reserved | Refusal::NotFound => StatusCode::NOT_FOUND,
        }
    }

    /// A stable name for the refusal, the start of the response body (`reserved: …`).
    pub fn name(self) -> &'static str {
        match self {
            Refusal::BadPath { name, .. } => name,
            Refusal::Reserved => "reserved",
            Refusal::NotFound => "not-found",
        }
    }

    /// A one-line explanation for the response body.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::BadPath { message, .. } => message,
            Refusal::Reserved => {
                "`_bgassets` names are never served; the control endpoint is /_bgassets/NAME, spelled exactly so"
            }
            Refusal::NotFound => "no such file",
        }
    }
}

/// Parses the path of a request URI (without its query) into where it goes.
pub fn route(raw: &str) -> Result<Route, Refusal> {
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(Refusal::bad("not-absolute", "the path must start with /"));
    };
    let decoded = percent_decode(rest)?;
    let mut segments: Vec<&[u8]> = Vec::new();
    for segment in decoded.split(|&byte| byte == b'/') {
        if segment.contains(&0) {
            return Err(Refusal::bad("nul", "NUL in path"));
        }
        if segment.iter().any(u8::is_ascii_control) {
            return Err(Refusal::bad(
                "control-character",
                "control characters are not allowed in paths",
            ));
        }
        if segment.contains(&b'\\') {
            return Err(Refusal::bad(
                "backslash",
                "backslashes are not allowed in paths",
            ));
        }
        match segment {
            b"" | b"." => {}
            b".." => return Err(Refusal::bad("dot-dot", "`..` is not allowed in paths")),
            _ => segments.push(segment),
        }
    }
    let normal = segments.join(&b'/');
    let exact = raw.as_bytes().get(1..).is_some_and(|spelled| {
        spelled == normal.as_slice() || spelled.strip_suffix(b"/") == Some(normal.as_slice())
    });
    if exact && segments.first() == Some(&RESERVED.as_bytes()) {
        let name = segments.get(1..).unwrap_or_default().join(&b'/');
        return Ok(Route::Control(String::from_utf8_lossy(&name).into_owned()));
    }
    if segments.iter().any(|segment| is_reserved(segment)) {
        return Err(Refusal::Reserved);
    }
    let mut path = PathBuf::new();
    for segment in segments {
        path.push(segment_to_os(segment)?);
    }
    // Belt and braces: only plain names may remain (no root, prefix or parent on any platform).
    if !path
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
    {
        return Err(Refusal::bad(
            "outside",
            "the path must stay inside the served directory",
        ));
    }
    Ok(Route::File(FilePath(path)))
}

/// Whether a file name is, or could be taken by some file system for, a `_bgassets*` name:
/// compared after Unicode case folding (upper then lower case, so `ſ` counts as `s`).
pub fn is_reserved(name: &[u8]) -> bool {
    String::from_utf8_lossy(name)
        .to_uppercase()
        .to_lowercase()
        .starts_with(RESERVED)
}

/// Whether any component of `relative` (a path under the root, as resolved on disk) is reserved.
pub fn has_reserved_component(relative: &Path) -> bool {
    relative
        .components()
        .any(|component| is_reserved(component.as_os_str().as_encoded_bytes()))
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is refused.
fn percent_decode(text: &str) -> Result<Vec<u8>, Refusal> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let high = bytes.get(index + 1).and_then(|&byte| hex_value(byte));
            let low = bytes.get(index + 2).and_then(|&byte| hex_value(byte));
            let (Some(high), Some(low)) = (high, low) else {
                return Err(Refusal::bad(
                    "malformed-percent",
                    "malformed percent-encoding in path",
                ));
            };
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(byte);
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
        .map_err(|_| Refusal::bad("not-utf8", "the path is not UTF-8"))
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
