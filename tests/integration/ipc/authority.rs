//! Who calls over the socket: nothing before `hello`, an app sees and acts on its own packs (or
//! its App Group's), a controller proves itself with the capability file, another user is turned
//! away. Against the fake manager of `support::ipc`, which records what reached it.

use std::os::unix::fs::PermissionsExt;

use bgassets::client::{AssetPackManager, ClientError};
use bgassets::ipc::{CallError, Connection};
use bgassets::manager::api::{LimitsPatch, ManagerApi, Request};
use bgassets::manager::event::ManagerEventKind;
use bgassets::model::ErrorKind;
use serde_json::{Value, json};

use crate::support::ipc::{GAME, OTHER, Raw, Served};
use crate::support::wait::within;

/// The refusal's kind and message.
fn refusal(reply: &Value) -> (&str, &str) {
    assert_eq!(reply["ok"], false, "{reply}");
    (
        reply["error"]["kind"].as_str().unwrap(),
        reply["error"]["message"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn nothing_but_hello_before_hello_and_the_error_says_what_to_send() {
    let served = Served::start().await;
    let mut raw = served.raw_anonymous().await;
    for line in [
        r#"{"id":1,"method":"status"}"#,
        r#"{"id":2,"method":"unregister","params":{"app":"org.example.game"}}"#,
        r#"{"id":3,"method":"subscribe","params":{"app":null}}"#,
        r#"{"id":4,"method":"unsubscribe"}"#,
    ] {
        let reply = raw.ask(line).await;
        let (kind, message) = refusal(&reply);
        assert_eq!(kind, "notAuthorized", "{line}");
        assert!(
            message.contains("has not said who it is") && message.contains(r#""method": "hello""#),
            "{message}"
        );
    }
    assert_eq!(served.fake.requests(), [], "nothing reached the manager");
    assert_eq!(served.fake.subscribers(), 0);

    // The same connection may then say hello and carry on.
    let reply = raw
        .ask(r#"{"id":5,"method":"hello","params":{"app":"org.example.game"}}"#)
        .await;
    assert_eq!(
        reply,
        json!({"id": 5, "ok": true, "result": {"role": "app", "app": GAME}})
    );
    assert_eq!(raw.ask(r#"{"id":6,"method":"status"}"#).await["ok"], true);
    served.stop().await;
}

#[tokio::test]
async fn an_app_connection_sees_and_acts_on_its_own_packs_only() {
    let served = Served::start().await;
    let mut game = served.raw_app(GAME).await;

    let status = game.ask(r#"{"id":1,"method":"status"}"#).await;
    let apps: Vec<&str> = status["result"]["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| app["bundleId"].as_str().unwrap())
        .collect();
    assert_eq!(apps, [GAME], "status shows the app's own packs only");
    let own = game
        .ask(r#"{"id":2,"method":"remove","params":{"app":"org.example.game","pack":"Tutorial"}}"#)
        .await;
    assert_eq!(own["ok"], true, "{own}");

    for (line, message) in [
        (
            r#"{"id":3,"method":"remove","params":{"app":"org.example.other","pack":"Music"}}"#,
            "`remove` refused: this connection speaks for `org.example.game`, which does not cover app `org.example.other`",
        ),
        (
            r#"{"id":4,"method":"allAssetPacks","params":{"app":"org.example.other"}}"#,
            "does not cover app `org.example.other`",
        ),
        (
            r#"{"id":5,"method":"pause","params":{"selection":"all"}}"#,
            "`pause` of every app is for controllers",
        ),
        (
            r#"{"id":6,"method":"setLimits","params":{"limits":{"maxConcurrent":1}}}"#,
            "`setLimits` is for controllers",
        ),
        (
            r#"{"id":7,"method":"register","params":{"path":"/tmp/Other.app"}}"#,
            "`register` is for controllers",
        ),
        (
            r#"{"id":8,"method":"subscribe","params":{"app":"org.example.other"}}"#,
            "does not cover app `org.example.other`",
        ),
    ] {
        let reply = game.ask(line).await;
        let (kind, said) = refusal(&reply);
        assert_eq!(kind, "notAuthorized", "{line}");
        assert!(said.contains(message), "{line}: {said}");
    }
    let reached: Vec<Request> = served
        .fake
        .requests()
        .into_iter()
        .filter(|r| *r != Request::Status)
        .collect();
    assert_eq!(
        reached,
        [Request::Remove {
            app: GAME.into(),
            pack: "Tutorial".into()
        }],
        "no refused request reached the manager (status is how other apps are looked up)"
    );

    // Its events are its own app's, whatever it asks.
    assert_eq!(
        game.ask(r#"{"id":9,"method":"subscribe","params":{"app":null}}"#)
            .await["ok"],
        true
    );
    served
        .fake
        .emit(OTHER, Some("Music"), ManagerEventKind::Queued);
    served
        .fake
        .emit(GAME, Some("Levels"), ManagerEventKind::Queued);
    let event = game.line().await.unwrap();
    assert_eq!(
        (&event["event"]["app"], &event["event"]["pack"]),
        (&json!(GAME), &json!("Levels")),
        "{event}"
    );
    served.stop().await;
}

#[tokio::test]
async fn an_app_group_connection_covers_every_app_of_its_group() {
    let served = Served::start().await;
    served.fake.set_group(GAME, "group.org.example");
    served.fake.set_group(OTHER, "group.org.example");
    let mut group = served.raw_app("group.org.example").await;
    let status = group.ask(r#"{"id":1,"method":"status"}"#).await;
    assert_eq!(status["result"]["apps"].as_array().unwrap().len(), 2);
    for line in [
        r#"{"id":2,"method":"assetPack","params":{"app":"org.example.other","pack":"Music"}}"#,
        r#"{"id":3,"method":"pause","params":{"selection":{"packs":[{"app":"org.example.game","pack":"Levels"},{"app":"org.example.other","pack":"Music"}]}}}"#,
    ] {
        assert_eq!(group.ask(line).await["ok"], true, "{line}");
    }
    let stranger = group
        .ask(r#"{"id":4,"method":"remove","params":{"app":"org.example.third","pack":"X"}}"#)
        .await;
    assert_eq!(refusal(&stranger).0, "notAuthorized");

    // One app of the group covers itself, not its group mates.
    let mut game = served.raw_app(GAME).await;
    let reply = game
        .ask(r#"{"id":5,"method":"assetPack","params":{"app":"org.example.other","pack":"Music"}}"#)
        .await;
    assert_eq!(refusal(&reply).0, "notAuthorized");

    assert_eq!(
        group.ask(r#"{"id":6,"method":"subscribe"}"#).await["ok"],
        true
    );
    served
        .fake
        .emit("org.example.third", Some("X"), ManagerEventKind::Queued);
    served
        .fake
        .emit(OTHER, Some("Music"), ManagerEventKind::Queued);
    served
        .fake
        .emit(GAME, Some("Levels"), ManagerEventKind::Removed);
    let first = group.line().await.unwrap();
    let second = group.line().await.unwrap();
    assert_eq!(
        [&first["event"]["app"], &second["event"]["app"]],
        [&json!(OTHER), &json!(GAME)],
        "the group's events, not the stranger's"
    );
    served.stop().await;
}

#[tokio::test]
async fn a_controller_proves_itself_with_the_capability_file_and_only_once() {
    let served = Served::start().await;
    let mode = std::fs::metadata(&served.capability_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "only the manager's user reads it");
    let secret = std::fs::read_to_string(&served.capability_file).unwrap();
    assert_eq!(secret.trim().len(), 64);

    let mut raw = served.raw_anonymous().await;
    let mut wrong = secret.trim().to_string();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(63.., last);
    let reply = raw
        .ask(&json!({"id": 1, "method": "hello", "params": {"capability": wrong}}).to_string())
        .await;
    let (kind, message) = refusal(&reply);
    assert_eq!(kind, "notAuthorized");
    assert!(message.starts_with("wrong capability"), "{message}");
    assert!(
        !message.contains(secret.trim()),
        "the secret is never echoed"
    );
    let reply = raw
        .ask(r#"{"id":2,"method":"setLimits","params":{"limits":{}}}"#)
        .await;
    assert_eq!(refusal(&reply).0, "notAuthorized", "still nobody");

    let hello = raw.hello_line_controller(&served.capability_file);
    assert_eq!(raw.ask(&hello).await["result"]["role"], "controller");
    let again = raw.ask(&hello).await;
    let (kind, message) = refusal(&again);
    assert_eq!(kind, "downloadInvalid");
    assert!(message.contains("already said hello"), "{message}");
    assert_eq!(
        raw.ask(r#"{"id":3,"method":"setLimits","params":{"limits":{}}}"#)
            .await["ok"],
        true
    );

    // A new server on the same socket draws a new capability; the old one no longer works.
    let socket = served.socket.clone();
    let file = served.capability_file.clone();
    let dir = served.stop().await;
    assert!(!file.exists(), "the capability file goes with the server");
    let server = bgassets::ipc::SocketServer::bind(&socket).unwrap();
    assert_eq!(server.capability_file(), file);
    let renewed = std::fs::read_to_string(&file).unwrap();
    assert_ne!(renewed, secret);
    drop(server);
    drop(dir);
}

#[tokio::test]
async fn the_rust_client_says_hello_as_its_app_and_ctl_as_a_controller() {
    let served = Served::start().await;
    let manager = AssetPackManager::connect(&served.socket, GAME)
        .await
        .unwrap();
    let document = manager.connection().status().await.unwrap();
    assert_eq!(document.apps.len(), 1);
    let error = manager
        .connection()
        .set_limits(LimitsPatch::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CallError::Refused(e) if e.kind == ErrorKind::NotAuthorized),
        "{error:?}"
    );
    let error = AssetPackManager::connect(&served.socket, "../x")
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::InvalidApp { .. }), "{error:?}");

    let controller = within(Connection::connect_controller(
        &served.socket,
        &served.capability_file,
    ))
    .await
    .unwrap();
    let document = controller.status().await.unwrap();
    assert_eq!(document.apps.len(), 2);

    // Without the capability file, a controller cannot even ask: the error names the file.
    let elsewhere = tempfile::tempdir().unwrap();
    let missing = elsewhere.path().join("bgassets.capability");
    let error = Connection::connect_controller(&served.socket, &missing)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CallError::Capability(_))
            && error.to_string().contains("bgassets.capability"),
        "{error}"
    );
    served.stop().await;
}

#[tokio::test]
async fn another_user_is_turned_away_even_when_the_socket_mode_lets_them_in() {
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: running a client as another user needs root");
        return;
    }
    let served = Served::start().await;
    // A misconfiguration the uid check must still catch: the folder and socket open to all.
    std::fs::set_permissions(served.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&served.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    // It only reads: the server answers at once and closes, so a write could meet SIGPIPE.
    let client = r#"use IO::Socket::UNIX;
        my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "cannot connect: $!\n";
        print scalar <$s>;"#;
    let output = within(
        tokio::process::Command::new("perl")
            .args(["-e", client])
            .arg(&served.socket)
            .uid(65534)
            .gid(65534)
            .output(),
    )
    .await
    .expect("perl runs (the client as another user)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (kind, message) = refusal(&reply);
    assert_eq!(kind, "callerConnectionNotAccepted");
    assert!(message.contains("uid 65534"), "{message}");
    assert_eq!(served.fake.requests(), []);
    // The manager's own user is still served.
    let mut raw: Raw = served.raw().await;
    assert_eq!(raw.ask(r#"{"id":2,"method":"status"}"#).await["ok"], true);
    served.stop().await;
}
