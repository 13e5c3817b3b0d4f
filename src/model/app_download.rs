//! An app's own download (`BAURLDownload`), as an app schedules it over the socket or its
//! downloader extension answers a content request: validated once, here, at the edge.
//!
//! - [`DownloadIdentifier`]: the app's name for the download, which becomes a file name in the
//!   app's container: 1 to 128 ASCII letters, digits, `.`, `_`, `-`, not starting with `.`, not a
//!   Windows device name.
//! - [`Header`]: a request header the app adds (a bearer token, a cookie): a token name and a
//!   value of visible ASCII; the headers the engine owns (`Host`, `Range`, `If-Range`…) are
//!   refused.
//! - [`DownloadSpec`]: the whole request, with its bounds (at most [`MAX_HEADERS`] headers of
//!   [`MAX_HEADER_BYTES`] in all, a priority in [`PRIORITY_RANGE`]).

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use url::Url;

use super::Sha256Digest;
use super::name::is_windows_device_name;

/// The longest identifier accepted.
pub const MAX_IDENTIFIER_LEN: usize = 128;
/// The most headers one download may carry.
pub const MAX_HEADERS: usize = 32;
/// The most bytes of header names and values one download may carry.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The priorities an app may give (Apple's `BADownloaderPriority` range is an integer with a
/// default in the middle): higher downloads first, `0` by default. A person's "move to top" and
/// `startForegroundDownload` are above every value here.
pub const PRIORITY_RANGE: RangeInclusive<i64> = -100..=100;

/// Headers the engine sets itself: an app may not set them.
const ENGINE_HEADERS: [&str; 8] = [
    "host",
    "range",
    "if-range",
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
];

/// A validated download identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DownloadIdentifier(String);

impl DownloadIdentifier {
    /// Validates `id`; the error says which rule it breaks.
    pub fn parse(id: &str) -> Result<Self, String> {
        if id.is_empty() || id.len() > MAX_IDENTIFIER_LEN {
            return Err(format!(
                "a download identifier has 1 to {MAX_IDENTIFIER_LEN} characters; `{}` has {}",
                id.chars().take(40).collect::<String>(),
                id.len()
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "`{id}` contains {bad:?}; a download identifier may contain only ASCII letters, digits, `.`, `_` and `-`"
            ));
        }
        if id.starts_with('.') {
            return Err(format!(
                "`{id}` starts with `.`; a download identifier may not"
            ));
        }
        if is_windows_device_name(id) {
            return Err(format!(
                "`{id}` is a name Windows reserves for a device; choose another identifier"
            ));
        }
        Ok(Self(id.to_string()))
    }

    /// The identifier, which is also its file's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DownloadIdentifier {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        Self::parse(&id)
    }
}

impl From<DownloadIdentifier> for String {
    fn from(id: DownloadIdentifier) -> Self {
        id.0
    }
}

impl fmt::Display for DownloadIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One request header an app adds to its download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawHeader")]
pub struct Header {
    /// The name (an HTTP token).
    pub name: String,
    /// The value (visible ASCII and spaces).
    pub value: String,
}

#[derive(Deserialize)]
struct RawHeader {
    name: String,
    value: String,
}

impl TryFrom<RawHeader> for Header {
    type Error = String;
    fn try_from(raw: RawHeader) -> Result<Self, String> {
        Self::new(&raw.name, &raw.value)
    }
}

impl Header {
    /// Validates one header; the error names it and the rule it breaks.
    pub fn new(name: &str, value: &str) -> Result<Self, String> {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(format!("`{name}` is not a valid header name"));
        }
        if ENGINE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "the header `{name}` is set by the download engine; a download may not set it"
            ));
        }
        if let Some(bad) = value.chars().find(|&c| !(c == ' ' || c.is_ascii_graphic())) {
            return Err(format!(
                "the value of header `{name}` contains {bad:?}; only visible ASCII and spaces are allowed"
            ));
        }
        Ok(Self {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// An app's download request (`BAURLDownload`), validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawSpec")]
pub struct DownloadSpec {
    /// The app's name for it, unique among the app's downloads; its file's name.
    pub identifier: DownloadIdentifier,
    /// Where the bytes come from (http or https; the app's allow list is checked by the
    /// manager).
    pub url: Url,
    /// Headers sent with every request for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// Part of the app's installation: gates launch readiness (allowed only in an extension's
    /// answer to an `install` or `update` content request).
    #[serde(default)]
    pub essential: bool,
    /// The exact size, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<u64>,
    /// The SHA-256 the file must have, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Digest>,
    /// Higher first, in [`PRIORITY_RANGE`].
    #[serde(default)]
    pub priority: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSpec {
    identifier: DownloadIdentifier,
    url: Url,
    #[serde(default)]
    headers: Vec<Header>,
    #[serde(default)]
    essential: bool,
    #[serde(default)]
    expected_size: Option<u64>,
    #[serde(default)]
    sha256: Option<Sha256Digest>,
    #[serde(default)]
    priority: i64,
}

impl TryFrom<RawSpec> for DownloadSpec {
    type Error = String;
    fn try_from(raw: RawSpec) -> Result<Self, String> {
        let spec = Self {
            identifier: raw.identifier,
            url: raw.url,
            headers: raw.headers,
            essential: raw.essential,
            expected_size: raw.expected_size,
            sha256: raw.sha256,
            priority: raw.priority,
        };
        spec.check()?;
        Ok(spec)
    }
}

impl DownloadSpec {
    /// A download of `url` as `identifier`, with nothing else known.
    pub fn new(identifier: DownloadIdentifier, url: Url) -> Self {
        Self {
            identifier,
            url,
            headers: Vec::new(),
            essential: false,
            expected_size: None,
            sha256: None,
            priority: 0,
        }
    }

    /// The rules a whole request keeps (each field's own rules hold by its type).
    pub fn check(&self) -> Result<(), String> {
        let id = &self.identifier;
        if !matches!(self.url.scheme(), "http" | "https") {
            return Err(format!(
                "download `{id}`: `{}` is not an http or https URL",
                self.url
            ));
        }
        if self.headers.len() > MAX_HEADERS {
            return Err(format!(
                "download `{id}` has {} headers; at most {MAX_HEADERS} are allowed",
                self.headers.len()
            ));
        }
        let bytes: usize = self
            .headers
            .iter()
            .map(|h| h.name.len().saturating_add(h.value.len()))
            .fold(0, usize::saturating_add);
        if bytes > MAX_HEADER_BYTES {
            return Err(format!(
                "download `{id}` has {bytes} bytes of headers; at most {MAX_HEADER_BYTES} are allowed"
            ));
        }
        if !PRIORITY_RANGE.contains(&self.priority) {
            return Err(format!(
                "download `{id}` has priority {}; it must be between {} and {}",
                self.priority,
                PRIORITY_RANGE.start(),
                PRIORITY_RANGE.end()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
