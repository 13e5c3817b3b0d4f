//! A running app as its own extension over the real socket: the manager asks it
//! `shouldDownload` with a pushed line, its veto holds the pack, and when the manager stops it
//! is told `willTerminate`.

use bgassets::ipc::SocketServer;
use bgassets::manager::api::Request;
use bgassets::model::Activity;
use bgassets::server::Faults;
use bgassets::store::Paths;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support::ipc::Raw;
use crate::support::manager::*;

/// Reads lines until a pushed extension request; returns its id and request.
async fn pushed(raw: &mut Raw) -> (u64, Value) {
    loop {
        let line = raw.line().await.expect("the connection stays open");
        if let Some(pushed) = line.get("extensionRequest") {
            return (pushed["id"].as_u64().unwrap(), pushed["request"].clone());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_app_vetoes_a_pack_and_hears_will_terminate() {
    let specs = [Spec::new("Bonus", ON_DEMAND, 20_000)];
    let site = Site::start(&specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call_json(&handle, Request::Register { path }).await;
    let server = SocketServer::bind(Paths::under(data.path()).socket_path()).unwrap();
    let socket = server.socket_path().to_path_buf();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server.serve(handle.clone(), stop.clone()));
    let mut raw = Raw::connect(&socket).await;
    let hello = json!({"id": 0, "method": "hello", "params": {"app": APP}});
    assert_eq!(raw.ask(&hello.to_string()).await["ok"], true);
    let reply = raw.ask(r#"{"id": 1, "method": "registerExtension"}"#).await;
    assert_eq!(reply["result"]["registered"], true, "{reply}");

    let ensure = Request::Ensure {
        app: APP.into(),
        pack: "Bonus".into(),
        require_latest: false,
    };
    let asking = tokio::spawn({
        let handle = handle.clone();
        async move { call_json(&handle, ensure).await }
    });
    let (id, request) = pushed(&mut raw).await;
    assert_eq!(request["event"], "shouldDownload");
    assert_eq!(request["pack"]["id"], "Bonus");
    let answer = json!({"id": 2, "method": "extensionAnswer",
        "params": {"id": id, "answer": {"shouldDownload": false}}});
    raw.send(format!("{answer}\n").as_bytes()).await;
    asking.await.unwrap();
    let document = until(&handle, "Bonus vetoed by the connection", |d| {
        matches!(pack(d, "Bonus").activity, Activity::Vetoed { .. })
    })
    .await;
    let Activity::Vetoed { extension } = &pack(&document, "Bonus").activity else {
        unreachable!()
    };
    assert!(extension.contains("connection"), "{extension}");

    // The manager stops: the connected extension is told, and may answer.
    let stopping = tokio::spawn(async move { manager.shutdown().await });
    let (id, request) = pushed(&mut raw).await;
    assert_eq!(request, json!({"event": "willTerminate", "app": APP}));
    let answer = json!({"id": 3, "method": "extensionAnswer", "params": {"id": id, "answer": {}}});
    raw.send(format!("{answer}\n").as_bytes()).await;
    stopping.await.unwrap();
    stop.cancel();
    let _ = serving.await;
    site.server.shutdown().await;
}
