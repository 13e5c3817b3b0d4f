//! What [`super::AssetPackManager`]'s calls take and give: where the manager listens
//! ([`Endpoint`]), a pack as Apple's `AssetPack` shows it, its status, and an update check's
//! outcome.

// Public items still to be documented (issue 12): the lead's next commit.
#![allow(missing_docs)]

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
    pub id: String,
    pub name: String,
    pub kind: PackKind,
    pub policy: DownloadPolicy,
    /// The version the server lists, else the installed one.
    pub version: Option<u64>,
    pub download_size: u64,
    pub install_size: u64,
    /// The languages of a localized variant (empty for every language).
    pub languages: Vec<String>,
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
    pub flags: StatusFlags,
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
