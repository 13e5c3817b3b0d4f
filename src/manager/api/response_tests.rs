//! Every verb's result: the JSON the socket carries is what `docs/protocol.md` documents, it
//! reads back to the same [`Response`], and the response's method is its request's.

use serde_json::{Value, json};

use super::*;
use crate::gui::fixture as documents;
use crate::manager::api::{LimitsPatch, Move, Selection};

/// One request of every verb with an answer to it, and the `result` JSON the protocol documents
/// for that answer. The `match` stops compiling when a verb is added, until it is listed here.
fn every_verb() -> Vec<(Request, Response, Value)> {
    let document = documents::every_state();
    let app = document.apps[0].clone();
    let pack = PackView::clone(&app.packs[0]);
    let updates = Updates {
        updating: vec![PackRef::new("a", "Tutorial")],
        removed: vec![PackRef::new("a", "Old")],
    };
    let limits = LimitsPatch {
        max_concurrent: Some(2),
        max_per_host: None,
        bytes_per_second: Some(0),
    }
    .apply(Limits::default());
    let a = || "a".to_string();
    let p = || "p".to_string();
    let log =
        crate::manager::delta::ChangeLog::default().with(document.generation, Default::default());
    let delta = crate::manager::delta::delta(
        &crate::manager::delta::Published {
            document: std::sync::Arc::new(document.clone()),
            log: std::sync::Arc::new(log),
            effort: Default::default(),
        },
        0,
    );
    let mut cases = vec![
        (
            Request::Status,
            Response::from(document.clone()),
            serde_json::to_value(&document).unwrap(),
        ),
        (
            Request::StatusChanges { since: 0 },
            Response::StatusChanges(Box::new(delta.clone())),
            serde_json::to_value(&delta).unwrap(),
        ),
        (
            Request::AllAssetPacks { app: a() },
            Response::from(
                app.packs
                    .iter()
                    .map(|p| PackView::clone(p))
                    .collect::<Vec<_>>(),
            ),
            serde_json::to_value(&app.packs).unwrap(),
        ),
        (
            Request::AssetPack {
                app: a(),
                pack: p(),
            },
            Response::AssetPack(Box::new(pack.clone())),
            serde_json::to_value(&pack).unwrap(),
        ),
        (
            Request::Register {
                path: "/x/Info.plist".into(),
            },
            Response::from(app.clone()),
            serde_json::to_value(&app).unwrap(),
        ),
        (
            Request::Unregister { app: a() },
            Response::Unregister(3072),
            json!(3072),
        ),
        (
            Request::Ensure {
                app: a(),
                pack: p(),
                require_latest: false,
            },
            Response::Ensure(Box::new(pack.clone())),
            serde_json::to_value(&pack).unwrap(),
        ),
        (
            Request::Pause {
                selection: Selection::All,
            },
            Response::Pause(2),
            json!(2),
        ),
        (
            Request::Resume {
                selection: Selection::App(a()),
            },
            Response::Resume(0),
            json!(0),
        ),
        (
            Request::Prioritize {
                app: a(),
                pack: p(),
                to: Move::Top,
            },
            Response::Prioritize,
            Value::Null,
        ),
        (
            Request::Remove {
                app: a(),
                pack: p(),
            },
            Response::Remove(1),
            json!(1),
        ),
        (
            Request::CheckUpdates { app: None },
            Response::from(updates),
            json!({"updating": [{"app": "a", "pack": "Tutorial"}], "removed": [{"app": "a", "pack": "Old"}]}),
        ),
        (
            Request::SetLimits {
                limits: LimitsPatch::default(),
            },
            Response::from(limits),
            json!({"maxConcurrent": 2, "maxPerHost": limits.max_per_host, "bytesPerSecond": null}),
        ),
        (
            Request::SetLanguages {
                languages: vec!["fr".into()],
            },
            Response::SetLanguages(vec!["fr".into(), "en".into()]),
            json!(["fr", "en"]),
        ),
        (
            Request::FilePath {
                app: a(),
                pack: p(),
                path: "x/y".into(),
            },
            Response::FilePath("/d/containers/a/p/x/y".into()),
            json!("/d/containers/a/p/x/y"),
        ),
        (
            Request::RegisterExtension { connection: None },
            Response::RegisterExtension(super::super::Registered { registered: true }),
            json!({"registered": true}),
        ),
        (
            Request::ExtensionAnswer {
                id: 1,
                answer: json!({}),
            },
            Response::ExtensionAnswer,
            Value::Null,
        ),
    ];
    cases.extend(app_download_verbs());
    cases
}

/// The verbs of apps' own downloads, with the documented JSON of an `AppDownloadView`.
fn app_download_verbs() -> Vec<(Request, Response, Value)> {
    use crate::manager::downloads::{AppDownloadRecord, Scheduler};
    let spec: crate::model::DownloadSpec =
        serde_json::from_value(json!({"identifier": "config", "url": "https://cdn.example/c"}))
            .unwrap();
    let view = AppDownloadRecord::new(spec.clone(), Scheduler::App, 5).view("a", false);
    let view_json = json!({
        "app": "a", "identifier": "config", "url": "https://cdn.example/c", "headerNames": [],
        "essential": false, "expectedSize": null, "sha256": null, "priority": 0,
        "foreground": false, "paused": false, "scheduledBy": {"by": "app"}, "scheduledAtMs": 5,
        "state": "waiting", "progress": null, "detail": null, "path": null, "error": null, "vetoable": false
    });
    let a = || "a".to_string();
    vec![
        (
            Request::ScheduleDownload {
                app: a(),
                download: Box::new(spec.clone()),
                lease: None,
            },
            Response::ScheduleDownload(Box::new(view.clone())),
            view_json.clone(),
        ),
        (
            Request::CurrentDownloads { app: a() },
            Response::CurrentDownloads(vec![view.clone()]),
            json!([view_json.clone()]),
        ),
        (
            Request::CancelDownload {
                app: a(),
                identifier: "config".into(),
                lease: Some(3),
            },
            Response::CancelDownload,
            Value::Null,
        ),
        (
            Request::StartForegroundDownload {
                app: a(),
                download: Box::new(spec),
                lease: None,
            },
            Response::StartForegroundDownload(Box::new(view)),
            view_json,
        ),
        (
            Request::AcquireExclusiveControl {
                app: a(),
                wait_ms: 1000,
                hold_ms: 5000,
            },
            Response::AcquireExclusiveControl(crate::manager::api::LeaseView {
                lease: 3,
                expires_at_ms: 9,
            }),
            json!({"lease": 3, "expiresAtMs": 9}),
        ),
        (
            Request::ReleaseExclusiveControl { app: a(), lease: 3 },
            Response::ReleaseExclusiveControl,
            Value::Null,
        ),
    ]
}

#[test]
fn every_verb_result_is_the_documented_json_and_reads_back_the_same() {
    let cases = every_verb();
    assert_eq!(cases.len(), Request::METHODS.len());
    for (request, response, documented) in cases {
        let method = request.method();
        let json = response.to_value().unwrap();
        assert_eq!(json, documented, "{method}: the JSON on the socket");
        let back = request.decode_result(json).unwrap();
        assert_eq!(back, response, "{method}: read back");
        assert_eq!(response.method(), method, "{method}: the response's method");
    }
}

#[test]
fn method_names_are_the_serde_names_of_every_verb() {
    let mut seen = std::collections::BTreeSet::new();
    for (request, _, _) in every_verb() {
        let tag = serde_json::to_value(&request).unwrap()["method"].clone();
        assert_eq!(tag, request.method(), "{request:?}");
        assert!(seen.insert(request.method()), "{} twice", request.method());
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        {
            let mut listed = Request::METHODS.to_vec();
            listed.sort_unstable();
            listed
        },
        "Request::METHODS lists every verb once"
    );
}

#[test]
fn a_result_of_the_wrong_shape_is_refused_naming_what_is_wrong() {
    let request = Request::Remove {
        app: "a".into(),
        pack: "p".into(),
    };
    let error = request.decode_result(json!("3072")).unwrap_err();
    assert!(
        error.to_string().contains("invalid type: string"),
        "{error}"
    );
    let error = Request::Prioritize {
        app: "a".into(),
        pack: "p".into(),
        to: Move::Up,
    }
    .decode_result(json!(1))
    .unwrap_err();
    assert!(error.to_string().contains("expected unit"), "{error}");
}
