//! One client trait, two transports: every verb of `ManagerApi` asked of a real manager (and
//! mock server) through its in-process handle and through its socket gives the same typed
//! result; and `checkUpdates` without params is accepted on the socket, as documented.

use crate::support::ipc::real::{Real, small_catalogue};
use crate::support::ipc::{GAME, OTHER};
use crate::support::wait::within;
use bgassets::ipc::CallError;
use bgassets::manager::api::{ApiError, LimitsPatch, ManagerApi, Move, Selection};
use bgassets::manager::view::StatusDocument;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;
use serde_json::json;

/// The error kind of a refusal through the socket.
fn refused(error: CallError) -> ErrorKind {
    match error {
        CallError::Refused(error) => error.kind,
        other => panic!("not a refusal: {other}"),
    }
}

/// The document without the moment it was made, to compare two of them.
fn timeless(mut document: StatusDocument) -> StatusDocument {
    document.generated_at_ms = 0;
    document
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verb_answers_alike_in_process_and_over_the_socket() {
    let real = Real::start(&small_catalogue(), Faults::default()).await;
    let handle = real.handle();
    let socket = real.controller().await;

    // Reading verbs: the same values through both.
    let local = timeless(handle.status().await.unwrap());
    assert_eq!(timeless(socket.status().await.unwrap()), local);
    assert_eq!(local.apps.len(), 2);
    let packs = handle.all_asset_packs(GAME).await.unwrap();
    assert_eq!(socket.all_asset_packs(GAME).await.unwrap(), packs);
    let ids: Vec<&str> = packs.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["Tutorial", "Levels"]);
    let tutorial = handle.asset_pack(GAME, "Tutorial").await.unwrap();
    assert_eq!(socket.asset_pack(GAME, "Tutorial").await.unwrap(), tutorial);
    assert!(tutorial.flags.up_to_date, "{tutorial:?}");
    let missing: ApiError = handle.asset_pack(GAME, "Nope").await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::AssetPackNotFound);
    let missing = socket.asset_pack(GAME, "Nope").await.unwrap_err();
    assert_eq!(refused(missing), ErrorKind::AssetPackNotFound);

    // Settings: each answers with what is in force.
    let patch = LimitsPatch {
        max_concurrent: Some(3),
        ..LimitsPatch::default()
    };
    let limits = handle.set_limits(patch).await.unwrap();
    assert_eq!(limits.max_concurrent, 3);
    assert_eq!(socket.set_limits(patch).await.unwrap(), limits);
    let languages = vec!["fr".to_string(), "en".to_string()];
    assert_eq!(
        handle.set_languages(languages.clone()).await.unwrap(),
        languages
    );
    assert_eq!(
        socket.set_languages(languages.clone()).await.unwrap(),
        languages
    );

    // Paused through one, resumed through the other: no pack is left paused.
    let paused = handle.pause(Selection::App(GAME.into())).await.unwrap();
    let resumed = socket.resume(Selection::App(GAME.into())).await.unwrap();
    let document = socket.status().await.unwrap();
    assert!(
        document
            .apps
            .iter()
            .flat_map(|a| &a.packs)
            .all(|p| !matches!(p.activity, bgassets::model::Activity::Paused { .. })),
        "{paused} paused, {resumed} resumed: {document:#?}"
    );
    handle.prioritize(GAME, "Levels", Move::Top).await.unwrap();
    socket.prioritize(GAME, "Levels", Move::Down).await.unwrap();
    let updates = handle.check_updates(Some(GAME)).await.unwrap();
    assert!(
        updates.updating.is_empty() && updates.removed.is_empty(),
        "{updates:?}"
    );
    assert_eq!(socket.check_updates(None).await.unwrap(), updates);

    // An on-demand pack asked through the socket, found through the handle.
    let asked = within(socket.ensure(GAME, "Levels", false)).await.unwrap();
    assert_eq!((asked.app.as_str(), asked.id.as_str()), (GAME, "Levels"));
    real.until("Levels is installed", |document| {
        document
            .pack(GAME, "Levels")
            .is_some_and(|p| p.flags.up_to_date && !p.activity.is_in_progress())
    })
    .await;
    let file = handle
        .file_path(GAME, "Levels", "Levels/data.bin")
        .await
        .unwrap();
    assert_eq!(
        socket
            .file_path(GAME, "Levels", "Levels/data.bin")
            .await
            .unwrap(),
        file
    );
    assert_eq!(std::fs::read(&file).unwrap().len(), 30_000);
    let freed = socket.remove(GAME, "Levels").await.unwrap();
    assert!(freed >= 30_000, "{freed} bytes freed");
    assert!(!file.exists());

    // An app forgotten through one and registered again through the other.
    let freed = handle.unregister(OTHER).await.unwrap();
    assert!(freed >= 10_000, "{freed} bytes freed");
    let gone = socket.all_asset_packs(OTHER).await.unwrap_err();
    assert_eq!(refused(gone), ErrorKind::AppNotFound);
    let view = within(socket.register(&real.plist(OTHER))).await.unwrap();
    assert_eq!(view.bundle_id, OTHER);
    assert_eq!(view.packs.len(), 1, "{view:?}");
    real.stop().await;
}

/// `docs/protocol.md`: `checkUpdates` re-reads every app's manifest "with `"app": null` or no
/// params"; without params it was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_updates_without_params_is_accepted() {
    let real = Real::start(&small_catalogue(), Faults::default()).await;
    let mut raw = real.raw().await;
    let hello = raw.hello_line_controller(&real.capability_file);
    assert_eq!(raw.ask(&hello).await["ok"], true);
    for (id, line) in [
        (1, r#"{"id":1,"method":"checkUpdates"}"#),
        (2, r#"{"id":2,"method":"checkUpdates","params":null}"#),
        (3, r#"{"id":3,"method":"checkUpdates","params":{}}"#),
    ] {
        let reply = within(raw.ask(line)).await;
        assert_eq!(reply["id"], id, "{reply}");
        assert_eq!(reply["ok"], true, "{line} → {reply}");
        assert_eq!(
            reply["result"],
            json!({"updating": [], "removed": []}),
            "{reply}"
        );
    }
    real.stop().await;
}
