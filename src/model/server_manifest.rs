//! The server manifest a client fetches from `BAManifestURL`: every pack with its version,
//! policy, download URL, sizes and SHA-256 (documented field by field in `docs/manifest.md`).
//!
//! Unknown fields are ignored so newer servers keep working with older managers; wrong types and
//! invalid values are refused with the field named.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use url::Url;

use super::file_list_ref::FileListRef;
use super::input_error::{InputError, from_json};
use super::pack_manifest::check_localization;
use super::url_shown::shown_url_text;
use super::{DownloadPolicy, PackId, PackKind, Sha256Digest};

/// The manifest format this version of bgassets writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A validated server manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerManifest {
    /// The manifest format's version (1).
    pub format_version: u32,
    /// Every pack the server offers.
    pub asset_packs: Vec<ManifestPack>,
}

/// One pack as the server lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestPack {
    /// The pack's id (`assetPackID`).
    #[serde(rename = "assetPackID")]
    pub id: PackId,
    /// The version the server offers, a positive integer.
    pub version: u64,
    /// When the pack downloads: essential, prefetch or on demand.
    pub download_policy: DownloadPolicy,
    /// The archive's URL: absolute (`https://…`) or relative to the manifest's own URL.
    pub url: String,
    /// Other URLs of the same archive (mirrors, presigned URLs), absolute or relative like
    /// `url`: the engine tries them in order of measured speed and moves to the next when one
    /// fails, resuming the bytes it has (the SHA-256 vouches for them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<String>,
    /// The archive's exact size in bytes.
    pub download_size: u64,
    /// The total size of the extracted files in bytes.
    pub install_size: u64,
    /// The archive's SHA-256.
    pub sha256: Sha256Digest,
    /// A name for people; the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the pack holds, for its icon.
    #[serde(default)]
    pub kind: PackKind,
    /// Platforms the pack is for; empty means every platform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// BCP 47 language tags this variant is for; empty for language-neutral packs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// The name shared by the language variants of one pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localization_group: Option<String>,
    /// Anything the app wants to carry with the pack, passed through untouched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<serde_json::Value>,
    /// The archive's per-file list, for delta updates (absent: updates fetch the whole archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileListRef>,
}

impl ServerManifest {
    /// An empty manifest of the current format.
    pub fn new(asset_packs: Vec<ManifestPack>) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            asset_packs,
        }
    }

    /// Parses and validates a manifest; `input` (its URL or path) names it in errors.
    pub fn parse(input: &str, text: &str) -> Result<Self, InputError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Format {
            format_version: u32,
        }
        // The format first: a newer format may not have this one's shape at all.
        let format: Format = from_json(input, text, &[""])?;
        if format.format_version != FORMAT_VERSION {
            return Err(InputError::field(
                input,
                "formatVersion",
                format!(
                    "is {}, but this bgassets reads format {FORMAT_VERSION}",
                    format.format_version
                ),
            ));
        }
        let manifest: Self = from_json(input, text, &["", "assetPacks[]"])?;
        manifest.validate(input)?;
        Ok(manifest)
    }

    /// Checks what types alone cannot: the format, unique ids, URLs, sizes, languages.
    pub fn validate(&self, input: &str) -> Result<(), InputError> {
        if self.format_version != FORMAT_VERSION {
            return Err(InputError::field(
                input,
                "formatVersion",
                format!(
                    "is {}, but this bgassets reads format {FORMAT_VERSION}",
                    self.format_version
                ),
            ));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let (mut downloads, mut installs) = (0u64, 0u64);
        for (i, pack) in self.asset_packs.iter().enumerate() {
            let field = |name: &str, problem: String| {
                InputError::field(input, format!("assetPacks[{i}].{name}"), problem)
            };
            if let Some(first) = seen.insert(pack.id.case_folded(), i) {
                return Err(field(
                    "assetPackID",
                    format!(
                        "`{}` is listed twice (also at assetPacks[{first}]; ids are compared ignoring case)",
                        pack.id
                    ),
                ));
            }
            if pack.version == 0 {
                return Err(field("version", "must be 1 or more".into()));
            }
            if pack.download_size == 0 {
                return Err(field("downloadSize", "must be more than 0".into()));
            }
            // Every sum of sizes later made (caps, allowances, totals) stays below 2^64.
            let overflow = |name: &str| {
                field(
                    name,
                    "makes the manifest's total size overflow 2^64 bytes".into(),
                )
            };
            downloads = downloads
                .checked_add(pack.download_size)
                .ok_or_else(|| overflow("downloadSize"))?;
            installs = installs
                .checked_add(pack.install_size)
                .ok_or_else(|| overflow("installSize"))?;
            check_url(&pack.url).map_err(|problem| field("url", problem))?;
            check_mirrors(pack).map_err(|(name, problem)| field(&name, problem))?;
            if let Some(files) = &pack.files {
                check_url(&files.url).map_err(|problem| field("files.url", problem))?;
                files
                    .check_size()
                    .map_err(|problem| field("files.size", problem))?;
            }
            check_localization(&pack.languages, pack.localization_group.as_deref())
                .map_err(|(name, problem)| field(&name, problem))?;
        }
        Ok(())
    }

    /// The pack with `id`, if listed.
    pub fn pack(&self, id: &str) -> Option<&ManifestPack> {
        self.asset_packs.iter().find(|pack| pack.id.as_str() == id)
    }

    /// The manifest as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl ManifestPack {
    /// The per-file list's absolute URL, when the pack has one.
    pub fn resolve_files_url(&self, manifest_url: &Url) -> Option<Result<Url, String>> {
        let files = self.files.as_ref()?;
        Some(manifest_url.join(&files.url).map_err(|e| {
            format!(
                "pack `{}`: files.url `{}` is not a valid URL: {e}",
                self.id, files.url
            )
        }))
    }

    /// The mirrors' absolute URLs, resolved like [`Self::resolve_url`].
    pub fn resolve_mirrors(&self, manifest_url: &Url) -> Result<Vec<Url>, String> {
        self.mirrors
            .iter()
            .enumerate()
            .map(|(i, mirror)| {
                manifest_url.join(mirror).map_err(|e| {
                    format!(
                        "pack `{}`: mirrors[{i}] `{}` is not a valid URL: {e}",
                        self.id,
                        shown_url_text(mirror)
                    )
                })
            })
            .collect()
    }

    /// The archive's absolute URL, resolving a relative `url` against the manifest's URL.
    pub fn resolve_url(&self, manifest_url: &Url) -> Result<Url, String> {
        manifest_url.join(&self.url).map_err(|e| {
            format!(
                "pack `{}`: url `{}` is not a valid URL: {e}",
                self.id, self.url
            )
        })
    }
}

/// A pack's mirrors: at most [`MAX_MIRRORS`](crate::engine::origins::MAX_MIRRORS), each a
/// valid pack URL listed once and not the pack's `url`; the error names the field.
fn check_mirrors(pack: &ManifestPack) -> Result<(), (String, String)> {
    let max = crate::engine::origins::MAX_MIRRORS;
    if pack.mirrors.len() > max {
        return Err((
            "mirrors".into(),
            format!("lists {} URLs; at most {max} are taken", pack.mirrors.len()),
        ));
    }
    for (i, mirror) in pack.mirrors.iter().enumerate() {
        let name = format!("mirrors[{i}]");
        check_url(mirror).map_err(|problem| (name.clone(), problem))?;
        if *mirror == pack.url || pack.mirrors[..i].contains(mirror) {
            return Err((
                name,
                format!("`{}` is listed twice", shown_url_text(mirror)),
            ));
        }
    }
    Ok(())
}

/// A pack URL is absolute http(s), or relative (resolved against the manifest's URL).
fn check_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("is empty".into());
    }
    // Said where people see it: no user name, password or presigned query.
    let shown = shown_url_text(url);
    match Url::parse(url) {
        Ok(absolute) if matches!(absolute.scheme(), "http" | "https") => Ok(()),
        Ok(absolute) => Err(format!(
            "`{shown}` uses `{}:`; pack URLs must be http(s) or relative to the manifest",
            absolute.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let base =
                Url::parse("http://base.invalid/manifest.json").map_err(|e| e.to_string())?;
            base.join(url)
                .map(|_| ())
                .map_err(|e| format!("`{shown}` is not a valid relative URL: {e}"))
        }
        Err(e) => Err(format!("`{shown}` is not a valid URL: {e}")),
    }
}
