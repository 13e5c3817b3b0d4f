//! The kind of content a pack holds (audio, images, levels…): it picks the icon shown in the
//! pack's progress ring, so a row is recognised before it is read.

use serde::{Deserialize, Serialize};

/// What a pack contains. Unknown names in a server manifest read as [`PackKind::Data`], so older
/// managers keep working with newer manifests; the packager refuses unknown names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PackKind {
    /// Music, sound effects, voice.
    Audio,
    /// Pictures and textures.
    Images,
    /// Films and cutscenes.
    Video,
    /// Game levels and maps.
    Levels,
    /// 3D models and machine-learning models.
    Models,
    /// Achievements and rewards.
    Achievements,
    /// Typefaces.
    Fonts,
    /// Documents, dictionaries, localised text.
    Text,
    /// Anything else (the default).
    #[default]
    Data,
}

impl PackKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [PackKind; 9] = [
        Self::Audio,
        Self::Images,
        Self::Video,
        Self::Levels,
        Self::Models,
        Self::Achievements,
        Self::Fonts,
        Self::Text,
        Self::Data,
    ];

    /// The camelCase name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Images => "images",
            Self::Video => "video",
            Self::Levels => "levels",
            Self::Models => "models",
            Self::Achievements => "achievements",
            Self::Fonts => "fonts",
            Self::Text => "text",
            Self::Data => "data",
        }
    }

    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// A guess from a file name's extension, used by the packager when a manifest has no `kind`.
    pub fn guess_from_extension(extension: &str) -> Option<Self> {
        let kind = match extension.to_ascii_lowercase().as_str() {
            "mp3" | "wav" | "ogg" | "m4a" | "aac" | "flac" | "caf" | "opus" => Self::Audio,
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "heic" | "ktx" | "ktx2" | "dds" | "tga" => {
                Self::Images
            }
            "mp4" | "mov" | "webm" | "mkv" | "m4v" => Self::Video,
            "onnx" | "mlmodel" | "gguf" | "safetensors" | "glb" | "gltf" | "obj" | "fbx"
            | "usdz" => Self::Models,
            "ttf" | "otf" | "woff" | "woff2" => Self::Fonts,
            "txt" | "md" | "html" | "strings" | "po" => Self::Text,
            "level" | "map" | "tmx" => Self::Levels,
            _ => return None,
        };
        Some(kind)
    }
}

impl<'de> Deserialize<'de> for PackKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::from_name(&name).unwrap_or_default())
    }
}

/// Strict parsing for authored pack manifests: an unknown kind is a typo to report.
pub fn parse_strict(name: &str) -> Result<PackKind, String> {
    PackKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = PackKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown kind `{name}`; expected one of {}",
            names.join(", ")
        )
    })
}
