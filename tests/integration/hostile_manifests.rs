//! The hostile-manifest corpus (`tests/data/hostile/manifests/`), replayed against a real
//! manager: each `NN-name.json` is served by the mock server as an app's manifest; its
//! `NN-name.expect` holds the field the error must name (first line; empty for a syntax error)
//! and a word the message must contain (second line). Every case must end with the app's
//! manifest error naming that field, no pack taken from it, nothing downloaded, and a canary
//! folder beside the data dir untouched.

use std::path::PathBuf;

use bgassets::manager::api::Request;
use bgassets::server::{ServeConfig, Server};

use crate::support::manager::*;

struct Case {
    name: String,
    field: String,
    word: String,
}

fn corpus() -> (PathBuf, Vec<Case>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile/manifests");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let expect = std::fs::read_to_string(path.with_extension("expect")).unwrap();
            let mut lines = expect.lines();
            Case {
                name,
                field: lines.next().unwrap_or("").to_string(),
                word: lines.next().unwrap_or("").to_string(),
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    (dir, cases)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_manifest_is_refused_naming_its_field_and_nothing_is_written() {
    let (dir, cases) = corpus();
    assert!(cases.len() >= 20, "the corpus shrank: {}", cases.len());
    let server = Server::start(ServeConfig::new(dir)).await.unwrap();
    let root = tempfile::tempdir().unwrap();
    let canary = root.path().join("canary");
    std::fs::create_dir_all(&canary).unwrap();
    std::fs::write(canary.join("precious.txt"), b"mine").unwrap();
    let data = root.path().join("data");
    let manager = manager(&data).await;
    let handle = manager.handle();
    let ids: Vec<String> = (0..cases.len())
        .map(|i| format!("org.example.hostile{i}"))
        .collect();
    for (case, id) in cases.iter().zip(&ids) {
        let url = server.url_of(&format!("/{}.json", case.name));
        let path = app_plist(
            root.path().join(format!("{id}/Info.plist")),
            id,
            &url,
            "1",
            "",
        );
        call(&handle, Request::Register { path }).await;
    }
    let document = until(&handle, "every manifest checked", |d| {
        ids.iter()
            .all(|id| d.app(id).is_some_and(|a| a.last_checked_ms.is_some()))
    })
    .await;
    for (case, id) in cases.iter().zip(&ids) {
        let app = document.app(id).unwrap();
        let error = app
            .manifest_error
            .as_ref()
            .unwrap_or_else(|| panic!("{}: accepted: {app:#?}", case.name));
        assert_eq!(
            error.kind,
            bgassets::model::ErrorKind::InvalidManifest,
            "{}: {error:?}",
            case.name
        );
        assert!(
            error.message.contains(&case.field) && error.message.contains(&case.word),
            "{}: expected `{}` and `{}` in: {}",
            case.name,
            case.field,
            case.word,
            error.message
        );
        assert!(
            app.packs.is_empty(),
            "{}: packs taken: {:?}",
            case.name,
            app.packs
        );
    }
    manager.shutdown().await;
    let containers: Vec<_> = std::fs::read_dir(data.join("containers"))
        .unwrap()
        .collect();
    assert!(containers.is_empty(), "{containers:?}");
    let downloads: Vec<_> = std::fs::read_dir(data.join("downloads")).unwrap().collect();
    assert!(downloads.is_empty(), "{downloads:?}");
    let canary: Vec<_> = std::fs::read_dir(&canary).unwrap().collect();
    assert_eq!(canary.len(), 1);
    assert_eq!(
        std::fs::read(root.path().join("canary/precious.txt")).unwrap(),
        b"mine"
    );
}
