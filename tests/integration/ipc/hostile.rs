//! The hostile socket corpus (`tests/data/socket/cases.json`, one `.in` file of exact bytes per
//! case) replayed against the socket of a real manager with two apps installed: each case gets
//! its named error, its connection stays usable (or is closed, where the case says so), the
//! manager's state is what it was, and the canary folder beside the data dir is untouched.

use std::collections::BTreeMap;
use std::path::Path;

use bgassets::manager::api::ManagerApi;
use bgassets::server::Faults;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::support::ipc::real::{Real, small_catalogue};
use crate::support::ipc::{GAME, Raw, read_json};
use crate::support::wait::within;

#[derive(Debug, Deserialize)]
struct Corpus {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    /// The exact bytes sent (`{CANARY}` stands for the canary folder's path).
    file: String,
    /// `nobody`, `controller` or `app:<bundle id>`: what the connection said first.
    #[serde(rename = "as")]
    role: String,
    kind: String,
    message: String,
    /// The server closes the connection after its answer.
    closes: bool,
    /// Send the file this many times, then a newline.
    repeat: Option<usize>,
}

/// What a refused request must not have changed: every app, pack state and setting.
async fn fingerprint(real: &Real) -> Value {
    let connection = real.controller().await;
    let document = connection.status().await.unwrap();
    let packs: BTreeMap<String, Value> = document
        .apps
        .iter()
        .flat_map(|app| &app.packs)
        .map(|p| {
            let state = serde_json::to_value(&p.activity).unwrap()["state"].clone();
            let key = format!("{}/{}", p.app, p.id);
            (key, json!([p.installed_version, state, p.wanted]))
        })
        .collect();
    json!({"limits": document.limits, "languages": document.languages, "packs": packs})
}

/// A connection introduced as the case says.
async fn introduce(real: &Real, role: &str) -> Raw {
    let mut raw = real.raw().await;
    let hello = match role {
        "nobody" => return raw,
        "controller" => raw.hello_line_controller(&real.capability_file),
        app => {
            let app = app
                .strip_prefix("app:")
                .expect("nobody, controller or app:ID");
            json!({"id": "hello", "method": "hello", "params": {"app": app}}).to_string()
        }
    };
    assert_eq!(raw.ask(&hello).await["ok"], true);
    raw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_socket_messages_get_their_named_error_and_harm_nothing() {
    let real = Real::start(&small_catalogue(), Faults::default()).await;
    let canary = real.canary_snapshot();
    let before = fingerprint(&real).await;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/socket");
    let corpus: Corpus =
        serde_json::from_slice(&std::fs::read(data.join("cases.json")).unwrap()).unwrap();
    assert!(corpus.cases.len() >= 15, "{} cases", corpus.cases.len());
    let canary_path = real.canary.display().to_string();

    for case in &corpus.cases {
        let name = &case.name;
        let mut bytes = std::fs::read(data.join(&case.file)).unwrap();
        if bytes.windows(8).any(|w| w == b"{CANARY}") {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text.replace("{CANARY}", &canary_path).into_bytes();
        }
        let mut raw = introduce(&real, &case.role).await;
        let reply = match case.repeat {
            Some(times) => {
                let Raw { mut reader, writer } = raw;
                let writing = tokio::spawn(async move {
                    let mut writer = writer;
                    for _ in 0..times {
                        if writer.write_all(&bytes).await.is_err() {
                            break;
                        }
                    }
                    let _ = writer.write_all(b"\n").await;
                    writer
                });
                let reply = read_json(&mut reader).await;
                raw = Raw {
                    reader,
                    writer: within(writing).await.unwrap(),
                };
                reply
            }
            None => {
                raw.send(&bytes).await;
                raw.line().await
            }
        };
        let reply = reply.unwrap_or_else(|| panic!("{name}: no answer"));
        assert_eq!(reply["ok"], false, "{name}: {reply}");
        assert_eq!(
            reply["error"]["kind"],
            case.kind.as_str(),
            "{name}: {reply}"
        );
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&case.message),
            "{name}: `{message}` lacks `{}`",
            case.message
        );

        if case.closes {
            assert_eq!(raw.line().await, None, "{name}: the connection is closed");
        } else {
            // The same connection still works: a hello if it had none, then a request.
            if case.role == "nobody" {
                let hello = json!({"id": "h", "method": "hello", "params": {"app": GAME}});
                assert_eq!(raw.ask(&hello.to_string()).await["ok"], true, "{name}");
            }
            let status = raw.ask(r#"{"id":"after","method":"status"}"#).await;
            assert_eq!(status["ok"], true, "{name}: {status}");
        }
        assert_eq!(
            fingerprint(&real).await,
            before,
            "{name}: the state changed"
        );
        assert_eq!(real.canary_snapshot(), canary, "{name}: the canary changed");
    }
    real.stop().await;
}
