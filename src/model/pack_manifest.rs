//! Apple's pack manifest, the packager's input (`ba-package template` writes one):
//! `assetPackID`, `downloadPolicy`, `fileSelectors`, `platforms`, plus bgassets' optional fields
//! `version`, `name`, `kind`, `languages`, `localizationGroup` and `userInfo`.
//!
//! Comments and trailing commas are accepted; unknown fields are ignored; wrong types and
//! invalid values are refused with the field named.

use serde::{Deserialize, Serialize};

use super::input_error::{InputError, from_json};
use super::kind::{self, PackKind};
use super::{DownloadPolicy, PackId, rel_path};

/// Where a built pack archive holds its pack manifest (a folder no selector is likely to use).
pub const ARCHIVE_MANIFEST_NAME: &str = ".bgassets/pack.json";

/// What a pack collects: one file, or a whole directory kept as a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSelector {
    /// One file, by its path.
    File(String),
    /// A directory and everything under it, by its path.
    Directory(String),
}

impl FileSelector {
    /// The selected path, relative to the pack root.
    pub fn path(&self) -> &str {
        match self {
            Self::File(path) | Self::Directory(path) => path,
        }
    }
}

/// A validated pack manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct PackManifest {
    /// The pack's id (`assetPackID`).
    pub id: PackId,
    /// When the pack downloads: essential, prefetch or on demand.
    pub policy: DownloadPolicy,
    /// The files the pack collects, relative to the pack root.
    pub selectors: Vec<FileSelector>,
    /// Platforms the pack is for; empty means every platform.
    pub platforms: Vec<String>,
    /// The pack's version, a positive integer; 1 unless the manifest or `--version` says otherwise.
    pub version: u64,
    /// A name for people; the id when absent.
    pub name: Option<String>,
    /// `None` lets the packager guess the kind from the files.
    pub kind: Option<PackKind>,
    /// BCP 47 language tags this variant is for; empty for language-neutral packs.
    pub languages: Vec<String>,
    /// The name shared by the language variants of one pack.
    pub localization_group: Option<String>,
    /// Anything the app wants to carry with the pack, passed through untouched.
    pub user_info: Option<serde_json::Value>,
}

/// The serde mirror of the JSON document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackManifestJson {
    #[serde(rename = "assetPackID")]
    asset_pack_id: PackId,
    download_policy: DownloadPolicy,
    file_selectors: Vec<FileSelectorJson>,
    #[serde(default)]
    platforms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    localization_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_info: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileSelectorJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    directory: Option<String>,
}

impl PackManifest {
    /// Parses and validates a pack manifest; `input` names it in errors (a path, usually).
    pub fn parse(input: &str, text: &str) -> Result<Self, InputError> {
        let json: PackManifestJson =
            from_json(input, text, &["", "downloadPolicy", "fileSelectors[]"])?;
        let field = |name: &str, problem: String| InputError::field(input, name, problem);
        if json.file_selectors.is_empty() {
            return Err(field(
                "fileSelectors",
                "is empty: list at least one `file` or `directory`".into(),
            ));
        }
        let mut selectors = Vec::with_capacity(json.file_selectors.len());
        for (i, selector) in json.file_selectors.into_iter().enumerate() {
            let name = format!("fileSelectors[{i}]");
            selectors.push(parse_selector(selector).map_err(|p| field(&name, p))?);
        }
        for (i, platform) in json.platforms.iter().enumerate() {
            if platform.trim().is_empty() {
                return Err(field(&format!("platforms[{i}]"), "is empty".into()));
            }
        }
        let version = json.version.unwrap_or(1);
        if version == 0 {
            return Err(field("version", "must be 1 or more".into()));
        }
        let kind = match &json.kind {
            Some(name) => Some(kind::parse_strict(name).map_err(|p| field("kind", p))?),
            None => None,
        };
        check_localization(&json.languages, json.localization_group.as_deref())
            .map_err(|(name, problem)| field(&name, problem))?;
        Ok(Self {
            id: json.asset_pack_id,
            policy: json.download_policy,
            selectors,
            platforms: json.platforms,
            version,
            name: json.name,
            kind,
            languages: json.languages,
            localization_group: json.localization_group,
            user_info: json.user_info,
        })
    }

    /// The manifest as pretty JSON (what the packager embeds in an archive).
    pub fn to_json(&self) -> String {
        let json = PackManifestJson {
            asset_pack_id: self.id.clone(),
            download_policy: self.policy,
            file_selectors: self
                .selectors
                .iter()
                .map(|selector| match selector {
                    FileSelector::File(path) => FileSelectorJson {
                        file: Some(path.clone()),
                        directory: None,
                    },
                    FileSelector::Directory(path) => FileSelectorJson {
                        file: None,
                        directory: Some(path.clone()),
                    },
                })
                .collect(),
            platforms: self.platforms.clone(),
            version: Some(self.version),
            name: self.name.clone(),
            kind: self.kind.map(|kind| kind.name().to_string()),
            languages: self.languages.clone(),
            localization_group: self.localization_group.clone(),
            user_info: self.user_info.clone(),
        };
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn parse_selector(json: FileSelectorJson) -> Result<FileSelector, String> {
    match (json.file, json.directory) {
        (Some(file), None) => Ok(FileSelector::File(rel_path::check(&file)?.to_string())),
        (None, Some(dir)) => Ok(FileSelector::Directory(rel_path::check(&dir)?.to_string())),
        (Some(_), Some(_)) => Err("has both `file` and `directory`; use one per selector".into()),
        (None, None) => Err("needs `file` or `directory`".into()),
    }
}

/// Checks `languages` and `localizationGroup`; the error names the offending field.
pub(crate) fn check_localization(
    languages: &[String],
    group: Option<&str>,
) -> Result<(), (String, String)> {
    for (i, tag) in languages.iter().enumerate() {
        if !is_language_tag(tag) {
            return Err((
                format!("languages[{i}]"),
                format!("`{tag}` is not a language tag such as `en`, `fr-CA` or `zh-Hans`"),
            ));
        }
    }
    if let Some(group) = group {
        if group.trim().is_empty() {
            return Err(("localizationGroup".into(), "is empty".into()));
        }
        if languages.is_empty() {
            return Err((
                "languages".into(),
                format!("is empty, but the pack is a variant of `{group}`: list its languages"),
            ));
        }
    }
    Ok(())
}

/// A BCP 47 tag in its common shape: a 2–8 letter language, then 1–8 alphanumeric subtags.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=8).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    language_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The pack manifest `bgassets pack template ID` writes, in the shape of `ba-package template`.
pub fn template(id: &PackId) -> String {
    format!(
        r#"{{
  // The pack's id: ASCII letters, digits, `.`, `_`, `-` and `/`.
  "assetPackID": "{id}",
  // One of: "essential" or "prefetch" (with installationEventTypes), or "onDemand": {{}}.
  "downloadPolicy": {{
    "prefetch": {{
      "installationEventTypes": ["firstInstallation", "subsequentUpdate"]
    }}
  }},
  // Files and directories, relative to the --root given to `bgassets pack build`.
  "fileSelectors": [
    {{ "file": "path/to/file" }},
    {{ "directory": "path/to/directory" }}
  ],
  "platforms": ["macOS", "linux", "windows"],
  // bgassets additions, all optional: the version (default 1), a display name, the kind of
  // content (audio, images, video, levels, models, achievements, fonts, text, data), and for
  // language variants their languages and the group they belong to.
  "version": 1,
  "name": "{id}"
}}
"#
    )
}
