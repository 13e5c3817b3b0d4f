//! The running demo: the demo site served by the real mock server, bandwidth-capped so progress
//! is visible, and a manager in a scratch data dir (or a given one) with the demo app
//! registered, its manifest URL pointing at that server.

use std::path::PathBuf;

use super::site::{DemoSite, build_site, default_dir, info_plist_for};
use crate::manager::api::{ApiError, Request};
use crate::manager::{Manager, ManagerConfig, ManagerError};
use crate::server::{Faults, ServeConfig, ServeError, Server};
use crate::store::Paths;

/// The demo server's bandwidth: the first installation (about 31 MB) takes some seconds.
pub const DEMO_RATE: u64 = 4_000_000;

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The demo packs could not be built.
    #[error("cannot build the demo packs")]
    Build(#[from] crate::pack::BuildError),
    /// The mock server could not start.
    #[error("cannot serve the demo packs")]
    Serve(#[from] ServeError),
    /// The manager could not start.
    #[error("cannot start the demo's manager")]
    Manager(#[from] ManagerError),
    /// A file or folder of the demo could not be written.
    #[error("cannot prepare {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The manager refused the demo app.
    #[error("cannot register the demo app: {0}")]
    Register(ApiError),
}

/// A running demo. Dropping it removes a scratch data dir.
pub struct Demo {
    /// The manager, with the demo app registered.
    pub manager: Manager,
    /// The mock server that serves the demo site.
    pub server: Server,
    /// The manager's data dir.
    pub data_dir: PathBuf,
    /// The scratch data dir, removed when dropped (`None` when a data dir was given).
    pub scratch: Option<tempfile::TempDir>,
}

impl Demo {
    /// Stops the manager and the server.
    pub async fn shutdown(self) {
        self.manager.shutdown().await;
        self.server.shutdown().await;
    }
}

/// Builds the demo site in [`default_dir`] (or reuses an identical earlier build) on a
/// blocking thread.
pub async fn build_default_site() -> Result<DemoSite, DemoError> {
    let dir = default_dir();
    tracing::info!("building the demo packs in {}", dir.display());
    tokio::task::spawn_blocking(move || build_site(&dir))
        .await
        .map_err(|e| DemoError::Io {
            path: default_dir(),
            source: std::io::Error::other(e),
        })?
        .map_err(DemoError::from)
}

/// The demo app's bundle id.
pub const DEMO_APP: &str = "org.bgassets.demo.starfield";

/// The on-demand pack the demo app asks for at start (its extension vetoes it).
pub const UPSCALER: &str = "ml/upscaler.onnx";

/// Starts the demo; `data_dir` defaults to a scratch folder removed when the demo ends.
pub async fn start_demo(data_dir: Option<PathBuf>) -> Result<Demo, DemoError> {
    let site = build_default_site().await?;
    let mut config = ServeConfig::new(&site.site);
    config.faults = Faults {
        rate: Some(DEMO_RATE),
        ..Faults::default()
    };
    let server = Server::start(config).await?;
    let (data_dir, scratch) = match data_dir {
        Some(dir) => (dir, None),
        None => {
            let scratch = tempfile::Builder::new()
                .prefix("bgassets-demo-data-")
                .tempdir()
                .map_err(|source| DemoError::Io {
                    path: std::env::temp_dir(),
                    source,
                })?;
            (scratch.path().to_path_buf(), Some(scratch))
        }
    };
    let plist = data_dir.join("demo-app/Info.plist");
    let mut text = info_plist_for(&server.manifest_url());
    match super::extension::find() {
        Some(built) => match super::extension::install(&built, &data_dir.join("demo-app")) {
            Ok(_) => text = super::extension::with_key(&text),
            Err(error) => tracing::warn!(
                "the demo runs without its downloader extension: cannot copy {}: {error}",
                built.display()
            ),
        },
        None => tracing::info!(
            "the demo runs without its downloader extension: build it with `cargo build --bin bgassets-demo-extension` (or set {})",
            super::extension::ENV
        ),
    }
    crate::store::write_atomically(&plist, text.as_bytes()).map_err(|source| DemoError::Io {
        path: plist.clone(),
        source,
    })?;
    let manager = Manager::start(ManagerConfig::new(Paths::under(&data_dir))).await?;
    manager
        .handle()
        .call(Request::Register { path: plist })
        .await
        .map_err(DemoError::Register)?;
    // The demo app asks for its upscaler model at start, as a running app would: with its
    // extension, the window shows that on-demand pack vetoed by the app.
    let upscaler = Request::Ensure {
        app: DEMO_APP.into(),
        pack: UPSCALER.into(),
        require_latest: false,
    };
    if let Err(error) = manager.handle().call(upscaler).await {
        tracing::warn!("the demo app could not ask for {UPSCALER}: {error}");
    }
    Ok(Demo {
        manager,
        server,
        data_dir,
        scratch,
    })
}
