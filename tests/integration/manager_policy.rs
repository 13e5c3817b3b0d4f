//! The manager's rules: language variants chosen by preference and swapped when it changes;
//! size caps and allowances enforced before downloading, naming the limit; hosts outside the
//! allow list and plain HTTP refused, naming the host; hostile archives refused without a byte
//! outside the container; and old state files still load.

use bgassets::manager::api::Request;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::manager::*;

fn voices() -> Vec<Spec> {
    vec![
        Spec::new("Voices-en", PREFETCH, 40_000).localized("Voices", &["en"]),
        Spec::new("Voices-fr", PREFETCH, 50_000).localized("Voices", &["fr", "fr-CA"]),
        Spec::new("Tutorial", ESSENTIAL, 30_000),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preferred_language_picks_the_variant_and_a_change_swaps_it() {
    let site = Site::start(&voices(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call(
        &handle,
        Request::SetLanguages {
            languages: vec!["fr-CA".into(), "en".into()],
        },
    )
    .await;
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "1", ""),
        },
    )
    .await;
    let document = until(&handle, "installed", settled).await;
    assert!(
        pack(&document, "Voices-fr").flags.up_to_date
            && pack(&document, "Voices-fr").chosen_variant
    );
    assert!(!pack(&document, "Voices-en").flags.downloaded);

    call(
        &handle,
        Request::SetLanguages {
            languages: vec!["en-GB".into()],
        },
    )
    .await;
    let document = until(&handle, "swapped", |d| {
        pack(d, "Voices-en").flags.up_to_date && !pack(d, "Voices-fr").flags.downloaded
    })
    .await;
    assert!(pack(&document, "Voices-en").chosen_variant);
    assert!(
        !document
            .app(APP)
            .unwrap()
            .container
            .join("Voices-fr")
            .exists()
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_matching_language_the_first_listed_variant_is_the_fallback() {
    let site = Site::start(&voices(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call(
        &handle,
        Request::SetLanguages {
            languages: vec!["ja".into()],
        },
    )
    .await;
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "1", ""),
        },
    )
    .await;
    let document = until(&handle, "installed", settled).await;
    assert!(pack(&document, "Voices-en").flags.up_to_date);
    assert!(!pack(&document, "Voices-fr").flags.downloaded);
    manager.shutdown().await;
}

/// Registers with `extra` plist keys and returns the settled document.
async fn install_with(
    specs: &[Spec],
    extra: &str,
) -> (
    bgassets::manager::view::StatusDocument,
    Site,
    bgassets::manager::Manager,
    tempfile::TempDir,
) {
    let site = Site::start(specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let url = site.server.manifest_url();
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &url, "1", extra),
        },
    )
    .await;
    let document = until(&handle, "settled", settled).await;
    (document, site, manager, data)
}

fn failure(
    document: &bgassets::manager::view::StatusDocument,
    id: &str,
) -> bgassets::model::PackError {
    match &pack(document, id).activity {
        bgassets::model::Activity::Failed { error } => error.clone(),
        other => panic!("{id} did not fail: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_size_limit_is_enforced_before_downloading_and_named() {
    let specs = vec![
        Spec::new("Tutorial", ESSENTIAL, 300_000),
        Spec::new("Music", PREFETCH, 300_000),
    ];
    let cases = [
        (
            "<key>BAEssentialMaxInstallSize</key><integer>100000</integer>",
            "Tutorial",
            ErrorKind::InstallSizeExceeded,
            "BAEssentialMaxInstallSize",
        ),
        (
            "<key>BAMaxInstallSize</key><integer>5656</integer>",
            "Music",
            ErrorKind::InstallSizeExceeded,
            "BAMaxInstallSize",
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><dict><key>BADownloadAllowance</key><integer>400000</integer><key>BADownloadDomainAllowList</key><array><string>127.0.0.1</string></array></dict>",
            "Music",
            ErrorKind::DownloadWouldExceedAllowance,
            "BADownloadAllowance",
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><dict><key>BAEssentialDownloadAllowance</key><integer>5656</integer><key>BADownloadDomainAllowList</key><array><string>127.0.0.1</string></array></dict>",
            "Tutorial",
            ErrorKind::DownloadWouldExceedAllowance,
            "BAEssentialDownloadAllowance",
        ),
    ];
    for (extra, refused, kind, limit) in cases {
        let (document, site, manager, _data) = install_with(&specs, extra).await;
        let error = failure(&document, refused);
        assert_eq!(error.kind, kind, "{limit}: {error:?}");
        assert!(
            error.message.contains(limit) && error.message.contains(refused),
            "{error:?}"
        );
        let requested: Vec<_> = site
            .server
            .requests()
            .into_iter()
            .filter(|r| r.path.contains(refused))
            .collect();
        assert!(
            requested.is_empty(),
            "{limit}: nothing downloaded for {refused}"
        );
        manager.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_essential_failure_does_not_block_launch_as_on_apples_system() {
    let specs = vec![Spec::new("Tutorial", ESSENTIAL, 300_000)];
    let (document, _site, manager, _data) = install_with(
        &specs,
        "<key>BAEssentialMaxInstallSize</key><integer>1000</integer>",
    )
    .await;
    let app = document.app(APP).unwrap();
    assert!(app.launch_ready, "{app:?}");
    assert_eq!(app.essential_failed, ["Tutorial"]);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_outside_the_allow_list_are_refused_by_name() {
    let specs = vec![Spec::new("Tutorial", ESSENTIAL, 1000)];
    let site = Site::start(&specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let extra = "<key>BAInitialDownloadRestrictions</key><dict><key>BADownloadDomainAllowList</key><array><string>*.example.com</string></array></dict>";
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "1", extra),
        },
    )
    .await;
    let document = until(&handle, "checked", |d| {
        d.app(APP).is_some_and(|a| a.last_checked_ms.is_some())
    })
    .await;
    let error = document
        .app(APP)
        .unwrap()
        .manifest_error
        .clone()
        .expect("refused");
    assert_eq!(error.kind, ErrorKind::SessionDownloadDisallowedByDomain);
    assert!(error.message.contains("host `127.0.0.1`"), "{error:?}");
    assert!(site.server.requests().is_empty(), "nothing was fetched");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_url_on_another_host_is_refused_naming_it() {
    let specs = vec![Spec::new("Tutorial", ESSENTIAL, 1000)];
    let site = Site::start(&specs, Faults::default()).await;
    // The manifest points its pack at `localhost`, which the allow list does not cover.
    let manifest_path = site.root().join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let pack_url = site
        .server
        .url_of("packs/Tutorial-1.zip")
        .replace("127.0.0.1", "localhost");
    std::fs::write(
        &manifest_path,
        text.replace("\"packs/Tutorial-1.zip\"", &format!("\"{pack_url}\"")),
    )
    .unwrap();
    let extra = "<key>BAInitialDownloadRestrictions</key><dict><key>BADownloadDomainAllowList</key><array><string>127.0.0.1</string></array></dict>";
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "1", extra),
        },
    )
    .await;
    let document = until(&handle, "settled", settled).await;
    let error = failure(&document, "Tutorial");
    assert_eq!(error.kind, ErrorKind::SessionDownloadDisallowedByDomain);
    assert!(error.message.contains("host `localhost`"), "{error:?}");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_outside_loopback() {
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let extra = "<key>BAInitialDownloadRestrictions</key><dict><key>BADownloadDomainAllowList</key><array><string>assets.example.com</string></array></dict>";
    call(
        &handle,
        Request::Register {
            path: plist(
                data.path(),
                "http://assets.example.com/manifest.json",
                "1",
                extra,
            ),
        },
    )
    .await;
    let document = until(&handle, "checked", |d| {
        d.app(APP).is_some_and(|a| a.last_checked_ms.is_some())
    })
    .await;
    let error = document
        .app(APP)
        .unwrap()
        .manifest_error
        .clone()
        .expect("refused");
    assert_eq!(error.kind, ErrorKind::HostNotAllowed);
    assert!(error.message.contains("HTTPS is required"), "{error:?}");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_archive_is_refused_and_nothing_lands_outside_the_container() {
    let specs = vec![Spec::new("Tutorial", ESSENTIAL, 1000)];
    let site = Site::start(&specs, Faults::default()).await;
    // Replace the archive by a zip-slip one and fix the manifest's size and SHA-256 to match.
    let archive = site.root().join("packs/Tutorial-1.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    zip.start_file(
        "../../escaped.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut zip, b"gotcha").unwrap();
    zip.finish().unwrap();
    let bytes = std::fs::read(&archive).unwrap();
    let manifest_path = site.root().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["assetPacks"][0]["downloadSize"] = bytes.len().into();
    manifest["assetPacks"][0]["sha256"] = bgassets::model::Sha256Digest::of(&bytes).to_hex().into();
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();

    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "1", ""),
        },
    )
    .await;
    let document = until(&handle, "settled", settled).await;
    let error = failure(&document, "Tutorial");
    assert_eq!(error.kind, ErrorKind::InvalidArchive, "{error:?}");
    assert!(error.message.contains("escaped.txt"), "{error:?}");
    let container = document.app(APP).unwrap().container.clone();
    for dir in [
        container.parent().unwrap().to_path_buf(),
        container.parent().unwrap().parent().unwrap().to_path_buf(),
    ] {
        assert!(!dir.join("escaped.txt").exists());
    }
    manager.shutdown().await;
}

#[test]
fn every_state_file_version_still_loads() {
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/state")).unwrap()
    {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let state = bgassets::manager::state::parse(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!state.apps.is_empty(), "{}", path.display());
    }
}

#[test]
fn a_state_file_from_a_newer_bgassets_is_refused_not_misread() {
    let error = bgassets::manager::state::parse(r#"{"version": 99, "apps": {}}"#).unwrap_err();
    assert!(error.contains("newer"), "{error}");
}
