//! Helpers for the socket tests: a fake manager ([`FakeService`]) that records every request,
//! answers from a small in-memory catalog and emits events as a real one would; a server on a
//! socket in a temp dir; raw line clients that say hello as a controller, as an app or not at
//! all.

pub mod real;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bgassets::engine::Limits;
use bgassets::ipc::{Connection, Service, SocketServer};
use bgassets::manager::api::{ApiError, ManagerApi, PackRef, Request, Response, Updates};
use bgassets::manager::delta::StatusDelta;
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::manager::view::{AppView, PackView, STATUS_SCHEMA, StatusDocument};
use bgassets::model::{
    Activity, DownloadPolicy, ErrorKind, InstallationEvent, InstallationEvents, PackError,
    PackKind, PackStatus, Progress, StatusUpdate,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::support::wait::within;

pub const GAME: &str = "org.example.game";
pub const OTHER: &str = "org.example.other";
/// An app whose `checkUpdates` takes 2 s in the fake (it has no packs).
pub const SLOW: &str = "org.example.slow";

/// A pack as the fake manager knows it.
#[derive(Debug, Clone)]
struct FakePack {
    app: &'static str,
    id: &'static str,
    policy: DownloadPolicy,
    status: PackStatus,
}

/// A manager that answers from memory. Packs of [`GAME`]: `Tutorial` (essential, installed),
/// `Levels` (on demand, not installed; `ensure` installs it with events), `Broken` (on demand;
/// `ensure` fails with `checksumMismatch`), `Flaky` (on demand; the first `ensure` fails, the next
/// ones install it); [`OTHER`] has `Music`. Like the real manager, `ensure` answers with the
/// pack's view as it was before the download starts. `register` of a path named
/// `slow` answers after 300 ms.
#[derive(Clone)]
pub struct FakeService {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    requests: Mutex<Vec<Request>>,
    answered: std::sync::atomic::AtomicUsize,
    flaky_failed: std::sync::atomic::AtomicBool,
    packs: Mutex<Vec<FakePack>>,
    /// Apps' App Group ids, which name their containers.
    groups: Mutex<std::collections::HashMap<String, String>>,
    events: broadcast::Sender<ManagerEvent>,
}

impl FakeService {
    /// Containers under `root`; `Tutorial`'s files are written there.
    pub fn new(root: &Path) -> Self {
        let essential = DownloadPolicy::Essential(InstallationEvents::ALL);
        let status = |installed, listed| PackStatus {
            installed_version: installed,
            listed_version: listed,
            activity: Activity::Idle,
        };
        let packs = vec![
            FakePack {
                app: GAME,
                id: "Tutorial",
                policy: essential,
                status: status(Some(1), Some(1)),
            },
            FakePack {
                app: GAME,
                id: "Levels",
                policy: DownloadPolicy::OnDemand,
                status: status(None, Some(2)),
            },
            FakePack {
                app: GAME,
                id: "Broken",
                policy: DownloadPolicy::OnDemand,
                status: status(None, Some(1)),
            },
            FakePack {
                app: GAME,
                id: "Flaky",
                policy: DownloadPolicy::OnDemand,
                status: status(None, Some(1)),
            },
            FakePack {
                app: OTHER,
                id: "Music",
                policy: essential,
                status: status(None, Some(3)),
            },
        ];
        let tutorial = root.join(GAME).join("Tutorial/Videos");
        std::fs::create_dir_all(&tutorial).unwrap();
        std::fs::write(tutorial.join("Intro.txt"), "welcome").unwrap();
        Self {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                requests: Mutex::new(Vec::new()),
                answered: Default::default(),
                flaky_failed: Default::default(),
                packs: Mutex::new(packs),
                groups: Default::default(),
                events: broadcast::channel(256).0,
            }),
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// How many requests have been answered.
    pub fn answered(&self) -> usize {
        self.inner
            .answered
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Puts `app` in the App Group `group`: its container is named after the group.
    pub fn set_group(&self, app: &str, group: &str) {
        let mut groups = self.inner.groups.lock().unwrap();
        groups.insert(app.into(), group.into());
    }

    /// Sends an event to subscribers.
    pub fn emit(&self, app: &str, pack: Option<&str>, kind: ManagerEventKind) {
        let _ = self.inner.events.send(ManagerEvent {
            at_ms: 1_700_000_000_000,
            app: app.into(),
            pack: pack.map(str::to_string),
            kind,
        });
    }

    /// How many subscribers the fake has (one per subscribed connection).
    pub fn subscribers(&self) -> usize {
        self.inner.events.receiver_count()
    }

    fn pack_dir(&self, app: &str, pack: &str) -> PathBuf {
        self.inner.root.join(app).join(pack)
    }

    fn view(&self, pack: &FakePack, order: usize) -> PackView {
        let installed = pack.status.installed_version.is_some();
        PackView {
            app: pack.app.into(),
            id: pack.id.into(),
            name: pack.id.into(),
            kind: PackKind::default(),
            policy: pack.policy,
            installed_version: pack.status.installed_version,
            listed_version: pack.status.listed_version,
            activity: pack.status.activity.clone(),
            reason: String::new(),
            paused: pack.status.activity.is_paused(),
            flags: pack.status.flags(),
            progress: Progress::default(),
            eta_seconds: None,
            download_size: 1000,
            install_size: 2000,
            installed_bytes: if installed { 2000 } else { 0 },
            url: Some(format!("https://cdn.example.com/{}", pack.id)),
            etag: None,
            partial_path: None,
            partial_bytes: 0,
            path: installed.then(|| self.pack_dir(pack.app, pack.id)),
            attempts: 0,
            last_error: None,
            languages: Vec::new(),
            localization_group: None,
            chosen_variant: false,
            order,
            pinned: false,
            wanted: installed,
            user_info: None,
            timeline: Vec::new(),
        }
    }

    fn app_view(&self, app: &str) -> AppView {
        let packs: Vec<PackView> = self
            .inner
            .packs
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.app == app)
            .enumerate()
            .map(|(order, p)| self.view(p, order))
            .collect();
        AppView {
            bundle_id: app.into(),
            name: "Example".into(),
            short_version: Some("1.0".into()),
            bundle_version: "100".into(),
            source: PathBuf::from("/apps/Example.app/Contents/Info.plist"),
            icon: None,
            manifest_url: "https://cdn.example.com/manifest.json".into(),
            manifest_etag: None,
            last_checked_ms: None,
            manifest_error: None,
            container: self.inner.root.join(
                self.inner
                    .groups
                    .lock()
                    .unwrap()
                    .get(app)
                    .map_or(app, String::as_str),
            ),
            launch_ready: true,
            launch_reason: "ready".into(),
            waiting_for: Vec::new(),
            essential_failed: Vec::new(),
            installation_event: InstallationEvent::FirstInstallation,
            disk_used: packs.iter().map(|p| p.installed_bytes).sum(),
            extension: None,
            extension_error: None,
            packs: packs.into_iter().map(std::sync::Arc::new).collect(),
            downloads: Vec::new(),
        }
    }

    /// The fake's whole state.
    pub fn document(&self) -> StatusDocument {
        StatusDocument {
            schema: STATUS_SCHEMA,
            generation: 1,
            generated_at_ms: 1_700_000_000_000,
            limits: Limits::default(),
            languages: vec!["en".into()],
            free_bytes: None,
            apps: vec![self.app_view(GAME), self.app_view(OTHER)],
        }
    }

    fn known_app(&self, app: &str) -> Result<(), ApiError> {
        let packs = self.inner.packs.lock().unwrap();
        match packs.iter().any(|p| p.app == app) {
            true => Ok(()),
            false => Err(ApiError::app_not_found(app)),
        }
    }

    fn find(&self, app: &str, pack: &str) -> Result<PackView, ApiError> {
        let packs = self.inner.packs.lock().unwrap();
        if !packs.iter().any(|p| p.app == app) {
            return Err(ApiError::app_not_found(app));
        }
        packs
            .iter()
            .enumerate()
            .find(|(_, p)| p.app == app && p.id == pack)
            .map(|(order, p)| self.view(p, order))
            .ok_or_else(|| ApiError::pack_not_found(app, pack))
    }

    fn update(&self, app: &str, pack: &str, change: impl FnOnce(&mut PackStatus)) {
        let mut packs = self.inner.packs.lock().unwrap();
        if let Some(p) = packs.iter_mut().find(|p| p.app == app && p.id == pack) {
            change(&mut p.status);
        }
    }

    /// `ensure`: download and install (or fail) with events, soon.
    fn ensure(&self, app: &str, pack: &str) -> Result<Response, ApiError> {
        let view = self.find(app, pack)?;
        if view.flags.downloaded {
            return Ok(Response::Ensure(Box::new(view)));
        }
        let fails = match pack {
            "Broken" => true,
            "Flaky" => !self
                .inner
                .flaky_failed
                .swap(true, std::sync::atomic::Ordering::SeqCst),
            _ => false,
        };
        let fake = self.clone();
        let (app, pack) = (app.to_string(), pack.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            fake.update(&app, &pack, |s| s.activity = Activity::Queued);
            let one = Some(pack.as_str());
            let status = |update| ManagerEventKind::Status { update };
            fake.emit(&app, one, ManagerEventKind::Queued);
            fake.emit(&app, one, status(StatusUpdate::Began));
            if fails {
                let error = PackError::new(ErrorKind::ChecksumMismatch, "sha256 differs");
                fake.update(&app, &pack, |s| {
                    s.activity = Activity::Failed {
                        error: error.clone(),
                    }
                });
                fake.emit(&app, one, status(StatusUpdate::Failed { error }));
                return;
            }
            let progress = Progress {
                bytes_done: 500,
                bytes_total: 1000,
                bytes_per_second: 100,
            };
            fake.emit(&app, one, status(StatusUpdate::Downloading { progress }));
            let dir = fake.pack_dir(&app, &pack);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("map.bin"), b"level one").unwrap();
            fake.update(&app, &pack, |s| {
                s.installed_version = s.listed_version;
                s.activity = Activity::Idle;
            });
            fake.emit(&app, one, ManagerEventKind::Installed { version: 2 });
            fake.emit(&app, one, status(StatusUpdate::Finished));
        });
        Ok(Response::Ensure(Box::new(view)))
    }

    fn file_path(&self, app: &str, pack: &str, path: &str) -> Result<Response, ApiError> {
        let view = self.find(app, pack)?;
        let file = self.pack_dir(app, pack).join(path);
        if !view.flags.downloaded || !file.is_file() {
            return Err(ApiError::new(
                ErrorKind::FileNotFound,
                format!("file `{path}` not found in asset pack `{pack}`"),
            ));
        }
        Ok(Response::FilePath(file))
    }

    async fn answer(&self, request: Request) -> Result<Response, ApiError> {
        match request {
            Request::Status => Ok(self.document().into()),
            // The fake keeps no log of changes: it always answers with the whole state.
            Request::StatusChanges { .. } => {
                let document = self.document();
                Ok(Response::StatusChanges(Box::new(StatusDelta {
                    schema: document.schema,
                    since: None,
                    generation: document.generation,
                    generated_at_ms: document.generated_at_ms,
                    limits: document.limits,
                    languages: document.languages,
                    free_bytes: document.free_bytes,
                    apps: document.apps,
                    headers: Vec::new(),
                    packs: Vec::new(),
                    removed_apps: Vec::new(),
                })))
            }
            Request::AllAssetPacks { app } => {
                self.known_app(&app)?;
                Ok(self
                    .app_view(&app)
                    .packs
                    .into_iter()
                    .map(std::sync::Arc::unwrap_or_clone)
                    .collect::<Vec<_>>()
                    .into())
            }
            Request::AssetPack { app, pack } => self
                .find(&app, &pack)
                .map(|v| Response::AssetPack(Box::new(v))),
            Request::Register { path } => {
                if path.ends_with("slow") {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Ok(self.app_view(GAME).into())
            }
            Request::Unregister { app } => {
                self.known_app(&app).map(|()| Response::Unregister(2000))
            }
            Request::Ensure { app, pack, .. } => self.ensure(&app, &pack),
            Request::Pause { .. } => Ok(Response::Pause(2)),
            Request::Resume { .. } => Ok(Response::Resume(2)),
            Request::Prioritize { app, pack, .. } => {
                self.find(&app, &pack).map(|_| Response::Prioritize)
            }
            Request::Remove { app, pack } => {
                self.find(&app, &pack)?;
                self.update(&app, &pack, |s| s.installed_version = None);
                Ok(Response::Remove(2000))
            }
            // An app's own check that takes a while, as a real manifest fetch can.
            Request::CheckUpdates { app: Some(app) } if app == SLOW => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                Ok(Updates::default().into())
            }
            Request::CheckUpdates { .. } => Ok(Updates {
                updating: vec![PackRef::new(GAME, "Levels")],
                removed: vec![PackRef::new(OTHER, "Music")],
            }
            .into()),
            Request::SetLimits { limits } => Ok(limits.apply(Limits::default()).into()),
            Request::SetLanguages { languages } => Ok(Response::SetLanguages(languages)),
            Request::FilePath { app, pack, path } => self.file_path(&app, &pack, &path),
            // Kept in `requests()`: a test takes the connection extension from there.
            Request::RegisterExtension { .. } => Ok(Response::RegisterExtension(
                bgassets::manager::api::Registered { registered: true },
            )),
            Request::ExtensionAnswer { id, .. } => Err(ApiError::new(
                ErrorKind::DownloadInvalid,
                format!("extensionAnswer {id} reached the manager"),
            )),
            // Apps' own downloads are tested against a real manager (`app_downloads`).
            request @ (Request::ScheduleDownload { .. }
            | Request::CurrentDownloads { .. }
            | Request::CancelDownload { .. }
            | Request::StartForegroundDownload { .. }
            | Request::AcquireExclusiveControl { .. }
            | Request::ReleaseExclusiveControl { .. }) => Err(ApiError::new(
                ErrorKind::DownloadInvalid,
                format!("the fake service does not serve `{}`", request.method()),
            )),
        }
    }
}

impl ManagerApi for FakeService {
    type Error = ApiError;

    fn call(&self, request: Request) -> impl Future<Output = Result<Response, ApiError>> + Send {
        self.inner.requests.lock().unwrap().push(request.clone());
        let fake = self.clone();
        async move {
            let answer = fake.answer(request).await;
            fake.inner
                .answered
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            answer
        }
    }
}

impl Service for FakeService {
    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent> {
        self.inner.events.subscribe()
    }
}

/// A fake manager served on a socket in a temp dir (the data dir's layout).
pub struct Served {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    /// Where the server wrote its controller capability.
    pub capability_file: PathBuf,
    pub fake: FakeService,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let paths = bgassets::store::Paths::under(dir.path());
        let socket = paths.socket_path();
        let fake = FakeService::new(&paths.containers_dir());
        let server = SocketServer::bind(&socket).unwrap();
        let capability_file = server.capability_file().to_path_buf();
        assert_eq!(capability_file, paths.capability_file());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.serve(fake.clone(), shutdown.clone()));
        Self {
            dir,
            socket,
            capability_file,
            fake,
            shutdown,
            task,
        }
    }

    /// Stops the server and waits for it; the temp dir is handed back, to keep it a while.
    pub async fn stop(self) -> tempfile::TempDir {
        self.shutdown.cancel();
        within(self.task).await.unwrap();
        self.dir
    }

    /// A raw client that said hello as a controller.
    pub async fn raw(&self) -> Raw {
        let mut raw = Raw::connect(&self.socket).await;
        let hello = raw.hello_line_controller(&self.capability_file);
        let reply = raw.ask(&hello).await;
        assert_eq!(reply["result"]["role"], "controller", "{reply}");
        raw
    }

    /// A raw client that said hello as `app`.
    pub async fn raw_app(&self, app: &str) -> Raw {
        let mut raw = Raw::connect(&self.socket).await;
        let reply = raw
            .ask(&json!({"id": "hello", "method": "hello", "params": {"app": app}}).to_string())
            .await;
        assert_eq!(
            reply["result"],
            json!({"role": "app", "app": app}),
            "{reply}"
        );
        raw
    }

    /// A raw client that has said nothing yet.
    pub async fn raw_anonymous(&self) -> Raw {
        Raw::connect(&self.socket).await
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
}

/// The next line of `reader` as JSON; `None` at the end of the stream (or a reset).
pub async fn read_json(reader: &mut BufReader<OwnedReadHalf>) -> Option<Value> {
    let mut line = String::new();
    match within(reader.read_line(&mut line)).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))),
    }
}

/// A client that writes and reads raw lines.
pub struct Raw {
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
}

impl Raw {
    pub async fn connect(socket: &Path) -> Self {
        let (reader, writer) = UnixStream::connect(socket).await.unwrap().into_split();
        Self {
            reader: BufReader::new(reader),
            writer,
        }
    }

    /// The `hello` line of a controller, with the capability read from `file`.
    pub fn hello_line_controller(&self, file: &Path) -> String {
        let capability = std::fs::read_to_string(file).unwrap();
        json!({"id": "hello", "method": "hello", "params": {"capability": capability.trim()}})
            .to_string()
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// The next line as JSON; `None` at the end of the stream.
    pub async fn line(&mut self) -> Option<Value> {
        read_json(&mut self.reader).await
    }

    /// Sends a line and returns the next line received.
    pub async fn ask(&mut self, line: &str) -> Value {
        self.send(format!("{line}\n").as_bytes()).await;
        self.line().await.expect("an answer")
    }
}
