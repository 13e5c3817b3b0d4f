//! Apps' own downloads (`BADownloadManager`) end to end: a real manager in a temp data dir,
//! the project's mock server on 127.0.0.1, and apps talking over the real socket. Here: the
//! room they run in, and the rules (allow list, essential, duplicates, checksum, a file the
//! manager did not put there). `queue`: cancel, foreground, restart; `control`: exclusive
//! control between two app connections; `headers`: an app's headers and redirects; `ctl`: the
//! command lines.

mod control;
mod ctl;
mod headers;
mod queue;

use std::path::PathBuf;
use std::time::Duration;

use bgassets::client::{AssetPackManager, ClientError};
use bgassets::ipc::{Notice, SocketServer};
use bgassets::manager::Manager;
use bgassets::manager::api::{Request, Response};
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::model::{DownloadIdentifier, DownloadSpec, ErrorKind, Sha256Digest};
use bgassets::server::Faults;
use bgassets::store::Paths;
use tokio_util::sync::CancellationToken;

use crate::support::manager::{APP, ON_DEMAND, Site, Spec, call_json, manager, plist};

/// A manager serving its socket, a mock server, and the app registered.
pub struct Room {
    pub site: Site,
    pub data: tempfile::TempDir,
    pub manager: Option<Manager>,
    pub paths: Paths,
    stop: CancellationToken,
    serving: Option<tokio::task::JoinHandle<()>>,
}

impl Room {
    /// A room whose mock server has `faults`; `extra` is raw plist XML for the app.
    pub async fn start(faults: Faults, extra: &str) -> Room {
        let site = Site::start(&[Spec::new("Bonus", ON_DEMAND, 1000)], faults).await;
        let data = tempfile::tempdir().unwrap();
        let mut room = Room {
            site,
            paths: Paths::under(data.path()),
            data,
            manager: None,
            stop: CancellationToken::new(),
            serving: None,
        };
        room.open().await;
        let path = plist(
            room.data.path(),
            &room.site.server.manifest_url(),
            "1",
            extra,
        );
        call_json(&room.handle(), Request::Register { path }).await;
        room
    }

    async fn open(&mut self) {
        let manager = manager(self.data.path()).await;
        let server = SocketServer::bind(self.paths.socket_path()).unwrap();
        self.stop = CancellationToken::new();
        self.serving = Some(tokio::spawn(
            server.serve(manager.handle(), self.stop.clone()),
        ));
        self.manager = Some(manager);
    }

    /// Stops the manager (partial files kept) and starts a new one on the same data dir.
    pub async fn restart(&mut self) {
        self.stop.cancel();
        if let Some(serving) = self.serving.take() {
            let _ = serving.await;
        }
        if let Some(manager) = self.manager.take() {
            manager.shutdown().await;
        }
        self.open().await;
    }

    pub fn handle(&self) -> bgassets::manager::ManagerHandle {
        self.manager.as_ref().unwrap().handle()
    }

    /// A connection that said hello as the app.
    pub async fn app(&self) -> AssetPackManager {
        AssetPackManager::connect(self.paths.socket_path(), APP)
            .await
            .unwrap()
    }

    /// Serves `bytes` at `files/NAME`; its URL.
    pub fn put(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.site.root().join("files").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self.site.server.url_of(&format!("files/{name}"))
    }

    /// The app's container.
    pub fn container(&self) -> PathBuf {
        self.data.path().join("containers").join(APP)
    }

    /// The engine's folder of the app's downloads.
    pub fn engine_dir(&self) -> PathBuf {
        self.data.path().join("downloads").join(APP)
    }
}

/// A download of `url` as `id`.
pub fn spec(id: &str, url: &str) -> DownloadSpec {
    DownloadSpec::new(DownloadIdentifier::parse(id).unwrap(), url.parse().unwrap())
}

/// [`spec`] with its size and SHA-256 pinned to `bytes`.
pub fn pinned(id: &str, url: &str, bytes: &[u8]) -> DownloadSpec {
    let mut spec = spec(id, url);
    spec.expected_size = Some(bytes.len() as u64);
    spec.sha256 = Some(Sha256Digest::of(bytes));
    spec
}

/// The app's events over its socket connection, subscribed.
pub async fn subscribe(app: &AssetPackManager) -> bgassets::ipc::Events {
    let events = app.connection().events();
    app.connection().subscribe(Some(APP)).await.unwrap();
    events
}

/// `(state, event)` of a `downloadStatus` event of download `id`.
pub fn download_status<'a>(event: &'a ManagerEvent, id: &str) -> Option<&'a str> {
    match &event.kind {
        ManagerEventKind::DownloadStatus {
            identifier, state, ..
        } if identifier == id => Some(state),
        _ => None,
    }
}

/// Reads events until download `id` reaches `state` (at most 20 s); every event of it seen.
pub async fn until_status(
    events: &mut bgassets::ipc::Events,
    id: &str,
    state: &str,
) -> Vec<ManagerEvent> {
    let mut seen = Vec::new();
    let wait = async {
        while let Some(notice) = events.next().await {
            if let Notice::Event(event) = notice
                && let Some(now) = download_status(&event, id)
            {
                let done = now == state;
                seen.push(event);
                if done {
                    return;
                }
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .is_err()
    {
        panic!("download {id} not {state} within 20 s; its events: {seen:#?}");
    }
    seen
}

/// The refusal's kind and message.
pub fn refusal(error: ClientError) -> (ErrorKind, String) {
    match error {
        ClientError::Manager(error) => (error.kind, error.message),
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn a_scheduled_download_lands_in_the_container_with_a_finished_event() {
    let room = Room::start(Faults::default(), "").await;
    let bytes = crate::support::random_bytes(300_000, 1);
    let url = room.put("config.bin", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    let view = app
        .schedule_download(pinned("config.bin", &url, &bytes))
        .await
        .unwrap();
    assert_eq!((view.state.as_str(), view.vetoable), ("waiting", false));
    let seen = until_status(&mut events, "config.bin", "finished").await;
    let target = room.container().join("Background Downloads/config.bin");
    let ManagerEventKind::DownloadStatus { path, .. } = &seen.last().unwrap().kind else {
        unreachable!()
    };
    assert_eq!(path.as_deref(), Some(target.as_path()));
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    assert!(
        !room.engine_dir().join("download-config.bin").exists(),
        "moved, not copied"
    );
    let listed = app.current_downloads().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, "finished");
    assert_eq!(listed[0].path.as_deref(), Some(target.as_path()));
}

#[tokio::test]
async fn a_sha256_mismatch_fails_and_puts_nothing_in_the_container() {
    let room = Room::start(Faults::default(), "").await;
    let bytes = crate::support::random_bytes(100_000, 2);
    let url = room.put("level.bin", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    let mut spec = pinned("level.bin", &url, &bytes);
    spec.sha256 = Some(Sha256Digest::of(b"other bytes"));
    app.schedule_download(spec).await.unwrap();
    let seen = until_status(&mut events, "level.bin", "failed").await;
    let ManagerEventKind::DownloadStatus { error, .. } = &seen.last().unwrap().kind else {
        unreachable!()
    };
    assert_eq!(error.as_ref().unwrap().kind, ErrorKind::ChecksumMismatch);
    assert!(
        !room
            .container()
            .join("Background Downloads/level.bin")
            .exists()
    );
    let leftovers: Vec<_> = std::fs::read_dir(room.engine_dir())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "nothing of it is kept: {leftovers:?}");
}

#[tokio::test]
async fn the_rules_refuse_with_apples_codes_and_name_the_problem() {
    let room = Room::start(Faults::default(), "").await;
    let app = room.app().await;
    let off = spec("x", "https://elsewhere.example.net/x.bin");
    let (kind, message) = refusal(app.schedule_download(off).await.unwrap_err());
    assert_eq!(kind, ErrorKind::SessionDownloadDisallowedByDomain);
    assert!(message.contains("elsewhere.example.net"), "{message}");

    let mut essential = spec("e", &room.put("e.bin", b"e"));
    essential.essential = true;
    let (kind, message) = refusal(app.schedule_download(essential).await.unwrap_err());
    assert_eq!(kind, ErrorKind::DownloadEssentialDownloadNotPermitted);
    assert!(message.contains("extension"), "{message}");
    assert!(
        app.current_downloads().await.unwrap().is_empty(),
        "nothing was scheduled"
    );

    // Another app's downloads are not this connection's.
    let other = AssetPackManager::over(app.connection().clone(), "org.example.other");
    let (kind, _) = refusal(other.current_downloads().await.unwrap_err());
    assert_eq!(kind, ErrorKind::NotAuthorized);
}

#[tokio::test]
async fn a_file_the_user_put_in_the_download_folder_is_not_overwritten() {
    let room = Room::start(Faults::default(), "").await;
    let theirs = room.container().join("Background Downloads/notes.txt");
    std::fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    std::fs::write(&theirs, b"the user's own notes").unwrap();
    let bytes = crate::support::random_bytes(10_000, 3);
    let url = room.put("notes.txt", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    app.schedule_download(pinned("notes.txt", &url, &bytes))
        .await
        .unwrap();
    let seen = until_status(&mut events, "notes.txt", "failed").await;
    let ManagerEventKind::DownloadStatus { error, .. } = &seen.last().unwrap().kind else {
        unreachable!()
    };
    let error = error.clone().unwrap();
    assert!(
        error.message.contains(&theirs.display().to_string()),
        "the error names the file: {}",
        error.message
    );
    assert_eq!(std::fs::read(&theirs).unwrap(), b"the user's own notes");

    // Its own earlier file, though, is replaced by the next download of that identifier.
    let first = crate::support::random_bytes(5_000, 4);
    let url = room.put("own.bin", &first);
    app.schedule_download(pinned("own.bin", &url, &first))
        .await
        .unwrap();
    until_status(&mut events, "own.bin", "finished").await;
    let second = crate::support::random_bytes(6_000, 5);
    let url = room.put("own.bin", &second);
    app.schedule_download(pinned("own.bin", &url, &second))
        .await
        .unwrap();
    until_status(&mut events, "own.bin", "finished").await;
    let placed = room.container().join("Background Downloads/own.bin");
    assert_eq!(std::fs::read(placed).unwrap(), second);
}

#[tokio::test]
async fn an_app_downloads_moves_send_the_apps_header_not_its_packs() {
    use crate::support::manager::ManagerApi;
    let room = Room::start(Faults::default(), "").await;
    let handle = room.handle();
    let since = handle.status().await.unwrap().generation;
    let bytes = crate::support::random_bytes(200_000, 8);
    let url = room.put("delta.bin", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    app.schedule_download(pinned("delta.bin", &url, &bytes))
        .await
        .unwrap();
    until_status(&mut events, "delta.bin", "finished").await;
    let Response::StatusChanges(delta) =
        handle.call(Request::StatusChanges { since }).await.unwrap()
    else {
        unreachable!()
    };
    assert_eq!(delta.since, Some(since), "{delta:#?}");
    assert!(
        delta.apps.is_empty(),
        "no whole app is sent: {:#?}",
        delta.apps
    );
    let header = delta.headers.iter().find(|h| h.bundle_id == APP).unwrap();
    assert!(header.packs.is_empty());
    assert_eq!(header.downloads.len(), 1);
    assert_eq!(header.downloads[0].state, "finished");
}
