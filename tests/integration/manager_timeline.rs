//! A pack's timeline tells its story as the inspector shows it: a download cut off mid-way
//! appears as an interruption with its reason, then as resumed from the byte it had reached.

use bgassets::manager::api::Request;
use bgassets::server::Faults;

use crate::support::manager::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_shows_the_interruption_and_the_resume() {
    // Every response is cut after 40 KB: the 60 KB pack needs a second, ranged request.
    let faults = Faults {
        drop_after: Some(40_000),
        ..Faults::default()
    };
    let site = Site::start(&[Spec::new("Levels", PREFETCH, 60_000)], faults).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call(&handle, Request::Register { path }).await;
    let document = until(&handle, "installed", |d| {
        d.apps.first().is_some_and(|a| !a.packs.is_empty()) && pack(d, "Levels").flags.up_to_date
    })
    .await;
    let timeline = &pack(&document, "Levels").timeline;
    let story: Vec<String> = timeline
        .iter()
        .map(|e| format!("{}: {}", e.what, e.detail))
        .collect();
    let at = |what: &str| timeline.iter().position(|e| e.what == what);
    let began = at("began").unwrap_or_else(|| panic!("{story:#?}"));
    let retrying = at("retrying").unwrap_or_else(|| panic!("{story:#?}"));
    let resumed = at("resumed").unwrap_or_else(|| panic!("{story:#?}"));
    assert!(began < retrying && retrying < resumed, "{story:#?}");
    assert!(
        timeline[retrying].detail.starts_with("interrupted: "),
        "{story:#?}"
    );
    assert!(
        timeline[resumed].detail.contains("from byte 40000"),
        "{story:#?}"
    );
    manager.shutdown().await;
}
