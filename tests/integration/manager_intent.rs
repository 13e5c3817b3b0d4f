//! What was asked of a pack (intent) kept apart from what was seen, through a real manager and
//! the mock server: the regressions of issue 12, each named after what it guards.

use std::time::Duration;

use crate::support::manager::*;
use bgassets::manager::api::{LimitsPatch, PackRef, Request, Selection};
use bgassets::model::Activity;
use bgassets::server::Faults;

const KB: usize = 1024;

fn slow(rate: u64) -> Faults {
    Faults {
        rate: Some(rate),
        ..Faults::default()
    }
}

fn one(pack: &str) -> Selection {
    Selection::pack(APP, pack)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_essential_pack_leaves_the_app_launch_ready_and_prefetch_goes_on() {
    let specs = [
        Spec::new("Tutorial", ESSENTIAL, 2_000 * KB),
        Spec::new("Music", PREFETCH, 50 * KB),
    ];
    let (site, _data, manager) = registered(&specs, slow(200_000)).await;
    let handle = manager.handle();
    let removed = Request::Remove {
        app: APP.into(),
        pack: "Tutorial".into(),
    };
    call_json(&handle, removed).await;
    site.server.set_faults(Faults::default()).unwrap();
    let document = until(&handle, "launch-ready with Music in", |d| {
        d.app(APP).is_some_and(|a| a.launch_ready) && pack(d, "Music").flags.up_to_date
    })
    .await;
    let app = document.app(APP).unwrap();
    assert!(app.waiting_for.is_empty(), "{app:?}");
    assert!(
        app.launch_reason.starts_with("ready"),
        "{}",
        app.launch_reason
    );
    let tutorial = pack(&document, "Tutorial");
    assert!(
        !tutorial.wanted && !tutorial.flags.downloaded,
        "{tutorial:?}"
    );
    assert_eq!(tutorial.activity, Activity::Idle);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_all_is_kept_across_an_update_check_and_a_restart() {
    let specs = [
        Spec::new("Music", PREFETCH, 3_000 * KB),
        Spec::new("Bonus", ON_DEMAND, 20 * KB),
    ];
    let site = Site::start(&specs, slow(100_000)).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call_json(
        &handle,
        Request::Pause {
            selection: Selection::All,
        },
    )
    .await;
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call_json(&handle, Request::Register { path }).await;
    let paused = |d: &bgassets::manager::view::StatusDocument| {
        let music = pack(d, "Music");
        music.activity.is_paused() && music.paused && !music.flags.downloaded
    };
    let document = until(&handle, "Music paused", paused).await;
    assert!(pack(&document, "Music").reason.contains("Pause all"));
    call_json(&handle, Request::CheckUpdates { app: None }).await;
    assert!(
        paused(&handle.status().await.unwrap()),
        "still paused after a check"
    );
    manager.shutdown().await;

    let manager = crate::support::manager::manager(data.path()).await;
    let handle = manager.handle();
    call_json(&handle, Request::CheckUpdates { app: None }).await;
    let document = handle.status().await.unwrap();
    assert!(
        paused(&document),
        "still paused after a restart: {:?}",
        pack(&document, "Music")
    );

    // Resuming one pack while everything is paused resumes that pack.
    site.server.set_faults(Faults::default()).unwrap();
    let changed = call_json(
        &handle,
        Request::Resume {
            selection: one("Music"),
        },
    )
    .await;
    assert_eq!(changed, 1);
    until(&handle, "Music in", |d| pack(d, "Music").flags.up_to_date).await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_on_a_paused_pack_resumes_it_and_finishes() {
    let specs = [Spec::new("Bonus", ON_DEMAND, 300 * KB)];
    let (site, _data, manager) = registered(&specs, slow(100_000)).await;
    let handle = manager.handle();
    let ensure = Request::Ensure {
        app: APP.into(),
        pack: "Bonus".into(),
        require_latest: false,
    };
    call_json(&handle, ensure).await;
    call_json(
        &handle,
        Request::Pause {
            selection: one("Bonus"),
        },
    )
    .await;
    until(&handle, "Bonus paused", |d| {
        pack(d, "Bonus").activity.is_paused()
    })
    .await;
    site.server.set_faults(Faults::default()).unwrap();
    let view = tokio::time::timeout(
        Duration::from_secs(20),
        handle.ensure_installed(APP, "Bonus"),
    )
    .await
    .expect("ensure on a paused pack finishes")
    .unwrap();
    assert!(view.flags.up_to_date && !view.paused, "{view:?}");
    manager.shutdown().await;
}

/// A pack of many small files, so its install takes a while.
fn many_files(id: &'static str) -> Spec {
    let mut spec = Spec::new(id, ON_DEMAND, 10);
    spec.files = (0..3000)
        .map(|i| (format!("{id}/f{i}.bin"), bytes(64, i as u8)))
        .collect();
    spec
}

/// Everything left in `container` (names, recursively), hidden bookkeeping included.
fn leftovers(container: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![container.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            found.push(path.strip_prefix(container).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_pack_during_its_install_ends_removed_with_nothing_left() {
    let (_site, _data, manager) = registered(&[many_files("Levels")], Faults::default()).await;
    let handle = manager.handle();
    let mut events = handle.subscribe();
    let ensure = Request::Ensure {
        app: APP.into(),
        pack: "Levels".into(),
        require_latest: false,
    };
    call_json(&handle, ensure).await;
    events_until(&mut events, |e| is(&e.kind, "installing")).await;
    call_json(
        &handle,
        Request::Remove {
            app: APP.into(),
            pack: "Levels".into(),
        },
    )
    .await;
    let document = handle.status().await.unwrap();
    let levels = pack(&document, "Levels");
    assert!(!levels.flags.downloaded && !levels.wanted, "{levels:?}");
    assert_eq!(levels.activity, Activity::Idle, "{levels:?}");
    let container = &document.app(APP).unwrap().container;
    let left: Vec<String> = leftovers(container)
        .into_iter()
        .filter(|name| !name.starts_with(".retired") && !name.starts_with(".versions"))
        .collect();
    assert!(left.is_empty(), "left in the container: {left:?}");
    bgassets::install::wait_retired();
    assert!(
        !leftovers(container).iter().any(|n| n.contains("Levels@")),
        "{:?}",
        leftovers(container)
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistering_an_app_during_an_install_leaves_nothing() {
    let (_site, _data, manager) = registered(&[many_files("Levels")], Faults::default()).await;
    let handle = manager.handle();
    let container = handle
        .status()
        .await
        .unwrap()
        .app(APP)
        .unwrap()
        .container
        .clone();
    let mut events = handle.subscribe();
    let ensure = Request::Ensure {
        app: APP.into(),
        pack: "Levels".into(),
        require_latest: false,
    };
    call_json(&handle, ensure).await;
    events_until(&mut events, |e| is(&e.kind, "installing")).await;
    call_json(&handle, Request::Unregister { app: APP.into() }).await;
    assert!(handle.status().await.unwrap().app(APP).is_none());
    bgassets::install::wait_retired();
    assert!(!container.exists(), "left: {:?}", leftovers(&container));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_and_paused_packs_are_shown_apart_with_their_reasons() {
    let specs = [
        Spec::new("First", ON_DEMAND, 400 * KB),
        Spec::new("Second", ON_DEMAND, 400 * KB),
    ];
    let (_site, _data, manager) = registered(&specs, slow(50_000)).await;
    let handle = manager.handle();
    let limits = LimitsPatch {
        max_concurrent: Some(1),
        ..LimitsPatch::default()
    };
    call_json(&handle, Request::SetLimits { limits }).await;
    for id in ["First", "Second"] {
        let ensure = Request::Ensure {
            app: APP.into(),
            pack: id.into(),
            require_latest: false,
        };
        call_json(&handle, ensure).await;
    }
    let running = |d: &bgassets::manager::view::StatusDocument| {
        matches!(pack(d, "First").activity, Activity::Downloading { .. })
    };
    until(&handle, "First downloading", running).await;
    call_json(
        &handle,
        Request::Pause {
            selection: one("First"),
        },
    )
    .await;
    let document = until(&handle, "Second under way", |d| {
        !matches!(pack(d, "Second").activity, Activity::Queued)
    })
    .await;
    let first = pack(&document, "First");
    assert!(
        first.activity.is_paused() && first.reason.contains("paused by you"),
        "{first:?}"
    );
    let state = bgassets::gui::view::PackState::of(first);
    assert!(state.can_resume() && !state.can_pause());

    // With the slot taken again by First, Second waits: queued, with why, and no Resume.
    call_json(
        &handle,
        Request::Pause {
            selection: one("Second"),
        },
    )
    .await;
    call_json(
        &handle,
        Request::Resume {
            selection: one("First"),
        },
    )
    .await;
    call_json(
        &handle,
        Request::Resume {
            selection: one("Second"),
        },
    )
    .await;
    let document = until(&handle, "one queued", |d| {
        [pack(d, "First"), pack(d, "Second")]
            .iter()
            .any(|p| p.activity == Activity::Queued)
    })
    .await;
    for p in [pack(&document, "First"), pack(&document, "Second")] {
        assert!(!p.reason.is_empty(), "{p:?}");
        if p.activity == Activity::Queued {
            assert!(p.reason.contains("slot"), "{p:?}");
            let state = bgassets::gui::view::PackState::of(p);
            assert!(
                state.can_pause() && !state.can_resume(),
                "a queued pack gets no Resume"
            );
        }
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_fallback_takes_the_manifests_first_variant() {
    let specs = [
        Spec::new("Voices-zz", PREFETCH, 20 * KB).localized("Voices", &["fr"]),
        Spec::new("Voices-aa", PREFETCH, 20 * KB).localized("Voices", &["de"]),
    ];
    let site = Site::start(&specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let languages = vec!["ja".to_string()];
    call_json(&handle, Request::SetLanguages { languages }).await;
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call_json(&handle, Request::Register { path }).await;
    let document = until(&handle, "a variant in", |d| {
        pack(d, "Voices-zz").flags.up_to_date || pack(d, "Voices-aa").flags.up_to_date
    })
    .await;
    assert!(
        pack(&document, "Voices-zz").chosen_variant,
        "the manifest's first, not `aa`"
    );
    assert!(!pack(&document, "Voices-aa").flags.downloaded);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_ready_is_false_after_a_failed_first_manifest_fetch() {
    let data = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/manifest.json", closed.local_addr().unwrap());
    drop(closed);
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let path = plist(data.path(), &url, "1", "");
    let app = call_json(&handle, Request::Register { path }).await;
    assert_eq!(app["launchReady"], false, "{app}");
    let reason = app["launchReason"].as_str().unwrap();
    assert!(reason.contains("manifest"), "{reason}");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_requiring_the_latest_rereads_the_manifest() {
    let specs = [Spec::new("Bonus", ON_DEMAND, 20 * KB)];
    let (site, _data, manager) = registered(&specs, Faults::default()).await;
    let handle = manager.handle();
    let view = handle.ensure_installed(APP, "Bonus").await.unwrap();
    assert_eq!(view.installed_version, Some(1));
    site.publish(&[Spec::new("Bonus", ON_DEMAND, 20 * KB).version(2)]);
    // No checkUpdates: `requireLatest` reads the manifest again itself.
    let view = handle.ensure_installed(APP, "Bonus").await.unwrap();
    assert_eq!(view.installed_version, Some(2), "{view:?}");
    let updating = PackRef::new(APP, "Bonus");
    let answer = call_json(&handle, Request::CheckUpdates { app: None }).await;
    assert!(
        !answer["updating"]
            .as_array()
            .unwrap()
            .contains(&serde_json::to_value(&updating).unwrap()),
        "{answer}"
    );
    manager.shutdown().await;
}
