//! Why an app's downloader extension is asked for content (Apple's `BAContentRequest`): the app
//! was installed, updated, or the periodic check came round.

use serde::{Deserialize, Serialize};

/// The kind of a content request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContentKind {
    /// The app was registered (installed) for the first time.
    Install,
    /// The app's `CFBundleVersion` changed.
    Update,
    /// The periodic check (its period is a setting).
    Periodic,
}

impl ContentKind {
    /// Whether downloads asked for now may be essential (Apple: only at install and update).
    pub fn allows_essential(self) -> bool {
        matches!(self, Self::Install | Self::Update)
    }

    /// The name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Update => "update",
            Self::Periodic => "periodic",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_install_and_update_allow_essential_downloads() {
        assert!(ContentKind::Install.allows_essential());
        assert!(ContentKind::Update.allows_essential());
        assert!(!ContentKind::Periodic.allows_essential());
        let json = serde_json::to_string(&ContentKind::Periodic).unwrap();
        assert_eq!(json, format!("\"{}\"", ContentKind::Periodic.as_str()));
    }
}
