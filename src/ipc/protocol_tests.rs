//! The socket's lines: every method parses back from the line it prints, refusals name the
//! problem, `hello` takes one valid name or a capability, server lines round-trip.

use super::*;
use crate::manager::api::Selection;
use crate::model::{ErrorKind, FolderName};

fn parse(line: &str) -> Result<RequestLine, Rejection> {
    RequestLine::parse(line.as_bytes()).map(|l| l.expect("not blank"))
}

fn download() -> crate::model::DownloadSpec {
    serde_json::from_value(serde_json::json!({
        "identifier": "x", "url": "https://cdn.example/x",
        "headers": [{"name": "Authorization", "value": "Bearer t"}]
    }))
    .unwrap()
}

/// One request of every method. The `match` fails to compile when a method is added, as a
/// reminder to list it in [`Request::METHODS`] and here.
fn one_of_each() -> Vec<Request> {
    let all = vec![
        Request::Status,
        Request::StatusChanges { since: 42 },
        Request::AllAssetPacks { app: "a".into() },
        Request::AssetPack {
            app: "a".into(),
            pack: "p".into(),
        },
        Request::Register {
            path: "/x/Info.plist".into(),
        },
        Request::Unregister { app: "a".into() },
        Request::Ensure {
            app: "a".into(),
            pack: "p".into(),
            require_latest: true,
        },
        Request::Pause {
            selection: Selection::All,
        },
        Request::Resume {
            selection: Selection::pack("a", "p"),
        },
        Request::Prioritize {
            app: "a".into(),
            pack: "p".into(),
            to: crate::manager::api::Move::Top,
        },
        Request::Remove {
            app: "a".into(),
            pack: "p".into(),
        },
        Request::CheckUpdates { app: None },
        Request::SetLimits {
            limits: Default::default(),
        },
        Request::SetLanguages {
            languages: vec!["fr".into()],
        },
        Request::FilePath {
            app: "a".into(),
            pack: "p".into(),
            path: "x/y".into(),
        },
        Request::RegisterExtension { connection: None },
        Request::ExtensionAnswer {
            id: 3,
            answer: serde_json::json!({"shouldDownload": true}),
        },
        Request::ScheduleDownload {
            app: "a".into(),
            download: Box::new(download()),
            lease: Some(2),
        },
        Request::CurrentDownloads { app: "a".into() },
        Request::CancelDownload {
            app: "a".into(),
            identifier: "x".into(),
            lease: None,
        },
        Request::StartForegroundDownload {
            app: "a".into(),
            download: Box::new(download()),
            lease: None,
        },
        Request::AcquireExclusiveControl {
            app: "a".into(),
            wait_ms: 10,
            hold_ms: 20,
        },
        Request::ReleaseExclusiveControl {
            app: "a".into(),
            lease: 2,
        },
    ];
    for request in &all {
        match request {
            Request::Status
            | Request::StatusChanges { .. }
            | Request::AllAssetPacks { .. }
            | Request::AssetPack { .. }
            | Request::Register { .. }
            | Request::Unregister { .. }
            | Request::Ensure { .. }
            | Request::Pause { .. }
            | Request::Resume { .. }
            | Request::Prioritize { .. }
            | Request::Remove { .. }
            | Request::CheckUpdates { .. }
            | Request::SetLimits { .. }
            | Request::SetLanguages { .. }
            | Request::FilePath { .. }
            | Request::RegisterExtension { .. }
            | Request::ExtensionAnswer { .. } => {}
            Request::ScheduleDownload { .. }
            | Request::CurrentDownloads { .. }
            | Request::CancelDownload { .. }
            | Request::StartForegroundDownload { .. }
            | Request::AcquireExclusiveControl { .. }
            | Request::ReleaseExclusiveControl { .. } => {}
        }
    }
    all
}

#[test]
fn every_method_is_listed_and_round_trips() {
    let requests = one_of_each();
    assert_eq!(requests.len() + PROTOCOL_METHODS.len(), methods().count());
    for request in requests {
        let line = RequestLine {
            id: 1.into(),
            message: ClientMessage::Request(request.clone()),
        };
        let method = serde_json::to_value(&request).unwrap()["method"].clone();
        assert!(methods().any(|m| m == method), "{method}");
        assert_eq!(method, request.method());
        assert_eq!(parse(&line.to_line()).unwrap(), line);
    }
    for message in [
        ClientMessage::Subscribe {
            app: Some("a".into()),
        },
        ClientMessage::Subscribe { app: None },
        ClientMessage::Unsubscribe,
        ClientMessage::ShowWindow,
        ClientMessage::Hello(Hello::App(FolderName::parse("group.a").unwrap())),
        ClientMessage::Hello(Hello::Controller(Offered("ab".repeat(32)))),
    ] {
        let line = RequestLine {
            id: "s".into(),
            message,
        };
        assert_eq!(parse(&line.to_line()).unwrap(), line);
    }
}

#[test]
fn status_takes_no_params_null_or_empty() {
    for line in [
        r#"{"id":1,"method":"status"}"#,
        r#"{"id":1,"method":"status","params":null}"#,
        r#"{"id":1,"method":"status","params":{}}"#,
    ] {
        assert_eq!(
            parse(line).unwrap().message,
            ClientMessage::Request(Request::Status),
            "{line}"
        );
    }
}

/// `docs/protocol.md`: methods without params accept them absent, `null` or `{}`;
/// `checkUpdates` (of every app) was refused without them.
#[test]
fn check_updates_without_params_is_accepted() {
    for line in [
        r#"{"id":1,"method":"checkUpdates"}"#,
        r#"{"id":1,"method":"checkUpdates","params":null}"#,
        r#"{"id":1,"method":"checkUpdates","params":{}}"#,
        r#"{"id":1,"method":"checkUpdates","params":{"app":null}}"#,
    ] {
        assert_eq!(
            parse(line).unwrap().message,
            ClientMessage::Request(Request::CheckUpdates { app: None }),
            "{line}"
        );
    }
    // A method whose params are required still says which one is missing.
    let refused = parse(r#"{"id":2,"method":"pause"}"#).unwrap_err();
    assert!(
        refused.error.message.contains("missing field `selection`"),
        "{}",
        refused.error.message
    );
}

#[test]
fn refusals_name_the_problem() {
    let bad = parse(r#"{"id":3,"method":"pause","params":{"selection":{"nope":1}}}"#).unwrap_err();
    assert_eq!(bad.id, Value::from(3));
    assert!(
        bad.error.message.contains("params.selection"),
        "{}",
        bad.error.message
    );
    let unknown = parse(r#"{"id":"x","method":"explode"}"#).unwrap_err();
    assert_eq!(unknown.id, Value::from("x"));
    assert!(
        unknown.error.message.contains("`explode`") && unknown.error.message.contains("ensure")
    );
    let malformed = parse("{\"id\":1,\n\"method\":}").unwrap_err();
    assert!(
        malformed.error.message.contains("line 2 column 10"),
        "{}",
        malformed.error.message
    );
    let binary = RequestLine::parse(b"{\"id\":1,\xff}").unwrap_err();
    assert!(
        binary.error.message.contains("offset 8"),
        "{}",
        binary.error.message
    );
    assert_eq!(RequestLine::parse(b"  \r").unwrap(), None);
}

#[test]
fn a_hostile_download_is_refused_at_the_edge_naming_the_field() {
    for (line, expected) in [
        (
            r#"{"id":4,"method":"scheduleDownload","params":{"app":"a","download":{"identifier":"../etc/passwd","url":"https://x.example/a"}}}"#,
            "params.download",
        ),
        (
            r#"{"id":4,"method":"scheduleDownload","params":{"app":"a","download":{"identifier":"a","url":"https://x.example/a","headers":[{"name":"Host","value":"evil"}]}}}"#,
            "set by the download engine",
        ),
        (
            r#"{"id":4,"method":"startForegroundDownload","params":{"app":"a","download":{"identifier":"a","url":"file:///etc/passwd"}}}"#,
            "not an http or https URL",
        ),
    ] {
        let refused = parse(line).unwrap_err();
        assert_eq!(refused.id, Value::from(4));
        assert_eq!(refused.error.kind, ErrorKind::DownloadInvalid);
        assert!(
            refused.error.message.contains(expected),
            "{line}: {}",
            refused.error.message
        );
    }
}

#[test]
fn hello_names_one_valid_app_or_a_capability() {
    let hello = parse(r#"{"id":0,"method":"hello","params":{"app":"org.example.game"}}"#);
    assert_eq!(
        hello.unwrap().message,
        ClientMessage::Hello(Hello::App(FolderName::parse("org.example.game").unwrap()))
    );
    for (line, expected) in [
        (
            r#"{"id":0,"method":"hello","params":{"app":"../x"}}"#,
            "params.app",
        ),
        (
            r#"{"id":0,"method":"hello","params":{"app":""}}"#,
            "is empty",
        ),
        (r#"{"id":0,"method":"hello"}"#, "exactly one"),
        (
            r#"{"id":0,"method":"hello","params":{"app":"a","capability":"b"}}"#,
            "exactly one",
        ),
        (
            r#"{"id":0,"method":"hello","params":{"app":7}}"#,
            "invalid type",
        ),
    ] {
        let refused = parse(line).unwrap_err();
        assert_eq!(refused.error.kind, INVALID_REQUEST);
        assert!(
            refused.error.message.contains(expected),
            "{line}: {}",
            refused.error.message
        );
    }
    let offered = Offered("secret".into());
    assert_eq!(format!("{offered:?}"), "Offered(…)");
}

#[test]
fn server_lines_round_trip() {
    let ok = ServerMessage::Response(ResponseLine::success(8.into(), Value::Null));
    assert_eq!(ok.to_line(), r#"{"id":8,"ok":true,"result":null}"#);
    let parsed = ServerMessage::parse(&ok.to_line()).unwrap();
    let ServerMessage::Response(response) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(response.into_result(), Ok(Value::Null));
    let missed = ServerMessage::MissedEvents(3);
    assert_eq!(ServerMessage::parse(&missed.to_line()).unwrap(), missed);
    let pushed = ServerMessage::ExtensionRequest {
        id: 4,
        request: Box::new(crate::extension::ExtensionRequest::WillTerminate { app: "a.b".into() }),
    };
    assert_eq!(
        pushed.to_line(),
        r#"{"extensionRequest":{"id":4,"request":{"app":"a.b","event":"willTerminate"}}}"#
    );
    assert_eq!(ServerMessage::parse(&pushed.to_line()).unwrap(), pushed);
    assert_eq!(kind_name(ErrorKind::AssetPackNotFound), "assetPackNotFound");
}

/// Guards the daemon's peak memory with 10,000 packs (`docs/performance.md`): every answer of
/// the manager is encoded as JSON text at once, never built as a `Value` first (the `Value` of
/// a 10,000-pack `register` answer took 58 MB for 8.7 MB of text), and reads back as the JSON
/// its verb documents.
#[test]
fn every_answer_is_encoded_as_text_and_reads_back_as_its_json() {
    use crate::manager::api::Response;
    let document = crate::gui::fixture::every_state();
    let app = document.apps[0].clone();
    for response in [
        Response::from(app.clone()),
        Response::from(
            app.packs
                .iter()
                .map(|p| crate::manager::view::PackView::clone(p))
                .collect::<Vec<_>>(),
        ),
        Response::Remove(3072),
        Response::Prioritize,
    ] {
        let documented = response.to_value().unwrap();
        let line = ServerMessage::Response(ResponseLine::answer(7.into(), Ok(response)));
        let ServerMessage::Response(answer) = &line else {
            panic!("{line:?}")
        };
        assert!(
            answer.result.is_none() && answer.encoded.is_some(),
            "{answer:?}"
        );
        let ServerMessage::Response(read) = ServerMessage::parse(&line.to_line()).unwrap() else {
            panic!("not a response")
        };
        assert_eq!(read.into_result(), Ok(documented));
    }
}
