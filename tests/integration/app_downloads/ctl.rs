//! `bgassets ctl schedule`, `downloads`, `foreground` and `cancel-download` against a real
//! manager: each prints an honest line, and refusals exit 1 with the manager's code.

use bgassets::server::Faults;

use super::{Room, subscribe, until_status};
use crate::support::manager::APP;
use crate::support::wait::within;

/// Runs `bgassets ctl ARGS` on the room's data dir: (exit code, stdout, stderr).
async fn ctl(room: &Room, args: &[&str]) -> (i32, String, String) {
    let output = within(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .arg("ctl")
            .args(args)
            .env("BGASSETS_HOME", room.data.path())
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
async fn ctl_schedules_lists_and_cancels_with_honest_lines() {
    let room = Room::start(Faults::default(), "").await;
    let bytes = crate::support::random_bytes(50_000, 9);
    let url = room.put("intro.bin", &bytes);
    let sha = bgassets::model::Sha256Digest::of(&bytes).to_hex();
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    let (code, out, err) = ctl(
        &room,
        &[
            "schedule",
            APP,
            "intro.bin",
            &url,
            "--size",
            "50000",
            "--sha256",
            &sha,
            "--header",
            "Authorization: Bearer s3cret",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "scheduled download intro.bin of {APP} from {url}: waiting"
        )),
        "{out}"
    );
    assert!(out.contains("Background Downloads/intro.bin"), "{out}");
    until_status(&mut events, "intro.bin", "finished").await;

    let (code, out, err) = ctl(&room, &["downloads", APP]).await;
    assert_eq!(code, 0, "{err}");
    let placed = room.container().join("Background Downloads/intro.bin");
    assert_eq!(
        out.trim(),
        format!("intro.bin  finished  at {}  {url}", placed.display())
    );
    let (_, json, _) = ctl(&room, &["downloads", APP, "--json"]).await;
    assert!(
        json.contains("\"headerNames\": [\n      \"Authorization\""),
        "{json}"
    );
    assert!(
        !json.contains("s3cret"),
        "header values are never printed: {json}"
    );

    let (code, out, err) = ctl(&room, &["cancel-download", APP, "intro.bin"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("cancelled download intro.bin"), "{out}");
    let (code, out, _) = ctl(&room, &["downloads", APP]).await;
    assert_eq!(
        (code, out.trim()),
        (0, format!("{APP} has no downloads of its own").as_str())
    );
    assert_eq!(
        std::fs::read(&placed).unwrap(),
        bytes,
        "a finished file stays the app's"
    );

    let (code, _, err) = ctl(&room, &["cancel-download", APP, "intro.bin"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("downloadDoesNotExist"), "{err}");
    let (code, _, err) = ctl(
        &room,
        &["schedule", APP, "x", "https://elsewhere.example.net/x"],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("sessionDownloadDisallowedByDomain"), "{err}");
    assert!(err.contains("elsewhere.example.net"), "{err}");
    let (code, _, err) = ctl(&room, &["foreground", APP, "nothing"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no download `nothing`"), "{err}");
}
