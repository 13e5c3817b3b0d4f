//! A real manager behind a real socket, for the hostile-message replay and the load test: two
//! apps ([`GAME`], [`OTHER`]) whose packs are built by the real packager and served by the real
//! mock server on 127.0.0.1, a manager in a temp data dir with both registered, its socket
//! server, and a canary folder beside the data dir that nothing may touch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bgassets::ipc::{Connection, SocketServer};
use bgassets::manager::api::{ManagerApi, Request};
use bgassets::manager::view::StatusDocument;
use bgassets::manager::{Manager, ManagerConfig, ManagerHandle};
use bgassets::server::{Faults, ServeConfig, Server};
use bgassets::store::Paths;
use tokio_util::sync::CancellationToken;

use super::{GAME, OTHER, Raw};

pub use crate::support::manager::{ESSENTIAL, ON_DEMAND};

use crate::support::manager::{self, Spec};
use crate::support::random_bytes;
use crate::support::wait::within;

/// One pack: its app, id, policy (JSON) and size in bytes.
#[derive(Debug, Clone)]
pub struct PackSpec {
    pub app: &'static str,
    pub id: String,
    pub policy: &'static str,
    pub size: usize,
}

impl PackSpec {
    pub fn new(
        app: &'static str,
        id: impl Into<String>,
        policy: &'static str,
        size: usize,
    ) -> Self {
        Self {
            app,
            id: id.into(),
            policy,
            size,
        }
    }
}

/// The packs the hostile replay uses: `Tutorial` (essential) and `Levels` (on demand) of
/// [`GAME`], `Music` (essential) of [`OTHER`].
pub fn small_catalogue() -> Vec<PackSpec> {
    vec![
        PackSpec::new(GAME, "Tutorial", ESSENTIAL, 20_000),
        PackSpec::new(GAME, "Levels", ON_DEMAND, 30_000),
        PackSpec::new(OTHER, "Music", ESSENTIAL, 10_000),
    ]
}

/// A running manager with both apps registered.
pub struct Real {
    pub root: tempfile::TempDir,
    pub canary: PathBuf,
    pub site: Server,
    pub manager: Manager,
    pub socket: PathBuf,
    pub capability_file: PathBuf,
    stop: CancellationToken,
    serving: tokio::task::JoinHandle<()>,
}

impl Real {
    /// Builds and serves `packs` with `faults`, starts a manager, serves its socket, registers
    /// both apps and waits until their essential packs are installed.
    pub async fn start(packs: &[PackSpec], faults: Faults) -> Self {
        let root = tempfile::tempdir().unwrap();
        let canary = root.path().join("canary");
        plant_canary(&canary);
        let site_dir = root.path().join("site");
        let specs = packs.to_vec();
        let build_dir = root.path().to_path_buf();
        tokio::task::spawn_blocking(move || build_site(&build_dir, &specs))
            .await
            .unwrap();
        let mut config = ServeConfig::new(&site_dir);
        config.faults = faults;
        let site = Server::start(config).await.unwrap();

        let paths = Paths::under(root.path().join("data"));
        let mut config = ManagerConfig::new(paths.clone());
        config.retry.base_delay = Duration::from_millis(50);
        let manager = Manager::start(config).await.unwrap();
        let socket = paths.socket_path();
        let server = SocketServer::bind(&socket).unwrap();
        let capability_file = server.capability_file().to_path_buf();
        let stop = CancellationToken::new();
        let serving = tokio::spawn(server.serve(manager.handle(), stop.clone()));
        let real = Self {
            root,
            canary,
            site,
            manager,
            socket,
            capability_file,
            stop,
            serving,
        };
        for app in [GAME, OTHER] {
            let plist = real.plist(app);
            real.handle()
                .call(Request::Register { path: plist })
                .await
                .unwrap_or_else(|e| panic!("registering {app}: {e}"));
        }
        real.until("the essential packs are installed", |document| {
            document.apps.iter().all(|app| {
                app.last_checked_ms.is_some()
                    && app
                        .packs
                        .iter()
                        .filter(|p| p.policy.is_essential())
                        .all(|p| p.flags.up_to_date)
            })
        })
        .await;
        real
    }

    pub fn handle(&self) -> ManagerHandle {
        self.manager.handle()
    }

    /// Writes `app`'s Info.plist (outside the data dir) and returns its path.
    pub fn plist(&self, app: &str) -> PathBuf {
        let path = self.root.path().join(format!("apps/{app}.app/Info.plist"));
        let manifest = self.site.url_of(&format!("{app}/site/manifest.json"));
        let name = format!("<key>CFBundleName</key><string>{app}</string>");
        crate::support::manager::app_plist(path, app, &manifest, "1", &name)
    }

    /// Waits (30 s at most) until `done` holds for the status document, and returns it.
    pub async fn until(
        &self,
        what: &str,
        done: impl Fn(&StatusDocument) -> bool,
    ) -> StatusDocument {
        let handle = self.handle();
        let mut events = handle.subscribe();
        let wait = async {
            loop {
                let document = handle.status().await.unwrap();
                if done(&document) {
                    return document;
                }
                let _ = tokio::time::timeout(Duration::from_millis(200), events.recv()).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("not {what} within 30 s"))
    }

    /// A Rust connection that said hello as a controller.
    pub async fn controller(&self) -> Connection {
        within(Connection::connect_controller(
            &self.socket,
            &self.capability_file,
        ))
        .await
        .unwrap()
    }

    /// A raw client that has said nothing yet.
    pub async fn raw(&self) -> Raw {
        Raw::connect(&self.socket).await
    }

    /// Every file under the canary folder with its bytes (folders as empty entries).
    pub fn canary_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        crate::support::tree(&self.canary)
    }

    /// Stops the socket server, the manager and the mock server.
    pub async fn stop(self) {
        self.stop.cancel();
        within(self.serving).await.unwrap();
        self.manager.shutdown().await;
        self.site.shutdown().await;
    }
}

/// A folder beside the data dir with a file, a subfolder and an Info.plist an attacker might
/// try to register.
fn plant_canary(canary: &Path) {
    std::fs::create_dir_all(canary.join("keep/inner")).unwrap();
    std::fs::write(canary.join("secret.txt"), "the user's own file").unwrap();
    std::fs::write(canary.join("keep/inner/data.bin"), random_bytes(1000, 7)).unwrap();
    std::fs::write(
        canary.join("Info.plist"),
        "<plist version=\"1.0\"><dict/></plist>",
    )
    .unwrap();
}

/// Builds each app's packs with the real packager into `dir/site/<app>/site/` with its manifest.
fn build_site(dir: &Path, packs: &[PackSpec]) {
    for app in [GAME, OTHER] {
        let specs: Vec<Spec> = packs
            .iter()
            .filter(|p| p.app == app)
            .map(|p| Spec::new(p.id.clone(), p.policy, p.size))
            .collect();
        manager::build_site(&dir.join("site").join(app), &specs);
    }
}
