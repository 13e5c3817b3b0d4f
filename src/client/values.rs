//! What [`super::AssetPackManager`]'s calls take and give: where the manager listens
//! ([`Endpoint`]), a pack as Apple's `AssetPack` shows it, its status, and an update check's
//! outcome.

use std::path::{Path, PathBuf};

use crate::manager::view::PackView;
use crate::model::{Activity, DownloadPolicy, PackKind, StatusFlags};
use crate::store::Paths;

/// Where the manager listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    socket: PathBuf,
}

impl Endpoint {
    /// The socket's path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl From<&Paths> for Endpoint {
    fn from(paths: &Paths) -> Self {
        Self {
            socket: paths.socket_path(),
        }
    }
}

impl From<Paths> for Endpoint {
    fn from(paths: Paths) -> Self {
        Self::from(&paths)
    }
}

impl From<&Path> for Endpoint {
    fn from(socket: &Path) -> Self {
        Self {
            socket: socket.to_path_buf(),
        }
    }
}

impl From<PathBuf> for Endpoint {
    fn from(socket: PathBuf) -> Self {
        Self { socket }
    }
}

impl From<&PathBuf> for Endpoint {
    fn from(socket: &PathBuf) -> Self {
        Self::from(socket.as_path())
    }
}

/// A pack as the app's manifest declares it (Apple's `AssetPack`).
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPack {
    /// The pack's id (`assetPackID`).
    pub id: String,
    /// A name for people; the id when the manifest gives none.
    pub name: String,
    /// What the pack holds, for its icon.
    pub kind: PackKind,
    /// When the pack downloads: essential, prefetch or on demand.
    pub policy: DownloadPolicy,
    /// The version the server lists, else the installed one.
    pub version: Option<u64>,
    /// The archive's size in bytes.
    pub download_size: u64,
    /// The total size of the extracted files in bytes.
    pub install_size: u64,
    /// The languages of a localized variant (empty for every language).
    pub languages: Vec<String>,
    /// Anything the app carries with the pack, passed through untouched.
    pub user_info: Option<serde_json::Value>,
}

impl From<PackView> for AssetPack {
    fn from(view: PackView) -> Self {
        Self {
            version: view.listed_version.or(view.installed_version),
            id: view.id,
            name: view.name,
            kind: view.kind,
            policy: view.policy,
            download_size: view.download_size,
            install_size: view.install_size,
            languages: view.languages,
            user_info: view.user_info,
        }
    }
}

/// A pack's status (Apple's `BAAssetPackStatus` flags), with what is happening to it now.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPackStatus {
    /// Apple's status flags, derived from the pack's state.
    pub flags: StatusFlags,
    /// What the manager is doing with the pack right now.
    pub activity: Activity,
}

/// What [`AssetPackManager::check_for_updates`](super::AssetPackManager::check_for_updates) started: packs being updated and packs removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateCheck {
    /// Ids of the app's packs now being updated.
    pub updating: Vec<String>,
    /// Ids of the app's packs removed because the manifest no longer lists them.
    pub removed: Vec<String>,
}
