//! Content requests and the app's own downloads they schedule, end to end: at install, at an
//! update and periodically; `finished` and `failed` told to the extension; an auth refresh
//! against `serve --require-token` (403, the extension answers a bearer token, one retry);
//! and the app's exclusive control making the extension's content request wait.

use std::time::Duration;

use bgassets::manager::api::{Request, Response};
use bgassets::manager::view::StatusDocument;
use bgassets::manager::{Manager, ManagerConfig};
use bgassets::server::token::Secret;
use bgassets::server::{ServeConfig, Server, TokenGate};
use bgassets::store::Paths;

use super::{install_extension, key};
use crate::support::faults::FaultsExt;
use crate::support::manager::*;

/// An extension that answers each content request with one download named after its kind
/// (`kind-install`, `kind-update`, `kind-periodic`) of `BASE/extra/KIND.bin`, plus `secret`
/// and `denied` (protected files) at install; answers `authChallenge` for `secret` with the
/// bearer token and gives up for `denied`; and notes every request in `asked.log`.
fn script(base: &str) -> String {
    format!(
        r#"#!/bin/sh
req=$(cat)
printf '%s\n' "$req" >> asked.log
kind=$(printf '%s' "$req" | sed 's/"manifestUrl".*//' | sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p')
case "$req" in
  *'"event":"contentRequest"'*'"kind":"install"'*)
    echo '{{"downloads": [{{"identifier": "kind-install", "url": "{base}/extra/install.bin"}},
      {{"identifier": "secret", "url": "{base}/private/secret.bin"}},
      {{"identifier": "denied", "url": "{base}/private/secret.bin"}}]}}' ;;
  *'"event":"contentRequest"'*)
    echo "{{\"downloads\": [{{\"identifier\": \"kind-$kind\", \"url\": \"{base}/extra/$kind.bin\"}}]}}" ;;
  *'"event":"authChallenge"'*'"identifier":"secret"'*)
    echo '{{"headers": [{{"name": "Authorization", "value": "Bearer s3cret"}}]}}' ;;
  *'"event":"authChallenge"'*) echo '{{"headers": []}}' ;;
  *'"event":"finished"'*'"identifier":"kind-update"'*) echo '{{"moveTo": "Config/update.bin"}}' ;;
  *'"event":"shouldDownload"'*) echo '{{"shouldDownload": true}}' ;;
  *) echo '{{}}' ;;
esac
"#
    )
}

/// The bytes served at `extra/NAME.bin` and `private/secret.bin`.
fn extra(name: &str) -> Vec<u8> {
    bytes(5_000, name.len() as u8)
}

struct World {
    site: Site,
    data: tempfile::TempDir,
    manager: Manager,
}

async fn world(periodic: Duration) -> World {
    let specs = [Spec::new("Maps", PREFETCH, 20_000)];
    let dir = tempfile::tempdir().unwrap();
    build_site(dir.path(), &specs);
    let root = dir.path().join("site");
    for name in ["install", "update", "periodic"] {
        crate::support::write(&root.join(format!("extra/{name}.bin")), &extra(name));
    }
    crate::support::write(&root.join("private/secret.bin"), &extra("secret"));
    let mut config = ServeConfig::new(&root);
    config.token = Some(
        TokenGate::new(Secret::new("s3cret").unwrap())
            .with_public("packs")
            .unwrap()
            .with_public("extra")
            .unwrap(),
    );
    let server = Server::start(config).await.unwrap();
    let site = Site { dir, server };
    let data = tempfile::tempdir().unwrap();
    let mut config = ManagerConfig::new(Paths::under(data.path()));
    config.content_interval = periodic;
    let manager = Manager::start(config).await.unwrap();
    World {
        site,
        data,
        manager,
    }
}

impl World {
    fn base(&self) -> String {
        self.site
            .server
            .manifest_url()
            .trim_end_matches("/manifest.json")
            .to_string()
    }

    async fn register(&self, version: &str) {
        let url = self.site.server.manifest_url();
        let path = plist(self.data.path(), &url, version, &key("extension.sh"));
        install_extension(&path, "extension.sh", &script(&self.base()));
        call_json(&self.manager.handle(), Request::Register { path }).await;
    }

    async fn until_download(&self, id: &str, state: &str) -> StatusDocument {
        until(&self.manager.handle(), &format!("{id} {state}"), |d| {
            d.app(APP).is_some_and(|a| {
                a.downloads
                    .iter()
                    .any(|x| x.identifier == id && x.state == state)
            })
        })
        .await
    }
}

fn container_file(document: &StatusDocument, id: &str) -> std::path::PathBuf {
    document
        .app(APP)
        .unwrap()
        .container
        .join("Background Downloads")
        .join(id)
}

fn asked(document: &StatusDocument) -> String {
    let log = document.app(APP).unwrap().container.join("asked.log");
    std::fs::read_to_string(log).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_requests_schedule_the_extension_s_downloads_at_install_update_and_periodically() {
    let world = world(Duration::from_millis(1500)).await;
    world.register("1").await;
    let document = world.until_download("kind-install", "finished").await;
    let file = container_file(&document, "kind-install");
    assert_eq!(std::fs::read(&file).unwrap(), extra("install"));
    let view = document
        .app(APP)
        .unwrap()
        .downloads
        .iter()
        .find(|d| d.identifier == "kind-install")
        .unwrap()
        .clone();
    assert_eq!(
        serde_json::to_value(view.scheduled_by).unwrap(),
        serde_json::json!({"by": "extension", "content": "install"})
    );
    // The extension heard that it finished, with the file's path.
    until(&world.manager.handle(), "finished told", |d| {
        asked(d).contains(r#""event":"finished""#) && asked(d).contains("kind-install")
    })
    .await;
    // An update (a new CFBundleVersion) asks again, once.
    world.register("2").await;
    // Its `finished` answer moves it inside the container.
    let document = until(&world.manager.handle(), "kind-update moved", |d| {
        d.app(APP).is_some_and(|a| {
            a.downloads.iter().any(|x| {
                x.identifier == "kind-update"
                    && x.path
                        .as_ref()
                        .is_some_and(|p| p.ends_with("Config/update.bin"))
            })
        })
    })
    .await;
    let container = document.app(APP).unwrap().container.clone();
    assert_eq!(
        std::fs::read(container.join("Config/update.bin")).unwrap(),
        extra("update")
    );
    assert!(!container_file(&document, "kind-update").exists());
    // And the periodic request comes round.
    let document = world.until_download("kind-periodic", "finished").await;
    let log = asked(&document);
    assert_eq!(log.matches(r#""kind":"install""#).count(), 1, "{log}");
    assert_eq!(log.matches(r#""kind":"update""#).count(), 1, "{log}");
    assert!(
        log.contains(r#""manifestUrl""#) && log.contains(r#""assetPacks""#),
        "{log}"
    );
    world.manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_is_answered_by_the_extension_s_token_and_tried_once_more() {
    let world = world(Duration::from_secs(3600)).await;
    world.register("1").await;
    let document = world.until_download("secret", "finished").await;
    assert_eq!(
        std::fs::read(container_file(&document, "secret")).unwrap(),
        extra("secret")
    );
    // The other gets no credentials: it fails with the server's 403, and the extension hears.
    let document = world.until_download("denied", "failed").await;
    let denied = document
        .app(APP)
        .unwrap()
        .downloads
        .iter()
        .find(|d| d.identifier == "denied")
        .unwrap()
        .clone();
    let error = denied.error.unwrap();
    assert_eq!(error.http_status, Some(403), "{error:?}");
    assert!(!container_file(&document, "denied").exists());
    let document = until(&world.manager.handle(), "failed told", |d| {
        asked(d).contains(r#""event":"failed""#)
    })
    .await;
    let log = asked(&document);
    assert_eq!(
        log.matches(r#""event":"authChallenge""#).count(),
        2,
        "{log}"
    );
    assert!(log.contains(r#""status":403"#), "{log}");
    // The token never shows: the view names headers only.
    let view = serde_json::to_string(document.app(APP).unwrap()).unwrap();
    assert!(!view.contains("s3cret"));
    world.manager.shutdown().await;
}

/// The app, connected over the socket, takes exclusive control of its downloads; the update's
/// content request waits until the app's lease ends, and only then are the extension's
/// downloads scheduled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_connection_holding_exclusive_control_makes_its_extension_wait() {
    use bgassets::ipc::SocketServer;
    use tokio_util::sync::CancellationToken;
    let world = world(Duration::from_secs(3600)).await;
    world.register("1").await;
    world.until_download("kind-install", "finished").await;
    let handle = world.manager.handle();
    let server = SocketServer::bind(Paths::under(world.data.path()).socket_path()).unwrap();
    let socket = server.socket_path().to_path_buf();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server.serve(handle.clone(), stop.clone()));
    let mut app = crate::support::ipc::Raw::connect(&socket).await;
    let hello = serde_json::json!({"id": 0, "method": "hello", "params": {"app": APP}});
    assert_eq!(app.ask(&hello.to_string()).await["ok"], true);
    let acquire = serde_json::json!({"id": 1, "method": "acquireExclusiveControl",
        "params": {"app": APP, "waitMs": 1000, "holdMs": 1500}});
    let lease = app.ask(&acquire.to_string()).await;
    let held_until = lease["result"]["expiresAtMs"]
        .as_u64()
        .unwrap_or_else(|| panic!("{lease}"));
    world.register("2").await; // an update: its content request waits for the lease
    let document = world.until_download("kind-update", "finished").await;
    let update = document
        .app(APP)
        .unwrap()
        .downloads
        .iter()
        .find(|d| d.identifier == "kind-update")
        .unwrap()
        .clone();
    assert!(
        update.scheduled_at_ms >= held_until,
        "scheduled at {} while the app held its downloads until {held_until}",
        update.scheduled_at_ms
    );
    stop.cancel();
    let _ = serving.await;
    world.manager.shutdown().await;
}

/// An essential download the extension asks for at install holds the app's launch until it
/// is in, like an essential pack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_essential_download_asked_for_at_install_holds_launch_until_it_is_in() {
    let world = world(Duration::from_secs(3600)).await;
    // Slow enough to see the app wait: 5 KB at 10 KB/s, shared with the pack.
    world
        .site
        .server
        .set_faults(bgassets::server::Faults::default().rate(10_000))
        .unwrap();
    let url = world.site.server.manifest_url();
    let path = plist(world.data.path(), &url, "1", &key("extension.sh"));
    let script = format!(
        "#!/bin/sh\nreq=$(cat)\ncase \"$req\" in\n  *'\"event\":\"contentRequest\"'*'\"kind\":\"install\"'*) echo '{{\"downloads\": [{{\"identifier\": \"core-config\", \"url\": \"{}/extra/install.bin\", \"essential\": true}}]}}' ;;\n  *'\"event\":\"shouldDownload\"'*) echo '{{\"shouldDownload\": true}}' ;;\n  *'\"event\":\"contentRequest\"'*) echo '{{\"downloads\": []}}' ;;\n  *) echo '{{}}' ;;\nesac\n",
        world.base()
    );
    install_extension(&path, "extension.sh", &script);
    call_json(&world.manager.handle(), Request::Register { path }).await;
    let document = until(
        &world.manager.handle(),
        "launch held by the essential download",
        |d| {
            d.app(APP).is_some_and(|a| {
                !a.launch_ready && a.waiting_for.contains(&"download:core-config".to_string())
            })
        },
    )
    .await;
    assert!(
        document
            .app(APP)
            .unwrap()
            .launch_reason
            .contains("core-config")
    );
    let document = world.until_download("core-config", "finished").await;
    let document = if document.app(APP).unwrap().launch_ready {
        document
    } else {
        until(&world.manager.handle(), "ready once it is in", |d| {
            d.app(APP).is_some_and(|a| a.launch_ready)
        })
        .await
    };
    assert!(document.app(APP).unwrap().waiting_for.is_empty());
    world.manager.shutdown().await;
}

/// How many periodic content requests the extension has heard.
fn periodic_asked(document: &StatusDocument) -> usize {
    asked(document).matches(r#""kind":"periodic""#).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_content_requests_do_not_pile_up_while_exclusive_control_is_held() {
    let interval = Duration::from_millis(300);
    let world = world(interval).await;
    world.register("1").await;
    world.until_download("kind-install", "finished").await;
    let handle = world.manager.handle();
    let hold = Request::AcquireExclusiveControl {
        app: APP.into(),
        wait_ms: 5_000,
        hold_ms: 6_000,
    };
    let Response::AcquireExclusiveControl(lease) = call(&handle, hold).await else {
        panic!("no lease");
    };
    let document = handle.status().await.unwrap();
    let before = periodic_asked(&document);
    // Twenty periods pass while the app holds its downloads: the extension is due one
    // periodic request once the lease ends, not one per period missed.
    let released = std::time::UNIX_EPOCH + Duration::from_millis(lease.expires_at_ms);
    let window = Duration::from_millis(1_500);
    let end = released + window;
    // A measurement window, not a wait for a condition: count what arrives within it.
    if let Ok(left) = end.duration_since(std::time::SystemTime::now()) {
        tokio::time::sleep(left).await;
    }
    let document = handle.status().await.unwrap();
    let after = periodic_asked(&document);
    let most = (window.as_millis() / interval.as_millis()) as usize + 2;
    assert!(
        after - before <= most,
        "{} periodic content requests in the {window:?} after the lease ended (at most {most} \
         expected: the missed periods piled up)",
        after - before
    );
    world.manager.shutdown().await;
}
