//! The Rust API an app links to use its asset packs, shaped like Apple's `AssetPackManager`:
//! one [`AssetPackManager`] per app, talking to the running bgassets manager over its local
//! socket (`docs/protocol.md`).
//!
//! | Apple | here |
//! |---|---|
//! | `allAssetPacks` | [`AssetPackManager::all_asset_packs`] |
//! | `assetPack(withID:)` | [`AssetPackManager::asset_pack`] |
//! | `status(ofAssetPackWithID:)` | [`AssetPackManager::status`] |
//! | `assetPackIsAvailableLocally(withID:)` | [`AssetPackManager::asset_pack_is_available_locally`] |
//! | `ensureLocalAvailability(of:requireLatestVersion:)` | [`AssetPackManager::ensure_local_availability`] |
//! | `statusUpdates(forAssetPackWithID:)` | [`AssetPackManager::status_updates`] |
//! | `remove(assetPackWithID:)` | [`AssetPackManager::remove`] |
//! | `checkForUpdates()` | [`AssetPackManager::check_for_updates`] |
//! | `contents(at:searchingInAssetPackWithID:)` | [`AssetPackManager::contents`] |
//! | `url(for:)` | [`AssetPackManager::url`] |
//!
//! ```no_run
//! # async fn run() -> Result<(), bgassets::client::ClientError> {
//! use bgassets::client::AssetPackManager;
//! use bgassets::store::Paths;
//!
//! let paths = Paths::resolve(None).expect("a home folder");
//! let manager = AssetPackManager::connect(&paths, "org.example.game").await?;
//! manager.ensure_local_availability("Tutorial", false).await?;
//! let intro = manager.contents("Videos/Intro.txt", Some("Tutorial")).await?;
//! # Ok(()) }
//! ```
//!
//! - [`error`]: [`ClientError`], with Apple's `assetPackNotFound` and `fileNotFound`.
//! - [`updates`]: status-update streams and waiting for an install.

// documented by issue 12's core/typed work
#![allow(missing_docs)]

pub mod error;
pub mod updates;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokio::sync::OnceCell;

use crate::ipc::{Connection, Events, Hello};
use crate::manager::api::{PackRef, Request};
use crate::manager::view::PackView;
use crate::model::{Activity, DownloadPolicy, FolderName, PackKind, StatusFlags};
use crate::store::Paths;

pub use error::ClientError;
pub use updates::StatusUpdates;

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

/// What [`AssetPackManager::check_for_updates`] started: packs being updated and packs removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateCheck {
    pub updating: Vec<String>,
    pub removed: Vec<String>,
}

/// `checkUpdates`' result on the wire.
#[derive(Debug, Deserialize)]
struct CheckResult {
    #[serde(default)]
    updating: Vec<PackRef>,
    #[serde(default)]
    removed: Vec<PackRef>,
}

/// One app's view of the manager (Apple's `AssetPackManager`). Cheap to clone; clones share one
/// connection.
#[derive(Debug, Clone)]
pub struct AssetPackManager {
    connection: Connection,
    app: String,
    subscribed: std::sync::Arc<OnceCell<()>>,
}

impl AssetPackManager {
    /// Connects to the manager (its [`Paths`] or its socket's path) on behalf of `app`, a
    /// registered bundle id, and says hello as that app: the connection sees and acts on that
    /// app's packs only. Needs a tokio runtime.
    pub async fn connect(
        endpoint: impl Into<Endpoint>,
        app: impl Into<String>,
    ) -> Result<Self, ClientError> {
        let app = app.into();
        let name = FolderName::parse(&app).map_err(|problem| ClientError::InvalidApp {
            app: app.clone(),
            problem,
        })?;
        let endpoint = endpoint.into();
        let connection = Connection::connect(endpoint.socket()).await?;
        connection
            .hello(Hello::App(name))
            .await
            .map_err(|e| ClientError::from_call(e, None, None))?;
        Ok(Self::over(connection, app))
    }

    /// An app's view over an existing connection that has said hello (as this app, or as a
    /// controller).
    pub fn over(connection: Connection, app: impl Into<String>) -> Self {
        Self {
            connection,
            app: app.into(),
            subscribed: Default::default(),
        }
    }

    /// The app's bundle id.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// The underlying connection, for requests beyond Apple's API.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Every pack the app's manifest declares (`allAssetPacks`).
    pub async fn all_asset_packs(&self) -> Result<Vec<AssetPack>, ClientError> {
        let views = self.all_views().await?;
        Ok(views.into_iter().map(AssetPack::from).collect())
    }

    /// One pack (`assetPack(withID:)`), or [`ClientError::AssetPackNotFound`].
    pub async fn asset_pack(&self, id: &str) -> Result<AssetPack, ClientError> {
        self.view(id).await.map(AssetPack::from)
    }

    /// A pack's status flags and activity (`status(ofAssetPackWithID:)`).
    pub async fn status(&self, id: &str) -> Result<AssetPackStatus, ClientError> {
        let view = self.view(id).await?;
        Ok(AssetPackStatus {
            flags: view.flags,
            activity: view.activity,
        })
    }

    /// Whether some version of the pack is installed (`assetPackIsAvailableLocally(withID:)`).
    pub async fn asset_pack_is_available_locally(&self, id: &str) -> Result<bool, ClientError> {
        Ok(self.view(id).await?.flags.downloaded)
    }

    /// Downloads and installs the pack if needed and returns once it is installed, or fails with
    /// the pack's error (`ensureLocalAvailability(of:requireLatestVersion:)`). Without
    /// `require_latest`, any installed version will do.
    pub async fn ensure_local_availability(
        &self,
        id: &str,
        require_latest: bool,
    ) -> Result<(), ClientError> {
        updates::ensure(self, id, require_latest).await
    }

    /// The pack's status updates from now on (`statusUpdates(forAssetPackWithID:)`): `began`,
    /// `paused`, `downloading(progress)`, `finished`, `failed(error)`.
    pub async fn status_updates(&self, id: &str) -> Result<StatusUpdates, ClientError> {
        let events = self.events().await?;
        Ok(StatusUpdates::new(self.clone(), id, events))
    }

    /// Removes the installed pack, cancelling its download (`remove(assetPackWithID:)`).
    pub async fn remove(&self, id: &str) -> Result<(), ClientError> {
        let request = Request::Remove {
            app: self.app.clone(),
            pack: id.to_string(),
        };
        self.connection
            .call(request)
            .await
            .map(drop)
            .map_err(|e| ClientError::from_call(e, Some(id), None))
    }

    /// Re-reads the app's manifest (`checkForUpdates()`): packs now being updated, packs removed.
    pub async fn check_for_updates(&self) -> Result<UpdateCheck, ClientError> {
        let request = Request::CheckUpdates {
            app: Some(self.app.clone()),
        };
        let result: CheckResult = self
            .connection
            .call_as(request)
            .await
            .map_err(|e| ClientError::from_call(e, None, None))?;
        let ids = |packs: Vec<PackRef>| {
            packs
                .into_iter()
                .filter(|p| p.app == self.app)
                .map(|p| p.pack)
                .collect()
        };
        Ok(UpdateCheck {
            updating: ids(result.updating),
            removed: ids(result.removed),
        })
    }

    /// The bytes of the file at `path` (relative, as in the pack: `Levels/1/map.bin`) in the
    /// installed pack `pack`, or in the first installed pack holding it when `pack` is `None`
    /// (`contents(at:searchingInAssetPackWithID:)`).
    pub async fn contents(&self, path: &str, pack: Option<&str>) -> Result<Vec<u8>, ClientError> {
        let file = self.url(path, pack).await?;
        match tokio::fs::read(&file).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ClientError::FileNotFound {
                path: path.to_string(),
                pack: pack.map(str::to_string),
            }),
            Err(source) => Err(ClientError::Read { path: file, source }),
        }
    }

    /// Where the file at `path` of an installed pack is (`url(for:)`); searched in every installed
    /// pack when `pack` is `None`.
    pub async fn url(&self, path: &str, pack: Option<&str>) -> Result<PathBuf, ClientError> {
        if let Some(pack) = pack {
            return self.file_path(path, pack).await;
        }
        for view in self.all_views().await? {
            if !view.flags.downloaded {
                continue;
            }
            match self.file_path(path, &view.id).await {
                Err(ClientError::FileNotFound { .. } | ClientError::AssetPackNotFound { .. }) => {}
                found => return found,
            }
        }
        Err(ClientError::FileNotFound {
            path: path.to_string(),
            pack: None,
        })
    }

    async fn file_path(&self, path: &str, pack: &str) -> Result<PathBuf, ClientError> {
        let request = Request::FilePath {
            app: self.app.clone(),
            pack: pack.to_string(),
            path: path.to_string(),
        };
        self.connection
            .call_as(request)
            .await
            .map_err(|e| ClientError::from_call(e, Some(pack), Some(path)))
    }

    /// Everything the manager knows about one pack.
    pub async fn view(&self, id: &str) -> Result<PackView, ClientError> {
        let request = Request::AssetPack {
            app: self.app.clone(),
            pack: id.to_string(),
        };
        self.connection
            .call_as(request)
            .await
            .map_err(|e| ClientError::from_call(e, Some(id), None))
    }

    async fn all_views(&self) -> Result<Vec<PackView>, ClientError> {
        let request = Request::AllAssetPacks {
            app: self.app.clone(),
        };
        self.connection
            .call_as(request)
            .await
            .map_err(|e| ClientError::from_call(e, None, None))
    }

    /// A receiver of this app's events; the connection subscribes on first use.
    async fn events(&self) -> Result<Events, ClientError> {
        let events = self.connection.events();
        self.subscribed
            .get_or_try_init(|| async {
                self.connection.subscribe(Some(&self.app)).await.map(drop)
            })
            .await
            .map_err(|e| ClientError::from_call(e, None, None))?;
        Ok(events)
    }
}
