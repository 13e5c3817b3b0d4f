//! Connection extensions over a real socket: an app connection says `registerExtension`, the
//! manager's side ([`ConnectedExtension`], as the fake manager received it) pushes a request,
//! the app answers with `extensionAnswer`; a closed connection is `disconnected`, a silent one
//! `hung` at the limit. Against a real manager: who may register, and the
//! `BGAssetsDownloaderExtension` file checked at registration.

use std::time::{Duration, Instant};

use bgassets::extension::message::ShouldDownloadAnswer;
use bgassets::extension::{Answer, ConnectedExtension, ExtensionErrorKind, ExtensionLimits};
use bgassets::ipc::SocketServer;
use bgassets::manager::api::Request;
use bgassets::server::Faults;
use bgassets::store::Paths;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use super::should_download;
use crate::support::ipc::{GAME, Raw, SLOW, Served};
use crate::support::manager::{ON_DEMAND, Site, Spec, app_plist, manager};
use crate::support::wait::{wait_until_async, within};

/// `raw`, an app connection of `app`, registers as its extension; the fake manager's copy.
async fn register(served: &Served, raw: &mut Raw, app: &str) -> ConnectedExtension {
    let reply = raw
        .ask(r#"{"id": "r", "method": "registerExtension"}"#)
        .await;
    assert_eq!(
        reply,
        json!({"id": "r", "ok": true, "result": {"registered": true}})
    );
    let requests = served.fake.requests();
    let Some(Request::RegisterExtension {
        connection: Some(extension),
    }) = requests.last()
    else {
        panic!("the manager got no connection: {requests:?}");
    };
    assert_eq!(extension.app(), app);
    extension.clone()
}

fn limits(time: Duration) -> ExtensionLimits {
    ExtensionLimits {
        time,
        ..ExtensionLimits::default()
    }
}

#[tokio::test]
async fn a_connection_extension_gets_pushed_requests_and_answers_them() {
    let served = Served::start().await;
    let mut app = served.raw_app(GAME).await;
    let extension = register(&served, &mut app, GAME).await;
    let asking = tokio::spawn({
        let extension = extension.clone();
        async move {
            extension
                .call(&should_download(), &limits(Duration::from_secs(10)))
                .await
        }
    });
    let pushed = app.line().await.unwrap();
    let id = pushed["extensionRequest"]["id"].as_u64().unwrap();
    assert_eq!(
        pushed["extensionRequest"]["request"],
        serde_json::to_value(should_download()).unwrap(),
        "{pushed}"
    );
    let reply = app
        .ask(
            &json!({"id": 5, "method": "extensionAnswer",
                "params": {"id": id, "answer": {"shouldDownload": false}}})
            .to_string(),
        )
        .await;
    assert_eq!(reply, json!({"id": 5, "ok": true, "result": null}));
    let answer = within(asking).await.unwrap().unwrap();
    assert_eq!(
        answer,
        Answer::ShouldDownload(ShouldDownloadAnswer {
            should_download: false
        })
    );

    // A wrong answer is refused to the app and is garbage to the manager.
    let asking = tokio::spawn({
        let extension = extension.clone();
        async move {
            extension
                .call(&should_download(), &limits(Duration::from_secs(10)))
                .await
        }
    });
    let id = app.line().await.unwrap()["extensionRequest"]["id"].clone();
    let reply = app
        .ask(
            &json!({"id": 6, "method": "extensionAnswer",
                "params": {"id": id, "answer": {"shouldDownload": "maybe"}}})
            .to_string(),
        )
        .await;
    assert_eq!(reply["ok"], false, "{reply}");
    assert_eq!(reply["error"]["kind"], "downloadInvalid", "{reply}");
    let error = within(asking).await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Garbage, "{error}");
    assert!(
        error.to_string().contains("invalid type: string"),
        "{error}"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_closed_connection_is_disconnected() {
    let served = Served::start().await;
    // Closed while the manager waits for its answer.
    let mut app = served.raw_app(GAME).await;
    let extension = register(&served, &mut app, GAME).await;
    let asking = tokio::spawn({
        let extension = extension.clone();
        async move {
            extension
                .call(&should_download(), &limits(Duration::from_secs(10)))
                .await
        }
    });
    assert!(app.line().await.unwrap().get("extensionRequest").is_some());
    drop(app);
    let error = within(asking).await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Disconnected, "{error}");
    assert!(
        error.to_string().starts_with("extension `connection "),
        "{error}"
    );
    // Closed before the manager asks.
    wait_until_async("the connection seen closed", Duration::from_secs(5), || {
        !extension.is_connected()
    })
    .await;
    let error = extension
        .call(&should_download(), &limits(Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Disconnected, "{error}");
    served.stop().await;
}

#[tokio::test]
async fn a_connection_that_stopped_writing_is_disconnected_at_once_not_hung() {
    // Regression: a connection that closed its writing side while a request of its own still
    // ran kept its extension until that request ended; requests pushed meanwhile could never
    // be answered.
    let served = Served::start().await;
    let mut app = served.raw_app(SLOW).await;
    let extension = register(&served, &mut app, SLOW).await;
    let slow = json!({"id": "slow", "method": "checkUpdates", "params": {"app": SLOW}});
    app.send(format!("{slow}\n").as_bytes()).await;
    wait_until_async("the slow check running", Duration::from_secs(5), || {
        served
            .fake
            .requests()
            .iter()
            .any(|r| matches!(r, Request::CheckUpdates { app: Some(_) }))
    })
    .await;
    app.writer.shutdown().await.unwrap();
    let started = Instant::now();
    let error = extension
        .call(&should_download(), &limits(Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Disconnected, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The slow request is still answered (after the pushed request, if it went out before the
    // end of the connection's writing was read).
    let mut line = app.line().await.unwrap();
    if line.get("extensionRequest").is_some() {
        line = app.line().await.unwrap();
    }
    assert_eq!(line["id"], "slow", "{line}");
    served.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_answers_is_hung_at_the_limit() {
    let served = Served::start().await;
    let mut app = served.raw_app(GAME).await;
    let extension = register(&served, &mut app, GAME).await;
    let limit = Duration::from_millis(500);
    let started = Instant::now();
    let error = extension
        .call(&should_download(), &limits(limit))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind(), ExtensionErrorKind::Hung, "{error}");
    assert!(
        took >= limit && took < limit + Duration::from_secs(1),
        "{took:?}"
    );
    // The request was pushed; its late answer is refused, saying why.
    let id = app.line().await.unwrap()["extensionRequest"]["id"].clone();
    let reply = app
        .ask(
            &json!({"id": 9, "method": "extensionAnswer", "params": {"id": id, "answer": {}}})
                .to_string(),
        )
        .await;
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("time limit passed"),
        "{reply}"
    );
    served.stop().await;
}

#[tokio::test]
async fn only_an_app_connection_may_register_and_answer() {
    let served = Served::start().await;
    let mut controller = served.raw().await;
    let reply = controller
        .ask(r#"{"id": 1, "method": "registerExtension"}"#)
        .await;
    assert_eq!(reply["error"]["kind"], "notAuthorized", "{reply}");
    let mut anonymous = served.raw_anonymous().await;
    let reply = anonymous
        .ask(r#"{"id": 2, "method": "registerExtension"}"#)
        .await;
    assert_eq!(reply["error"]["kind"], "notAuthorized", "{reply}");
    let mut app = served.raw_app(GAME).await;
    let reply = app
        .ask(r#"{"id": 3, "method": "extensionAnswer", "params": {"id": 1, "answer": {}}}"#)
        .await;
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has not sent `registerExtension`"),
        "{reply}"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_real_manager_registers_the_extension_of_a_registered_app_only() {
    let site = Site::start(&[Spec::new("Levels", ON_DEMAND, 1000)], Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let folder = data.path().join("apps/Game.app/Contents");
    let plist = |extra: &str| {
        app_plist(
            folder.join("Info.plist"),
            GAME,
            &site.server.manifest_url(),
            "1",
            extra,
        )
    };
    // The file is checked at registration: a missing one is refused naming the key.
    let key = "<key>BGAssetsDownloaderExtension</key><string>MacOS/ext</string>";
    let error = handle
        .call(Request::Register { path: plist(key) })
        .await
        .unwrap_err();
    assert_eq!(error.kind, bgassets::model::ErrorKind::InvalidManifest);
    assert!(
        error
            .message
            .contains("field `BGAssetsDownloaderExtension`: notFound: no file at"),
        "{error}"
    );
    super::script(&folder, "MacOS/ext", "echo '{}'");
    handle
        .call(Request::Register { path: plist(key) })
        .await
        .unwrap();

    let server = SocketServer::bind(Paths::under(data.path()).socket_path()).unwrap();
    let socket = server.socket_path().to_path_buf();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server.serve(handle.clone(), stop.clone()));
    let hello_then_register = |app: &'static str| {
        let socket = socket.clone();
        async move {
            let mut raw = Raw::connect(&socket).await;
            let hello = json!({"id": 0, "method": "hello", "params": {"app": app}});
            assert_eq!(raw.ask(&hello.to_string()).await["ok"], true);
            raw.ask(r#"{"id": 1, "method": "registerExtension"}"#).await
        }
    };
    let reply = hello_then_register(GAME).await;
    assert_eq!(
        reply,
        json!({"id": 1, "ok": true, "result": {"registered": true}})
    );
    let reply = hello_then_register("org.example.unknown").await;
    assert_eq!(reply["error"]["kind"], "appNotFound", "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("register the app first"),
        "{reply}"
    );
    // In-process, with no connection, it means nothing.
    let error = handle
        .call(Request::RegisterExtension { connection: None })
        .await
        .unwrap_err();
    assert_eq!(error.kind, bgassets::model::ErrorKind::NotAuthorized);
    stop.cancel();
    within(serving).await.unwrap();
    manager.shutdown().await;
    site.server.shutdown().await;
}
