//! An app as its `Info.plist` declares it (XML or binary): bundle identity and version, and every
//! Background Assets key, typed and validated.
//!
//! Where Apple's keys are absent bgassets applies documented defaults:
//! - no `BAAppGroupID`: packs go in a container named after the bundle id;
//! - no `BAInitialDownloadRestrictions`: no allowance caps, and downloads may come only from the
//!   manifest's own host ([`DownloadRestrictions::defaulted`] says so, for reports).
//!
//! `BAUsesAppleHosting = true` is refused: bgassets serves packs from the app's own servers.
//! `BGAssetsDownloaderExtension` (bgassets' own key) names the app's downloader extension: its
//! shape is checked here, the file itself when the app is registered (`crate::extension`).

use plist::{Dictionary, Value};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{FolderName, InputError};

/// An app registered with the manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// `CFBundleIdentifier`, validated as a folder name: it names the app's download folder,
    /// its cached manifest and (without an App Group) its container.
    pub bundle_id: FolderName,
    /// `CFBundleDisplayName`, else `CFBundleName`, else the bundle id.
    pub display_name: String,
    /// `CFBundleShortVersionString`, the version people see.
    pub short_version: Option<String>,
    /// `CFBundleVersion`: a change is a subsequent update.
    pub bundle_version: String,
    /// `BAManifestURL`.
    pub manifest_url: Url,
    /// `BAAppGroupID`, validated as a folder name: apps sharing it share one container.
    pub app_group_id: Option<FolderName>,
    /// `BAHasManagedAssetPacks`.
    pub has_managed_asset_packs: bool,
    /// `BAEssentialMaxInstallSize`, bytes.
    pub essential_max_install_size: Option<u64>,
    /// `BAMaxInstallSize`, bytes.
    pub max_install_size: Option<u64>,
    /// `BAInitialDownloadRestrictions`.
    pub restrictions: DownloadRestrictions,
    /// `BGAssetsDownloaderExtension`: the app's downloader extension, a path relative to the
    /// folder holding the Info.plist (see [`MAX_EXTENSION_PATH`] and `docs/extensions.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloader_extension: Option<String>,
}

/// The longest `BGAssetsDownloaderExtension` path accepted, in bytes.
pub const MAX_EXTENSION_PATH: usize = 1024;

/// `BAInitialDownloadRestrictions`: allowances and the hosts downloads may come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadRestrictions {
    /// `BADownloadAllowance`: bytes allowed right after install.
    pub download_allowance: Option<u64>,
    /// `BAEssentialDownloadAllowance`: bytes of essential downloads.
    pub essential_download_allowance: Option<u64>,
    /// `BADownloadDomainAllowList`.
    pub domain_allow_list: Vec<DomainPattern>,
    /// True when the plist had no `BAInitialDownloadRestrictions` and the default applies.
    pub defaulted: bool,
}

/// A host name in an allow list: `cdn.example.com`, or `*.example.com` for its subdomains only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DomainPattern(String);

impl DomainPattern {
    /// Validates a pattern: a host name, optionally starting with `*.`; no scheme, port or path.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let lower = pattern.trim().to_ascii_lowercase();
        let host = lower.strip_prefix("*.").unwrap_or(&lower);
        let valid = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            return Err(format!(
                "`{pattern}` is not a host name (expected e.g. `cdn.example.com` or `*.example.com`, no scheme, port or path)"
            ));
        }
        Ok(Self(lower))
    }

    /// Whether `host` is allowed. `*.example.com` covers `a.example.com` and `a.b.example.com`,
    /// not `example.com` itself.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self.0.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
            None => host == self.0,
        }
    }

    /// The pattern as written (lower-cased).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl DownloadRestrictions {
    /// Whether a download from `host` is allowed.
    pub fn allows_host(&self, host: &str) -> bool {
        self.domain_allow_list.iter().any(|p| p.matches(host))
    }
}

impl App {
    /// Parses an Info.plist (XML or binary); `input` names it in errors. The bounds of
    /// [`plist_bounds`](super::plist_bounds) apply: size, nesting and expanded values.
    pub fn parse(input: &str, bytes: &[u8]) -> Result<Self, InputError> {
        let value = super::plist_bounds::parse_value(input, bytes)?;
        let dict = value.as_dictionary().ok_or_else(|| {
            InputError::syntax(input, "the property list's root is not a dictionary")
        })?;
        Self::from_dictionary(input, dict)
    }

    fn from_dictionary(input: &str, dict: &Dictionary) -> Result<Self, InputError> {
        let keys = Keys { input, dict };
        if keys.bool("BAUsesAppleHosting")? == Some(true) {
            return Err(InputError::field(
                input,
                "BAUsesAppleHosting",
                "is true, but bgassets does not use Apple hosting: serve the packs yourself, point BAManifestURL at your manifest and remove this key",
            ));
        }
        let bundle_id = keys.folder_name("CFBundleIdentifier")?;
        let bundle_version = keys.required_string("CFBundleVersion")?;
        let manifest_url = keys.manifest_url()?;
        let display_name = keys
            .string("CFBundleDisplayName")?
            .or(keys.string("CFBundleName")?)
            .unwrap_or_else(|| bundle_id.to_string());
        let restrictions = keys.restrictions(&manifest_url)?;
        Ok(Self {
            display_name,
            short_version: keys.string("CFBundleShortVersionString")?,
            bundle_version,
            app_group_id: match keys.string("BAAppGroupID")? {
                Some(_) => Some(keys.folder_name("BAAppGroupID")?),
                None => None,
            },
            has_managed_asset_packs: keys.bool("BAHasManagedAssetPacks")?.unwrap_or(false),
            essential_max_install_size: keys.size(dict, "BAEssentialMaxInstallSize")?,
            max_install_size: keys.size(dict, "BAMaxInstallSize")?,
            downloader_extension: keys.relative_path("BGAssetsDownloaderExtension")?,
            manifest_url,
            restrictions,
            bundle_id,
        })
    }

    /// The name of the app's container: `BAAppGroupID`, else the bundle id.
    pub fn container_name(&self) -> &FolderName {
        self.app_group_id.as_ref().unwrap_or(&self.bundle_id)
    }
}

/// Typed access to the plist's keys, each error naming the key and the expected type.
struct Keys<'a> {
    input: &'a str,
    dict: &'a Dictionary,
}

impl Keys<'_> {
    fn error(&self, key: &str, problem: impl std::fmt::Display) -> InputError {
        InputError::field(self.input, key, problem)
    }

    fn string(&self, key: &str) -> Result<Option<String>, InputError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Err(self.error(key, "is empty")),
            Some(Value::String(text)) if text.contains("$(") => Err(self.error(
                key,
                format!("`{text}` holds an unexpanded build setting: register the Info.plist of the built app, not the one in the project"),
            )),
            Some(Value::String(text)) => Ok(Some(text.trim().to_string())),
            Some(other) => Err(self.error(key, expected("a string", other))),
        }
    }

    /// A required string that names a folder (bundle id, App Group id); `docs/manifest.md`
    /// lists the rules.
    fn folder_name(&self, key: &str) -> Result<FolderName, InputError> {
        let text = self.required_string(key)?;
        FolderName::parse(&text).map_err(|problem| self.error(key, problem))
    }

    fn required_string(&self, key: &str) -> Result<String, InputError> {
        self.string(key)?
            .ok_or_else(|| self.error(key, "is missing (a string is required)"))
    }

    /// A path relative to the Info.plist's folder: not empty, not absolute, no `.`, `..` or
    /// empty segment, at most [`MAX_EXTENSION_PATH`] bytes (the shape only: no file is read).
    fn relative_path(&self, key: &str) -> Result<Option<String>, InputError> {
        let Some(text) = self.string(key)? else {
            return Ok(None);
        };
        if text.len() > MAX_EXTENSION_PATH {
            return Err(self.error(
                key,
                format!(
                    "is {} bytes long; at most {MAX_EXTENSION_PATH} are allowed",
                    text.len()
                ),
            ));
        }
        if text.starts_with('/') {
            return Err(self.error(
                key,
                format!("`{text}` is absolute; give a path relative to the folder holding the Info.plist"),
            ));
        }
        match super::rel_path::check(&text) {
            Ok(path) => Ok(Some(path.to_string())),
            Err(problem) => Err(self.error(
                key,
                format!(
                    "{problem} (a path relative to the folder holding the Info.plist is expected)"
                ),
            )),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, InputError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::Boolean(flag)) => Ok(Some(*flag)),
            Some(other) => Err(self.error(key, expected("a boolean", other))),
        }
    }

    /// A non-negative integer number of bytes, at `key` of `dict` (the root or a nested one).
    fn size(&self, dict: &Dictionary, key: &str) -> Result<Option<u64>, InputError> {
        match dict.get(key) {
            None => Ok(None),
            Some(Value::Integer(number)) => number.as_unsigned().map(Some).ok_or_else(|| {
                self.error(
                    key,
                    format!("is {number}, but a size in bytes cannot be negative"),
                )
            }),
            Some(other) => Err(self.error(key, expected("an integer (bytes)", other))),
        }
    }

    fn manifest_url(&self) -> Result<Url, InputError> {
        let key = "BAManifestURL";
        let text = self.required_string(key)?;
        let url = Url::parse(&text)
            .map_err(|e| self.error(key, format!("`{text}` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(self.error(key, format!("`{text}` is not an http(s) URL with a host")));
        }
        Ok(url)
    }

    fn restrictions(&self, manifest_url: &Url) -> Result<DownloadRestrictions, InputError> {
        const KEY: &str = "BAInitialDownloadRestrictions";
        let dict = match self.dict.get(KEY) {
            None => return Ok(default_restrictions(manifest_url)),
            Some(Value::Dictionary(dict)) => dict,
            Some(other) => return Err(self.error(KEY, expected("a dictionary", other))),
        };
        let nested = Keys {
            input: self.input,
            dict,
        };
        let allow_key = "BADownloadDomainAllowList";
        let domain_allow_list = match dict.get(allow_key) {
            None => default_restrictions(manifest_url).domain_allow_list,
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let field = format!("{KEY}.{allow_key}[{i}]");
                    match item {
                        Value::String(text) => DomainPattern::parse(text)
                            .map_err(|p| InputError::field(self.input, &field, p)),
                        other => Err(InputError::field(
                            self.input,
                            &field,
                            expected("a string", other),
                        )),
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(self.error(
                    &format!("{KEY}.{allow_key}"),
                    expected("an array of host names", other),
                ));
            }
        };
        let size = |key: &str| {
            nested
                .size(dict, key)
                .map_err(|e| retitle(e, &format!("{KEY}.{key}")))
        };
        Ok(DownloadRestrictions {
            download_allowance: size("BADownloadAllowance")?,
            essential_download_allowance: size("BAEssentialDownloadAllowance")?,
            domain_allow_list,
            defaulted: false,
        })
    }
}

/// The documented default when `BAInitialDownloadRestrictions` is absent.
fn default_restrictions(manifest_url: &Url) -> DownloadRestrictions {
    // The host of a parsed URL is already valid and lower-case; it may be an IP literal such as
    // `[::1]`, which `DomainPattern::parse` (host names only) would refuse, leaving no host at all.
    let host = manifest_url
        .host_str()
        .map(|host| DomainPattern(host.to_string()));
    DownloadRestrictions {
        download_allowance: None,
        essential_download_allowance: None,
        domain_allow_list: host.into_iter().collect(),
        defaulted: true,
    }
}

/// Prefixes a nested key's error with its full path.
fn retitle(error: InputError, field: &str) -> InputError {
    match error {
        InputError::Field { input, problem, .. } => InputError::field(input, field, problem),
        other => other,
    }
}

fn expected(what: &str, found: &Value) -> String {
    let kind = match found {
        Value::Array(_) => "an array",
        Value::Dictionary(_) => "a dictionary",
        Value::Boolean(_) => "a boolean",
        Value::Data(_) => "data",
        Value::Date(_) => "a date",
        Value::Real(_) => "a real number",
        Value::Integer(_) => "an integer",
        Value::String(_) => "a string",
        Value::Uid(_) => "a UID",
        _ => "an unknown value",
    };
    format!("expected {what}, found {kind}")
}
