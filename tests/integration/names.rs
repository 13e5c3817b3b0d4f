//! Names that become paths, end to end with a real manager: hostile bundle and App Group ids are
//! refused at registration with a named error and nothing is written or deleted outside the data
//! dir (a canary folder beside it stays whole); a state file holding such a name is set aside,
//! never acted on; apps sharing an App Group share a container, and unregistering one keeps what
//! the other uses.

use bgassets::manager::api::Request;
use bgassets::server::Faults;

use crate::support::canary::{assert_canary, canary};
use crate::support::manager::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bundle_and_group_ids_are_refused_before_they_touch_a_folder() {
    let site = Site::start(
        &[Spec::new("Tutorial", ESSENTIAL, 10_000)],
        Faults::default(),
    )
    .await;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let canary = canary(&data);
    let manager = manager(&data).await;
    let handle = manager.handle();
    let url = site.server.manifest_url();
    let cases = [
        ("../canary", "", "CFBundleIdentifier", "path separator"),
        ("../../x", "", "CFBundleIdentifier", "path separator"),
        ("/tmp/abs", "", "CFBundleIdentifier", "path separator"),
        (".", "", "CFBundleIdentifier", "`..`"),
        ("..", "", "CFBundleIdentifier", "`..`"),
        (
            "com.example/app",
            "",
            "CFBundleIdentifier",
            "path separator",
        ),
        (
            "com.exa\tmple",
            "",
            "CFBundleIdentifier",
            "control character",
        ),
        ("nul", "", "CFBundleIdentifier", "reserves for a device"),
        (
            "com.example.ok",
            "<key>BAAppGroupID</key><string>../canary</string>",
            "BAAppGroupID",
            "path separator",
        ),
        (
            "com.example.ok",
            "<key>BAAppGroupID</key><string>..</string>",
            "BAAppGroupID",
            "`..`",
        ),
        (
            "com.example.ok",
            "<key>BAAppGroupID</key><string>.</string>",
            "BAAppGroupID",
            "`..`",
        ),
    ];
    for (i, (bundle_id, extra, key, rule)) in cases.iter().enumerate() {
        let path = root
            .path()
            .join(format!("Hostile{i}.app/Contents/Info.plist"));
        let path = app_plist(path, bundle_id, &url, "1", extra);
        let error = handle
            .call(Request::Register { path })
            .await
            .expect_err(bundle_id);
        assert_eq!(error.kind, bgassets::model::ErrorKind::InvalidManifest);
        assert!(
            error.message.contains(key) && error.message.contains(rule),
            "{bundle_id:?}: {}",
            error.message
        );
    }
    let document = handle.status().await.unwrap();
    assert!(document.apps.is_empty(), "{document:#?}");
    manager.shutdown().await;
    let containers: Vec<_> = std::fs::read_dir(data.join("containers"))
        .unwrap()
        .collect();
    assert!(containers.is_empty(), "{containers:?}");
    assert_canary(&canary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_naming_a_hostile_container_is_set_aside_and_nothing_is_deleted() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let canary = canary(&data);
    std::fs::create_dir_all(&data).unwrap();
    let saved = std::fs::read_to_string("tests/data/state/v1.json").unwrap();
    let mut state: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let apps = state["apps"].as_object_mut().unwrap();
    let (key, mut record) = apps
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    record["app"]["appGroupId"] = "../../canary".into();
    apps.insert(key, record);
    std::fs::write(data.join("state.json"), state.to_string()).unwrap();

    let manager = manager(&data).await;
    let handle = manager.handle();
    let document = handle.status().await.unwrap();
    assert!(document.apps.is_empty(), "a hostile state is not acted on");
    let key = state["apps"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(handle.call(Request::Unregister { app: key }).await.is_err());
    manager.shutdown().await;
    assert!(
        data.join("state.corrupt.json").exists(),
        "kept for a person to inspect"
    );
    assert_canary(&canary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_sharing_an_app_group_share_a_container_and_unregistering_one_keeps_it() {
    let site = Site::start(
        &[Spec::new("Tutorial", ESSENTIAL, 50_000)],
        Faults::default(),
    )
    .await;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let manager = manager(&data).await;
    let handle = manager.handle();
    let url = site.server.manifest_url();
    let group = "<key>BAAppGroupID</key><string>group.org.example.shared</string>";
    for (name, id) in [("One", "org.example.one"), ("Two", "org.example.two")] {
        let path = root.path().join(format!("{name}.app/Contents/Info.plist"));
        let path = app_plist(path, id, &url, "1", group);
        call(&handle, Request::Register { path }).await;
    }
    let installed = |document: &bgassets::manager::view::StatusDocument, app: &str| {
        document
            .pack(app, "Tutorial")
            .is_some_and(|p| p.flags.up_to_date)
    };
    until(&handle, "installed for both apps", |d| {
        installed(d, "org.example.one") && installed(d, "org.example.two")
    })
    .await;
    let container = data.join("containers/group.org.example.shared");
    let file = container.join("Tutorial/Tutorial/data.bin");
    assert_eq!(std::fs::read(&file).unwrap().len(), 50_000);

    call(
        &handle,
        Request::Unregister {
            app: "org.example.one".into(),
        },
    )
    .await;
    let document = handle.status().await.unwrap();
    assert!(document.app("org.example.one").is_none());
    assert!(installed(&document, "org.example.two"), "{document:#?}");
    assert_eq!(
        std::fs::read(&file).unwrap().len(),
        50_000,
        "the group mate's pack stays"
    );

    call(
        &handle,
        Request::Unregister {
            app: "org.example.two".into(),
        },
    )
    .await;
    assert!(
        !container.exists(),
        "the last app of the group takes the container"
    );
    manager.shutdown().await;
}
