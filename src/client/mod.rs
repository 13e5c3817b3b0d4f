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
//! - [`downloads`]: the app's own downloads (`BADownloadManager`).
//! - [`error`]: [`ClientError`], with Apple's `assetPackNotFound` and `fileNotFound`.
//! - [`updates`]: status-update streams and waiting for an install.
//! - `values`: what the calls take and give: [`Endpoint`], [`AssetPack`], [`AssetPackStatus`],
//!   [`UpdateCheck`].
//!
//! Beyond Apple's API (and for controllers: the window, `bgassets ctl`), [`ManagerApi`] asks
//! any verb with its typed result, in-process ([`crate::manager::ManagerHandle`]) or over the
//! socket ([`Connection`]).

pub mod downloads;
pub mod error;
pub mod updates;
mod values;

use std::path::PathBuf;

use tokio::sync::OnceCell;

use crate::ipc::{Connection, Events, Hello};
use crate::manager::api::PackRef;
use crate::manager::view::PackView;
use crate::model::FolderName;

pub use crate::manager::api::ManagerApi;
pub use error::ClientError;
pub use updates::StatusUpdates;
pub use values::{AssetPack, AssetPackStatus, Endpoint, UpdateCheck};

/// One app's view of the manager (Apple's `AssetPackManager`). Cheap to clone; clones share one
/// connection.
#[derive(Debug, Clone)]
pub struct AssetPackManager {
    connection: Connection,
    app: String,
    subscribed: std::sync::Arc<OnceCell<()>>,
}

impl AssetPackManager {
    /// Connects to the manager (its [`Paths`](crate::store::Paths) or its socket's path) on behalf of `app`, a
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
        self.connection
            .remove(&self.app, id)
            .await
            .map(drop)
            .map_err(|e| ClientError::from_call(e, Some(id), None))
    }

    /// Re-reads the app's manifest (`checkForUpdates()`): packs now being updated, packs removed.
    pub async fn check_for_updates(&self) -> Result<UpdateCheck, ClientError> {
        let result = self
            .connection
            .check_updates(Some(&self.app))
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
        self.connection
            .file_path(&self.app, pack, path)
            .await
            .map_err(|e| ClientError::from_call(e, Some(pack), Some(path)))
    }

    /// Everything the manager knows about one pack.
    pub async fn view(&self, id: &str) -> Result<PackView, ClientError> {
        self.connection
            .asset_pack(&self.app, id)
            .await
            .map_err(|e| ClientError::from_call(e, Some(id), None))
    }

    async fn all_views(&self) -> Result<Vec<PackView>, ClientError> {
        self.connection
            .all_asset_packs(&self.app)
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
