//! Helpers for the manager's end-to-end tests: packs built with the real packager into a site a
//! real mock server serves on 127.0.0.1, an Info.plist pointing at it, and a real manager in a
//! temp data dir. Waits poll the manager's events with timeouts, never fixed sleeps.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use bgassets::manager::api::ManagerApi;
use bgassets::manager::api::{Request, Response};
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::manager::view::{PackView, StatusDocument};
use bgassets::manager::{Manager, ManagerConfig, ManagerHandle};
use bgassets::server::{Faults, ServeConfig, Server};
use bgassets::store::Paths;

pub const APP: &str = "org.example.game";

/// One pack to build: id, policy JSON, files (name, bytes), version, languages, group.
#[derive(Clone)]
pub struct Spec {
    pub id: String,
    pub policy: &'static str,
    pub files: Vec<(String, Vec<u8>)>,
    pub version: u64,
    pub languages: Vec<&'static str>,
    pub group: Option<&'static str>,
}

pub const ESSENTIAL: &str =
    r#"{"essential": {"installationEventTypes": ["firstInstallation", "subsequentUpdate"]}}"#;
pub const ESSENTIAL_ON_UPDATE: &str =
    r#"{"essential": {"installationEventTypes": ["subsequentUpdate"]}}"#;
pub const PREFETCH: &str = r#"{"prefetch": {"installationEventTypes": ["firstInstallation"]}}"#;
pub const PREFETCH_ON_UPDATE: &str =
    r#"{"prefetch": {"installationEventTypes": ["subsequentUpdate"]}}"#;
pub const ON_DEMAND: &str = r#"{"onDemand": {}}"#;

/// Incompressible bytes for a pack file (so archive sizes match file sizes), one seed per id.
pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    super::random_bytes(len, u64::from(seed))
}

impl Spec {
    pub fn new(id: impl Into<String>, policy: &'static str, size: usize) -> Self {
        let id = id.into();
        let seed = id.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        Self {
            files: vec![(format!("{id}/data.bin"), bytes(size, seed))],
            id,
            policy,
            version: 1,
            languages: vec![],
            group: None,
        }
    }

    pub fn version(mut self, version: u64) -> Self {
        self.version = version;
        let seed = self
            .id
            .bytes()
            .fold(version as u8, |a, b| a.wrapping_add(b));
        for (_, data) in &mut self.files {
            *data = bytes(data.len(), seed);
        }
        self
    }

    pub fn localized(mut self, group: &'static str, languages: &[&'static str]) -> Self {
        self.group = Some(group);
        self.languages = languages.to_vec();
        self
    }
}

/// A site served by the mock server.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub server: Server,
}

impl Site {
    pub async fn start(specs: &[Spec], faults: Faults) -> Self {
        let dir = tempfile::tempdir().unwrap();
        build_site(dir.path(), specs);
        let mut config = ServeConfig::new(dir.path().join("site"));
        config.faults = faults;
        let server = Server::start(config).await.unwrap();
        Self { dir, server }
    }

    /// Rebuilds the site with `specs` (the server serves the new files at once).
    pub fn publish(&self, specs: &[Spec]) {
        build_site(self.dir.path(), specs);
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("site")
    }
}

/// Builds each spec with `bgassets::pack` and indexes them into `dir/site/manifest.json`.
pub fn build_site(dir: &Path, specs: &[Spec]) {
    let site = dir.join("site");
    let _ = std::fs::remove_dir_all(&site);
    let mut archives = Vec::new();
    for spec in specs {
        let root = dir
            .join("sources")
            .join(spec.id.replace('/', "_"))
            .join(spec.version.to_string());
        for (name, data) in &spec.files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        let mut manifest = serde_json::json!({
            "assetPackID": spec.id,
            "downloadPolicy": serde_json::from_str::<serde_json::Value>(spec.policy).unwrap(),
            "fileSelectors": [{"directory": spec.id.split('/').next().unwrap()}],
            "version": spec.version,
        });
        if let Some(group) = spec.group {
            manifest["localizationGroup"] = group.into();
            manifest["languages"] = spec.languages.clone().into();
        }
        let manifest_path = root.join("pack.json");
        std::fs::write(&manifest_path, manifest.to_string()).unwrap();
        let archive = site.join("packs").join(format!(
            "{}-{}.zip",
            spec.id.replace('/', "_"),
            spec.version
        ));
        bgassets::pack::build::build(&manifest_path, &root, &archive, None).unwrap();
        archives.push(archive);
    }
    bgassets::pack::index::index(&archives, None, &site.join("manifest.json"), |_, _| {}).unwrap();
}

/// An Info.plist for APP (named Game) pointing at `manifest_url`, with extra keys (raw plist
/// XML), in `dir/Game-VERSION.app/Contents/`.
pub fn plist(dir: &Path, manifest_url: &str, version: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("Game-{version}.app/Contents/Info.plist"));
    let extra = format!(
        "<key>CFBundleName</key><string>Game</string>
{extra}"
    );
    app_plist(path, APP, manifest_url, version, &extra)
}

/// Writes the Info.plist of managed app `bundle_id` at `path` (its folders made): its version,
/// its manifest URL and `extra` keys (raw plist XML). Every test app's Info.plist is made here.
pub fn app_plist(
    path: PathBuf,
    bundle_id: &str,
    manifest_url: &str,
    version: &str,
    extra: &str,
) -> PathBuf {
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{bundle_id}</string>
<key>CFBundleVersion</key><string>{version}</string>
<key>BAManifestURL</key><string>{manifest_url}</string>
<key>BAHasManagedAssetPacks</key><true/>
{extra}
</dict></plist>"#
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// A manager in `data` with quick retries.
pub async fn manager(data: &Path) -> Manager {
    let mut config = ManagerConfig::new(Paths::under(data));
    config.retry = bgassets::engine::RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(300),
        max_retry_after: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(2),
    };
    Manager::start(config).await.unwrap()
}

pub async fn call(handle: &ManagerHandle, request: Request) -> Response {
    handle
        .call(request.clone())
        .await
        .unwrap_or_else(|e| panic!("{request:?}: {e}"))
}

/// [`call`], its answer as the JSON the socket carries.
pub async fn call_json(handle: &ManagerHandle, request: Request) -> serde_json::Value {
    serde_json::to_value(call(handle, request).await).expect("an answer is JSON")
}

/// Waits (at most 20 s) until `done` holds for the status document, and returns it.
pub async fn until(
    handle: &ManagerHandle,
    what: &str,
    done: impl Fn(&StatusDocument) -> bool,
) -> StatusDocument {
    let mut events = handle.subscribe();
    let last = std::sync::Mutex::new(None);
    let wait = async {
        loop {
            let document = handle.status().await.unwrap();
            if done(&document) {
                return document;
            }
            *last.lock().unwrap() = Some(document);
            let _ = tokio::time::timeout(Duration::from_millis(500), events.recv()).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "not {what} within 20 s; last seen: {:#?}",
                last.lock().unwrap()
            )
        })
}

/// The pack's view.
pub fn pack<'a>(document: &'a StatusDocument, id: &str) -> &'a PackView {
    document
        .pack(APP, id)
        .unwrap_or_else(|| panic!("no pack {id} in {document:#?}"))
}

/// Whether every pack the app wants is installed or failed.
pub fn settled(document: &StatusDocument) -> bool {
    document.app(APP).is_some_and(|app| {
        app.last_checked_ms.is_some()
            && app
                .packs
                .iter()
                .all(|p| !p.wanted || p.flags.up_to_date || p.activity.is_failed())
    })
}

/// Collects events until `stop` returns true (at most 20 s).
pub async fn events_until(
    events: &mut tokio::sync::broadcast::Receiver<ManagerEvent>,
    stop: impl Fn(&ManagerEvent) -> bool,
) -> Vec<ManagerEvent> {
    let mut seen = Vec::new();
    let wait = async {
        loop {
            if let Ok(event) = events.recv().await {
                let done = stop(&event);
                seen.push(event);
                if done {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("event not seen within 20 s");
    seen
}

pub fn is(kind: &ManagerEventKind, name: &str) -> bool {
    serde_json::to_value(kind).unwrap()["event"] == name
}

/// `specs` served with `faults`, a manager in a temp data dir, and the app registered: the
/// site, the data dir and the manager.
pub async fn registered(specs: &[Spec], faults: Faults) -> (Site, tempfile::TempDir, Manager) {
    let site = Site::start(specs, faults).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call_json(&manager.handle(), Request::Register { path }).await;
    (site, data, manager)
}
