//! What a [`Request`] reaches: its method's name as the socket spells it, and its [`Target`]
//! (the manager, every app, some apps, one app's own downloads), from which the socket's
//! authority decides who may send it.

use super::{Request, Selection};

/// What a request reads or changes, so the socket can tell who may send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// The manager as a whole: limits, languages, registering an app from a path.
    Manager,
    /// Every app: `status`, `checkUpdates` of all, `pause` or `resume` of all.
    Everything,
    /// The packs of these apps (bundle ids, as the request names them).
    Apps(Vec<&'a str>),
    /// One app's own downloads: an app connection for that very app only (its App Group
    /// does not stretch to other apps' downloads), a controller for any.
    OwnApp(&'a str),
}

impl Selection {
    /// The apps this selection reaches.
    pub fn target(&self) -> Target<'_> {
        match self {
            Self::All => Target::Everything,
            Self::App(app) => Target::Apps(vec![app]),
            Self::Packs(packs) => {
                let mut apps: Vec<&str> = packs.iter().map(|p| p.app.as_str()).collect();
                apps.sort_unstable();
                apps.dedup();
                Target::Apps(apps)
            }
        }
    }
}

impl Request {
    /// Every verb's method name, as the socket spells it; a test checks it against serde's names
    /// (the same as [`Request::method`] gives, one for each variant).
    pub const METHODS: &'static [&'static str] = &[
        "status",
        "statusChanges",
        "allAssetPacks",
        "assetPack",
        "register",
        "unregister",
        "ensure",
        "pause",
        "resume",
        "prioritize",
        "remove",
        "checkUpdates",
        "setLimits",
        "setLanguages",
        "filePath",
        "registerExtension",
        "extensionAnswer",
        "scheduleDownload",
        "currentDownloads",
        "cancelDownload",
        "startForegroundDownload",
        "acquireExclusiveControl",
        "releaseExclusiveControl",
    ];

    /// The method's name, as the socket spells it (`allAssetPacks`): serde's name of the
    /// variant, which a test checks for every variant.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::StatusChanges { .. } => "statusChanges",
            Self::AllAssetPacks { .. } => "allAssetPacks",
            Self::AssetPack { .. } => "assetPack",
            Self::Register { .. } => "register",
            Self::Unregister { .. } => "unregister",
            Self::Ensure { .. } => "ensure",
            Self::Pause { .. } => "pause",
            Self::Resume { .. } => "resume",
            Self::Prioritize { .. } => "prioritize",
            Self::Remove { .. } => "remove",
            Self::CheckUpdates { .. } => "checkUpdates",
            Self::SetLimits { .. } => "setLimits",
            Self::SetLanguages { .. } => "setLanguages",
            Self::FilePath { .. } => "filePath",
            Self::RegisterExtension { .. } => "registerExtension",
            Self::ExtensionAnswer { .. } => "extensionAnswer",
            Self::ScheduleDownload { .. } => "scheduleDownload",
            Self::CurrentDownloads { .. } => "currentDownloads",
            Self::CancelDownload { .. } => "cancelDownload",
            Self::StartForegroundDownload { .. } => "startForegroundDownload",
            Self::AcquireExclusiveControl { .. } => "acquireExclusiveControl",
            Self::ReleaseExclusiveControl { .. } => "releaseExclusiveControl",
        }
    }

    /// What this request reads or changes.
    pub fn target(&self) -> Target<'_> {
        match self {
            Self::Status | Self::StatusChanges { .. } | Self::CheckUpdates { app: None } => {
                Target::Everything
            }
            Self::Register { .. } | Self::SetLimits { .. } | Self::SetLanguages { .. } => {
                Target::Manager
            }
            Self::Pause { selection } | Self::Resume { selection } => selection.target(),
            Self::AllAssetPacks { app }
            | Self::AssetPack { app, .. }
            | Self::Unregister { app }
            | Self::Ensure { app, .. }
            | Self::Prioritize { app, .. }
            | Self::Remove { app, .. }
            | Self::CheckUpdates { app: Some(app) }
            | Self::FilePath { app, .. } => Target::Apps(vec![app]),
            // The socket server answers both for the connection's own app (its hello).
            Self::RegisterExtension { .. } | Self::ExtensionAnswer { .. } => Target::Manager,
            Self::ScheduleDownload { app, .. }
            | Self::CurrentDownloads { app }
            | Self::CancelDownload { app, .. }
            | Self::StartForegroundDownload { app, .. }
            | Self::AcquireExclusiveControl { app, .. }
            | Self::ReleaseExclusiveControl { app, .. } => Target::OwnApp(app),
        }
    }
}
