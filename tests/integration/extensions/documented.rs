//! The shell extension `docs/extensions.md` shows, taken from the page and run: it does what
//! the page says.

use std::os::unix::fs::PermissionsExt;

use bgassets::extension::message::{PackInfo, PolicyName, ShouldDownloadAnswer};
use bgassets::extension::{Answer, ExtensionRequest, ProcessExtension};
use bgassets::model::ContentKind;
use serde_json::json;

use super::{APP, App, LIMIT};

#[tokio::test]
async fn the_shell_extension_of_the_documentation_does_what_it_says() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/extensions.md"))
        .unwrap();
    let body = doc
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```sh block in docs/extensions.md");
    assert!(body.lines().count() <= 25, "a short example");
    let app = App::new();
    let relative = "MacOS/GameExtension";
    let path = app.folder().join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let extension = ProcessExtension::resolve(&app.folder(), relative).unwrap();

    let pack = |id: &str, policy| ExtensionRequest::ShouldDownload {
        app: APP.into(),
        pack: PackInfo {
            id: id.into(),
            version: 1,
            policy,
            download_size: 1,
            install_size: 1,
            user_info: None,
        },
    };
    for (id, policy, allowed) in [
        ("HD-Textures", PolicyName::OnDemand, false),
        ("HD-Textures", PolicyName::Prefetch, true),
        ("Levels", PolicyName::OnDemand, true),
    ] {
        let answer = app
            .call(&extension, &pack(id, policy), LIMIT)
            .await
            .unwrap();
        assert_eq!(
            answer,
            Answer::ShouldDownload(ShouldDownloadAnswer {
                should_download: allowed
            }),
            "{id} {policy:?}"
        );
    }
    let content = |kind| ExtensionRequest::ContentRequest {
        app: APP.into(),
        kind,
        manifest_url: "https://cdn.example.com/game/manifest.json"
            .parse()
            .unwrap(),
        manifest: json!({"assetPacks": []}),
        allowance: Default::default(),
    };
    let Answer::Content(install) = app
        .call(&extension, &content(ContentKind::Install), LIMIT)
        .await
        .unwrap()
    else {
        panic!("not a content answer")
    };
    assert_eq!(install.downloads.len(), 1);
    assert!(install.downloads[0].essential);
    let Answer::Content(periodic) = app
        .call(&extension, &content(ContentKind::Periodic), LIMIT)
        .await
        .unwrap()
    else {
        panic!("not a content answer")
    };
    assert!(periodic.downloads.is_empty());
    let finished = ExtensionRequest::Finished {
        app: APP.into(),
        download: bgassets::extension::message::DownloadRef {
            identifier: bgassets::model::DownloadIdentifier::parse("config").unwrap(),
            url: "https://cdn.example.com/game/config.json".parse().unwrap(),
        },
        path: app.container().join("Background Downloads/config"),
    };
    let Answer::Finished(moved) = app.call(&extension, &finished, LIMIT).await.unwrap() else {
        panic!("not a finished answer")
    };
    assert_eq!(moved.move_to.as_deref(), Some("Config/config.json"));
}
