//! The local socket end to end: a real server on a Unix socket in a temp dir, a fake manager
//! behind it, raw line clients, the Rust client (`bgassets::client`) and the `ctl` binary; who
//! may call what (`authority`); the hostile corpus replayed against a real manager (`hostile`).

mod authority;
mod hostile;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use bgassets::client::{AssetPackManager, ClientError};
use bgassets::ipc::{BindError, CallError, ConnectionError, Notice, SocketServer};
use bgassets::manager::api::{LimitsPatch, ManagerApi, Move, Request, Selection};
use bgassets::manager::event::ManagerEventKind;
use bgassets::manager::view::StatusDocument;
use bgassets::model::{ErrorKind, StatusUpdate};
use serde_json::{Value, json};

use crate::support::ipc::{GAME, OTHER, Raw, Served, read_json};
use crate::support::wait::{PATIENCE, wait_until_async, within};

/// Every request in its documented wire form, and the `Request` the manager must receive.
fn every_request() -> Vec<(&'static str, Request)> {
    vec![
        (r#"{"id":1,"method":"status"}"#, Request::Status),
        (
            r#"{"id":2,"method":"allAssetPacks","params":{"app":"org.example.game"}}"#,
            Request::AllAssetPacks { app: GAME.into() },
        ),
        (
            r#"{"id":3,"method":"assetPack","params":{"app":"org.example.game","pack":"Tutorial"}}"#,
            Request::AssetPack {
                app: GAME.into(),
                pack: "Tutorial".into(),
            },
        ),
        (
            r#"{"id":4,"method":"register","params":{"path":"/apps/Example.app"}}"#,
            Request::Register {
                path: PathBuf::from("/apps/Example.app"),
            },
        ),
        (
            r#"{"id":5,"method":"unregister","params":{"app":"org.example.game"}}"#,
            Request::Unregister { app: GAME.into() },
        ),
        (
            r#"{"id":6,"method":"ensure","params":{"app":"org.example.game","pack":"Tutorial","requireLatest":true}}"#,
            Request::Ensure {
                app: GAME.into(),
                pack: "Tutorial".into(),
                require_latest: true,
            },
        ),
        (
            r#"{"id":7,"method":"pause","params":{"selection":{"app":"org.example.game"}}}"#,
            Request::Pause {
                selection: Selection::App(GAME.into()),
            },
        ),
        (
            r#"{"id":8,"method":"resume","params":{"selection":{"packs":[{"app":"org.example.game","pack":"Levels"}]}}}"#,
            Request::Resume {
                selection: Selection::pack(GAME, "Levels"),
            },
        ),
        (
            r#"{"id":9,"method":"prioritize","params":{"app":"org.example.game","pack":"Levels","to":"top"}}"#,
            Request::Prioritize {
                app: GAME.into(),
                pack: "Levels".into(),
                to: Move::Top,
            },
        ),
        (
            r#"{"id":10,"method":"remove","params":{"app":"org.example.game","pack":"Broken"}}"#,
            Request::Remove {
                app: GAME.into(),
                pack: "Broken".into(),
            },
        ),
        (
            r#"{"id":11,"method":"checkUpdates","params":{"app":null}}"#,
            Request::CheckUpdates { app: None },
        ),
        (
            r#"{"id":12,"method":"setLimits","params":{"limits":{"maxConcurrent":2,"bytesPerSecond":0}}}"#,
            Request::SetLimits {
                limits: LimitsPatch {
                    max_concurrent: Some(2),
                    max_per_host: None,
                    bytes_per_second: Some(0),
                },
            },
        ),
        (
            r#"{"id":13,"method":"setLanguages","params":{"languages":["fr","en"]}}"#,
            Request::SetLanguages {
                languages: vec!["fr".into(), "en".into()],
            },
        ),
        (
            r#"{"id":"path","method":"filePath","params":{"app":"org.example.game","pack":"Tutorial","path":"Videos/Intro.txt"}}"#,
            Request::FilePath {
                app: GAME.into(),
                pack: "Tutorial".into(),
                path: "Videos/Intro.txt".into(),
            },
        ),
        (
            r#"{"id":15,"method":"pause","params":{"selection":"all"}}"#,
            Request::Pause {
                selection: Selection::All,
            },
        ),
    ]
}

#[tokio::test]
async fn every_request_round_trips_in_its_documented_form() {
    let served = Served::start().await;
    let mut raw = served.raw().await;
    let requests = every_request();
    for (line, _) in &requests {
        let sent: Value = serde_json::from_str(line).unwrap();
        let reply = raw.ask(line).await;
        assert_eq!(reply["id"], sent["id"], "{line} → {reply}");
        assert_eq!(reply["ok"], true, "{line} → {reply}");
        assert!(reply.get("result").is_some(), "{reply}");
    }
    let expected: Vec<Request> = requests.into_iter().map(|(_, r)| r).collect();
    assert_eq!(served.fake.requests(), expected);

    // The same through the Rust connection, each result read as its verb's response.
    let connection = served.controller().await;
    assert_eq!(connection.status().await.unwrap(), served.fake.document());
    for request in expected {
        let response = within(connection.call(request.clone())).await.unwrap();
        assert_eq!(response.method(), request.method(), "{response:?}");
    }
    served.stop().await;
}

#[tokio::test]
async fn refusals_come_back_as_errors_with_their_kind() {
    let served = Served::start().await;
    let mut raw = served.raw().await;
    let reply = raw
        .ask(r#"{"id":1,"method":"assetPack","params":{"app":"org.example.game","pack":"Nope"}}"#)
        .await;
    assert_eq!(
        reply,
        json!({"id": 1, "ok": false, "error": {
            "kind": "assetPackNotFound",
            "message": "asset pack `Nope` not found for app `org.example.game`"
        }})
    );
    let connection = served.controller().await;
    let error = connection
        .call(Request::AllAssetPacks {
            app: "org.nobody".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CallError::Refused(e) if e.kind == ErrorKind::AppNotFound),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("appNotFound: "), "{error}");
    served.stop().await;
}

#[tokio::test]
async fn a_subscription_delivers_events_filtered_by_app() {
    let served = Served::start().await;
    let mut game = served.raw().await;
    let mut everything = served.raw().await;
    assert_eq!(
        game.ask(r#"{"id":8,"method":"subscribe","params":{"app":"org.example.game"}}"#)
            .await,
        json!({"id": 8, "ok": true, "result": null})
    );
    assert_eq!(
        everything
            .ask(r#"{"id":"s","method":"subscribe","params":{"app":null}}"#)
            .await["ok"],
        true
    );
    served.fake.emit(OTHER, None, ManagerEventKind::Registered);
    served
        .fake
        .emit(GAME, Some("Levels"), ManagerEventKind::Queued);

    let first = everything.line().await.unwrap();
    assert_eq!(first["event"]["app"], OTHER);
    assert_eq!(first["event"]["event"], "registered");
    let second = everything.line().await.unwrap();
    assert_eq!(second["event"]["pack"], "Levels");
    let only = game.line().await.unwrap();
    assert_eq!(
        only,
        json!({"event": {"atMs": 1_700_000_000_000u64, "app": GAME, "pack": "Levels", "event": "queued"}})
    );

    // Requests still work on a subscribed connection; after unsubscribing, no more events.
    assert_eq!(game.ask(r#"{"id":9,"method":"status"}"#).await["ok"], true);
    assert_eq!(
        game.ask(r#"{"id":10,"method":"unsubscribe"}"#).await["ok"],
        true
    );
    served
        .fake
        .emit(GAME, Some("Levels"), ManagerEventKind::Removed);
    assert_eq!(game.ask(r#"{"id":11,"method":"status"}"#).await["id"], 11);

    // The Rust connection sees the same events.
    let connection = served.controller().await;
    let mut events = connection.subscribe(Some(GAME)).await.unwrap();
    served.fake.emit(OTHER, None, ManagerEventKind::Changed);
    served.fake.emit(GAME, None, ManagerEventKind::LaunchReady);
    let Some(Notice::Event(event)) = within(events.next()).await else {
        panic!("no event")
    };
    assert_eq!(
        (event.app.as_str(), event.kind),
        (GAME, ManagerEventKind::LaunchReady)
    );
    served.stop().await;
}

#[tokio::test]
async fn an_oversized_line_is_refused_and_closes_only_its_connection() {
    let served = Served::start().await;
    let Raw { mut reader, writer } = served.raw().await;
    let writing = tokio::spawn(async move {
        let mut writer = writer;
        let chunk = vec![b'x'; 64 * 1024];
        // 1 MiB and a bit more, without a newline; the server stops reading, so this may fail.
        for _ in 0..17 {
            if tokio::io::AsyncWriteExt::write_all(&mut writer, &chunk)
                .await
                .is_err()
            {
                break;
            }
        }
        writer
    });
    let reply = read_json(&mut reader).await.expect("an error reply");
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["id"], Value::Null);
    assert_eq!(reply["error"]["kind"], "downloadInvalid");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("longer than 1048576 bytes"),
        "{reply}"
    );
    assert_eq!(
        read_json(&mut reader).await,
        None,
        "the connection is closed"
    );
    drop(within(writing).await.unwrap());

    let mut good = served.raw().await;
    assert_eq!(good.ask(r#"{"id":1,"method":"status"}"#).await["ok"], true);
    served.stop().await;
}

#[tokio::test]
async fn malformed_unknown_and_non_utf8_lines_get_errors_and_the_connection_stays() {
    let served = Served::start().await;
    let mut raw = served.raw().await;

    let reply = raw.ask(r#"{"id":1,"method":"status""#).await;
    assert_eq!(
        (reply["id"].clone(), reply["ok"].clone()),
        (Value::Null, json!(false))
    );
    assert_eq!(reply["error"]["kind"], "downloadInvalid");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("malformed JSON") && message.contains("line 1 column 25"),
        "{message}"
    );

    let reply = raw.ask(r#"{"id":2,"method":"explode","params":{}}"#).await;
    assert_eq!(reply["id"], 2);
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown method `explode`") && message.contains("checkUpdates"),
        "{message}"
    );

    raw.send(b"{\"id\":3,\"method\":\"st\xffatus\"}\n").await;
    let reply = raw.line().await.unwrap();
    assert_eq!(reply["ok"], false);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8"),
        "{reply}"
    );

    let reply = raw
        .ask(r#"{"id":4,"method":"pause","params":{"selection":{"pack":"x"}}}"#)
        .await;
    assert_eq!(reply["id"], 4);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("params.selection"),
        "{reply}"
    );

    let reply = raw.ask(r#"[1,2]"#).await;
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("JSON object"),
        "{reply}"
    );

    // Blank lines are skipped; the connection still answers.
    raw.send(b"\n\r\n").await;
    assert_eq!(raw.ask(r#"{"id":5,"method":"status"}"#).await["id"], 5);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_clients_at_once() {
    let served = Served::start().await;
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..20u64 {
        let connection = served.controller().await;
        clients.spawn(async move {
            // Several calls in flight on one connection; each answer matches its request.
            let calls = (0..10).map(|i| {
                let pack = if i % 2 == 0 { "Tutorial" } else { "Levels" };
                let connection = connection.clone();
                async move {
                    let view = connection.asset_pack(GAME, pack).await.unwrap();
                    assert_eq!(view.id, pack, "client {client}");
                }
            });
            futures_util::future::join_all(calls).await;
        });
    }
    while let Some(done) = within(clients.join_next()).await {
        done.unwrap();
    }
    assert_eq!(served.fake.requests().len(), 200);
    served.stop().await;
}

#[tokio::test]
async fn clients_that_leave_mid_request_or_mid_stream_do_not_hurt_the_server() {
    let served = Served::start().await;
    // Leaves while its request is being answered.
    let mut leaver = served.raw().await;
    leaver
        .send(br#"{"id":1,"method":"register","params":{"path":"/slow"}}"#)
        .await;
    leaver.send(b"\n").await;
    drop(leaver);
    // Leaves while events stream to it.
    let mut listener = served.raw().await;
    assert_eq!(
        listener.ask(r#"{"id":1,"method":"subscribe"}"#).await["ok"],
        true
    );
    drop(listener);
    for _ in 0..300 {
        served
            .fake
            .emit(GAME, Some("Levels"), ManagerEventKind::Queued);
    }
    // Leaves half-way through a line.
    let mut partial = served.raw().await;
    partial.send(br#"{"id":1,"meth"#).await;
    drop(partial);

    wait_until_async("the slow request's answer", PATIENCE, || {
        served.fake.answered() == 1
    })
    .await;
    wait_until_async("the departed subscriber to be dropped", PATIENCE, || {
        served.fake.subscribers() == 0
    })
    .await;
    let mut raw = served.raw().await;
    assert_eq!(raw.ask(r#"{"id":2,"method":"status"}"#).await["ok"], true);
    served.stop().await;
}

#[tokio::test]
async fn requests_sent_before_closing_the_write_side_are_still_answered() {
    let served = Served::start().await;
    let mut raw = served.raw().await;
    raw.send(b"{\"id\":1,\"method\":\"register\",\"params\":{\"path\":\"/slow\"}}\n{\"id\":2,\"method\":\"status\"}\n").await;
    tokio::io::AsyncWriteExt::shutdown(&mut raw.writer)
        .await
        .unwrap();
    let mut ids = vec![
        raw.line().await.unwrap()["id"].clone(),
        raw.line().await.unwrap()["id"].clone(),
    ];
    ids.sort_by_key(|id| id.as_u64());
    assert_eq!(ids, [json!(1), json!(2)]);
    assert_eq!(raw.line().await, None);
    served.stop().await;
}

#[tokio::test]
async fn the_socket_is_private_stale_ones_are_replaced_and_live_ones_refused() {
    let served = Served::start().await;
    let mode = std::fs::metadata(&served.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // Someone listens: a second server is refused and the first keeps serving.
    let error = SocketServer::bind(&served.socket).unwrap_err();
    assert!(matches!(error, BindError::AlreadyServing { .. }), "{error}");
    assert_eq!(
        served
            .raw()
            .await
            .ask(r#"{"id":1,"method":"status"}"#)
            .await["ok"],
        true
    );

    // A socket left behind by a crash is replaced.
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("bgassets.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let server = SocketServer::bind(&stale).unwrap();
    assert_eq!(
        std::fs::metadata(&stale).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(server);
    assert!(!stale.exists(), "the server removes its socket");

    // A file that is not a socket is left alone.
    std::fs::write(&stale, "mine").unwrap();
    assert!(matches!(
        SocketServer::bind(&stale).unwrap_err(),
        BindError::NotASocket { .. }
    ));
    assert_eq!(std::fs::read_to_string(&stale).unwrap(), "mine");

    let socket = served.socket.clone();
    served.stop().await;
    assert!(!socket.exists(), "stopping removes the socket");
}

#[tokio::test]
async fn the_client_maps_errors_like_apple() {
    let served = Served::start().await;
    let manager = AssetPackManager::connect(&served.socket, GAME)
        .await
        .unwrap();
    let error = manager.asset_pack("Missing").await.unwrap_err();
    assert!(
        matches!(&error, ClientError::AssetPackNotFound { id } if id == "Missing"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "asset pack `Missing` not found");
    assert_eq!(error.kind(), Some(ErrorKind::AssetPackNotFound));

    let error = manager
        .contents("Videos/Outro.txt", Some("Tutorial"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::FileNotFound { path, pack } if path == "Videos/Outro.txt" && pack.as_deref() == Some("Tutorial")),
        "{error:?}"
    );
    let error = manager
        .contents("Videos/Outro.txt", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::FileNotFound { pack: None, .. }),
        "{error:?}"
    );

    let stranger = AssetPackManager::connect(&served.socket, "org.nobody")
        .await
        .unwrap();
    let error = stranger.all_asset_packs().await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Manager(e) if e.kind == ErrorKind::AppNotFound),
        "{error:?}"
    );

    let nowhere = served.dir.path().join("nothing/bgassets.sock");
    let error = AssetPackManager::connect(&nowhere, GAME).await.unwrap_err();
    assert!(
        matches!(
            error,
            ClientError::Connection(ConnectionError::NotRunning { .. })
        ),
        "{error:?}"
    );
    served.stop().await;
}

#[tokio::test]
async fn the_client_reads_packs_and_ensures_availability() {
    let served = Served::start().await;
    let manager = AssetPackManager::connect(&served.socket, GAME)
        .await
        .unwrap();
    let ids: Vec<String> = manager
        .all_asset_packs()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["Tutorial", "Levels", "Broken", "Flaky"]);
    assert_eq!(manager.asset_pack("Levels").await.unwrap().version, Some(2));
    assert!(
        manager
            .asset_pack_is_available_locally("Tutorial")
            .await
            .unwrap()
    );
    assert!(
        !manager
            .asset_pack_is_available_locally("Levels")
            .await
            .unwrap()
    );
    assert!(
        manager
            .status("Levels")
            .await
            .unwrap()
            .flags
            .download_available
    );
    assert_eq!(
        manager.contents("Videos/Intro.txt", None).await.unwrap(),
        b"welcome"
    );

    let mut updates = manager.status_updates("Levels").await.unwrap();
    within(manager.ensure_local_availability("Levels", true))
        .await
        .unwrap();
    assert_eq!(
        manager.contents("map.bin", Some("Levels")).await.unwrap(),
        b"level one"
    );
    assert!(
        manager
            .url("map.bin", Some("Levels"))
            .await
            .unwrap()
            .ends_with("Levels/map.bin")
    );
    let mut seen = Vec::new();
    while seen.last() != Some(&StatusUpdate::Finished) {
        seen.push(within(updates.next()).await.unwrap());
    }
    assert_eq!(seen.len(), 3);
    assert!(matches!(
        seen[..],
        [
            StatusUpdate::Began,
            StatusUpdate::Downloading { .. },
            StatusUpdate::Finished
        ]
    ));

    let error = within(manager.ensure_local_availability("Broken", false))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ClientError::Manager(e) if e.kind == ErrorKind::ChecksumMismatch),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "checksumMismatch: sha256 differs");

    // Asking again after a failure waits for the new attempt instead of reporting the old one.
    within(manager.ensure_local_availability("Flaky", false))
        .await
        .unwrap_err();
    within(manager.ensure_local_availability("Flaky", false))
        .await
        .unwrap();

    let check = manager.check_for_updates().await.unwrap();
    assert_eq!(
        (check.updating, check.removed),
        (vec!["Levels".to_string()], vec![])
    );
    manager.remove("Tutorial").await.unwrap();
    assert!(
        !manager
            .asset_pack_is_available_locally("Tutorial")
            .await
            .unwrap()
    );
    served.stop().await;
}

#[tokio::test]
async fn a_closed_manager_ends_calls_and_streams() {
    let served = Served::start().await;
    let manager = AssetPackManager::connect(&served.socket, GAME)
        .await
        .unwrap();
    let mut updates = manager.status_updates("Levels").await.unwrap();
    served.stop().await;
    assert_eq!(within(updates.next()).await, None);
    let error = manager.asset_pack("Levels").await.unwrap_err();
    assert!(
        matches!(error, ClientError::Connection(ConnectionError::Lost { .. })),
        "{error:?}"
    );
}

/// Runs `bgassets ctl ARGS` with `BGASSETS_HOME` set to `home`: (exit code, stdout, stderr).
async fn ctl(home: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = within(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .arg("ctl")
            .args(args)
            .env("BGASSETS_HOME", home)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .output(),
    )
    .await
    .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

#[tokio::test]
async fn ctl_exit_codes() {
    let nobody = tempfile::tempdir().unwrap();
    let (code, _, stderr) = ctl(nobody.path(), &["status"]).await;
    assert_eq!(code, 3, "{stderr}");
    let start = format!("bgassets daemon --data-dir {}", nobody.path().display());
    assert!(
        stderr.contains("no bgassets manager is running") && stderr.contains(&start),
        "{stderr}"
    );

    let served = Served::start().await;
    let home = served.dir.path();
    let (code, stdout, stderr) = ctl(home, &["status", "--json"]).await;
    assert_eq!(code, 0, "{stderr}");
    let printed: StatusDocument = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed, served.fake.document());

    let (code, stdout, _) = ctl(home, &["status"]).await;
    assert_eq!(code, 0);
    let row = stdout.lines().find(|l| l.contains("Levels")).unwrap();
    for cell in [GAME, "available", "→ 2", "onDemand"] {
        assert!(row.contains(cell), "{row}");
    }

    let (code, _, stderr) = ctl(home, &["remove", GAME, "Nope"]).await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("assetPackNotFound: asset pack `Nope` not found"),
        "{stderr}"
    );

    let (code, _, stderr) = ctl(home, &["unregister", GAME]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    let (code, stdout, _) = ctl(home, &["unregister", GAME, "--yes"]).await;
    assert_eq!(
        (code, stdout.trim()),
        (0, "unregistered org.example.game: freed 2.00 KB")
    );

    let (code, _, _) = ctl(home, &["prioritize", GAME, "Levels"]).await;
    assert_eq!(code, 2, "one of --top, --up, --down is required");
    let (code, stdout, _) = ctl(home, &["pause", "--all"]).await;
    assert_eq!((code, stdout.trim()), (0, "paused 2 downloads"));
    let (code, stdout, _) = ctl(
        home,
        &["set", "--limit-rate", "2MB", "--languages", "fr,en"],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "limits: 4 at once, 4 per host, 2.00 MB/s\nlanguages: fr, en\n"
    );
    let (code, stdout, _) = ctl(home, &["ensure", GAME, "Levels", "--wait"]).await;
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("installed org.example.game/Levels version 2"),
        "{stdout}"
    );

    let recorded = served.fake.requests();
    assert!(recorded.contains(&Request::Pause {
        selection: Selection::All
    }));
    assert!(recorded.contains(&Request::SetLanguages {
        languages: vec!["fr".into(), "en".into()]
    }));
    served.stop().await;
}
