//! The demo app: its packs cover every policy, both installation events, a localized pair and
//! sizes from a few KB to tens of MB; they are built by the real packager and the result is
//! deterministic.

use std::collections::BTreeSet;

use bgassets::demo;
use bgassets::manager::api::ManagerApi;
use bgassets::model::{App, DownloadPolicy, InstallationEvent, ServerManifest};

#[test]
fn the_demo_site_covers_every_policy_event_language_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let built = demo::build_site(dir.path()).unwrap();
    eprintln!("demo built in {:?}", started.elapsed());

    let text = std::fs::read_to_string(built.site.join("manifest.json")).unwrap();
    let manifest = ServerManifest::parse("demo manifest", &text).unwrap();
    let packs = &manifest.asset_packs;
    assert!(packs.len() >= 8, "{} packs", packs.len());

    let policies: BTreeSet<_> = packs.iter().map(|p| p.download_policy.name()).collect();
    assert_eq!(
        policies,
        BTreeSet::from(["essential", "onDemand", "prefetch"])
    );
    for event in [
        InstallationEvent::FirstInstallation,
        InstallationEvent::SubsequentUpdate,
    ] {
        assert!(packs.iter().any(|p| matches!(p.download_policy, DownloadPolicy::Essential(e) if e.contains(event) && !(e.first_installation && e.subsequent_update))
            || matches!(p.download_policy, DownloadPolicy::Prefetch(e) if e.contains(event) && !(e.first_installation && e.subsequent_update))),
            "a pack that downloads only at {event:?}");
    }
    let voices: Vec<_> = packs
        .iter()
        .filter(|p| p.localization_group.as_deref() == Some("Voices"))
        .collect();
    assert_eq!(voices.len(), 2);
    assert_ne!(voices[0].languages, voices[1].languages);

    let smallest = packs.iter().map(|p| p.download_size).min().unwrap();
    let largest = packs.iter().map(|p| p.download_size).max().unwrap();
    assert!(smallest < 10_000, "smallest pack {smallest} B");
    assert!(largest > 10_000_000, "largest pack {largest} B");

    for pack in packs {
        let archive = built.site.join(&pack.url);
        let bytes = std::fs::read(&archive).unwrap();
        assert_eq!(bytes.len() as u64, pack.download_size, "{}", pack.id);
        assert_eq!(
            bgassets::model::Sha256Digest::of(&bytes),
            pack.sha256,
            "{}",
            pack.id
        );
    }
    assert!(
        manifest.pack("ml/upscaler.onnx").is_some(),
        "an id with a slash"
    );

    let plist = std::fs::read(&built.info_plist).unwrap();
    let app = App::parse("demo Info.plist", &plist).unwrap();
    assert_eq!(app.manifest_url.as_str(), demo::DEFAULT_MANIFEST_URL);
    assert!(app.restrictions.allows_host("127.0.0.1"));

    // A second call reuses the build; a fresh folder gives the same bytes.
    let again = demo::build_site(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(again.site.join("manifest.json")).unwrap(),
        text
    );
    let other = tempfile::tempdir().unwrap();
    let rebuilt = demo::build_site(other.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(rebuilt.site.join("manifest.json")).unwrap(),
        text
    );
}

#[test]
fn the_demo_plist_can_point_at_any_server() {
    let text = demo::info_plist_for("http://127.0.0.1:43210/manifest.json");
    let app = App::parse("plist", text.as_bytes()).unwrap();
    assert_eq!(app.manifest_url.port(), Some(43210));
    assert_eq!(app.bundle_id, "org.bgassets.demo.starfield");
}

#[test]
fn a_folder_bgassets_did_not_make_is_never_deleted_to_build_the_demo() {
    let root = tempfile::tempdir().unwrap();
    let theirs = root.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), b"mine").unwrap();
    let error = demo::build_site(&theirs).unwrap_err().to_string();
    assert!(error.contains("not made by bgassets"), "{error}");
    assert_eq!(std::fs::read(theirs.join("notes.txt")).unwrap(), b"mine");

    let link = root.path().join("link");
    std::os::unix::fs::symlink(&theirs, &link).unwrap();
    let error = demo::build_site(&link).unwrap_err().to_string();
    assert!(error.contains("not made by bgassets"), "{error}");
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 1);

    // A stale build of bgassets' own is rebuilt.
    let ours = root.path().join("ours");
    demo::build_site(&ours).unwrap();
    std::fs::write(ours.join("complete.stamp"), b"stale").unwrap();
    demo::build_site(&ours).unwrap();
    assert_ne!(
        std::fs::read(ours.join("complete.stamp")).unwrap(),
        b"stale"
    );
}

/// The demo's downloader extension (`examples/extensions/demo.rs`, the binary
/// `bgassets-demo-extension` beside the test binaries) is put beside the demo app's Info.plist,
/// vetoes the upscaler the demo app asks for at start, and at the install's content request
/// schedules the demo's `config.json`, which lands in the container.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_app_s_extension_vetoes_its_upscaler_model() {
    use bgassets::demo::room::{DEMO_APP, UPSCALER};
    use bgassets::model::Activity;
    let demo = bgassets::demo::start_demo(None).await.expect("demo starts");
    let handle = demo.manager.handle();
    let mut events = handle.subscribe();
    let wait = async {
        loop {
            let document = handle.status().await.unwrap();
            let vetoed = document
                .pack(DEMO_APP, UPSCALER)
                .is_some_and(|p| matches!(p.activity, Activity::Vetoed { .. }));
            let config = document.app(DEMO_APP).is_some_and(|a| {
                a.downloads
                    .iter()
                    .any(|d| d.identifier == "config" && d.state == "finished")
            });
            if vetoed && config {
                return document;
            }
            let _ =
                tokio::time::timeout(std::time::Duration::from_millis(500), events.recv()).await;
        }
    };
    let document = tokio::time::timeout(std::time::Duration::from_secs(60), wait)
        .await
        .expect("the upscaler vetoed and the config downloaded within 60 s");
    let app = document.app(DEMO_APP).unwrap();
    assert_eq!(app.extension.as_deref(), Some("demo-extension"));
    assert_eq!(app.extension_error, None);
    let upscaler = document.pack(DEMO_APP, UPSCALER).unwrap();
    assert_eq!(
        upscaler.activity,
        Activity::Vetoed {
            extension: "demo-extension".into()
        }
    );
    assert!(demo.data_dir.join("demo-app/demo-extension").is_file());
    let config = app.container.join("Background Downloads/config");
    assert_eq!(
        std::fs::read_to_string(config).unwrap(),
        bgassets::demo::site::CONFIG
    );
    demo.shutdown().await;
}
