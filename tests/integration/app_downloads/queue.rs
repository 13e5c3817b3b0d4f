//! The queue of an app's downloads: a duplicate identifier, one named like another's working
//! file, cancel (the partial file goes), the foreground band (it jumps the queue), and a restart
//! of the manager mid-download (it resumes with `Range`).

use std::time::Duration;

use bgassets::manager::api::{LimitsPatch, ManagerApi};
use bgassets::manager::event::ManagerEventKind;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use super::{Room, pinned, refusal, subscribe, until_status};
use crate::support::faults::FaultsExt;
use crate::support::wait::wait_until_async;

#[tokio::test]
async fn a_duplicate_is_refused_and_cancel_deletes_the_partial_file_once() {
    let room = Room::start(Faults::default().rate(100_000), "").await;
    let bytes = crate::support::random_bytes(2_000_000, 6);
    let url = room.put("big.bin", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    app.schedule_download(pinned("big.bin", &url, &bytes))
        .await
        .unwrap();
    until_status(&mut events, "big.bin", "downloading").await;
    let (kind, message) = refusal(
        app.schedule_download(pinned("big.bin", &url, &bytes))
            .await
            .unwrap_err(),
    );
    assert_eq!(kind, ErrorKind::DownloadAlreadyScheduled, "{message}");
    assert!(message.contains("big.bin"), "{message}");
    // An identifier whose file would be another download's working file (found by a review:
    // `big.bin.partial`'s bytes replaced `big.bin`'s partial file, then were renamed into place
    // as `big.bin`): refused, naming the ending.
    let (kind, message) = refusal(
        app.schedule_download(pinned("big.bin.partial", &url, &bytes))
            .await
            .unwrap_err(),
    );
    assert_eq!(kind, ErrorKind::DownloadInvalid, "{message}");
    assert!(message.contains("ends in `.partial`"), "{message}");
    let partial = room.engine_dir().join("download-big.bin.partial");
    wait_until_async("a partial file", Duration::from_secs(20), || {
        partial.exists()
    })
    .await;
    app.cancel_download("big.bin").await.unwrap();
    let seen = until_status(&mut events, "big.bin", "failed").await;
    let ManagerEventKind::DownloadStatus { error, .. } = &seen.last().unwrap().kind else {
        unreachable!()
    };
    assert_eq!(error.as_ref().unwrap().kind, ErrorKind::Cancelled);
    wait_until_async("the partial file gone", Duration::from_secs(10), || {
        !partial.exists()
    })
    .await;
    assert!(app.current_downloads().await.unwrap().is_empty());
    let (kind, message) = refusal(app.cancel_download("big.bin").await.unwrap_err());
    assert_eq!(kind, ErrorKind::DownloadDoesNotExist);
    assert!(message.contains("big.bin"), "{message}");
}

#[tokio::test]
async fn a_foreground_download_jumps_a_queue_of_others() {
    let room = Room::start(Faults::default().rate(1_000_000), "").await;
    let limits = LimitsPatch {
        max_concurrent: Some(1),
        ..LimitsPatch::default()
    };
    room.handle().set_limits(limits).await.unwrap();
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    for (i, id) in ["a.bin", "b.bin", "c.bin"].into_iter().enumerate() {
        let bytes = crate::support::random_bytes(400_000, 10 + i as u64);
        let url = room.put(id, &bytes);
        app.schedule_download(pinned(id, &url, &bytes))
            .await
            .unwrap();
    }
    let listed = app.current_downloads().await.unwrap();
    let c = listed.iter().find(|d| d.identifier == "c.bin").unwrap();
    let spec = pinned("c.bin", &c.url, &[]);
    let moved = app
        .start_foreground_download(bgassets::model::DownloadSpec {
            expected_size: c.expected_size,
            sha256: c.sha256,
            ..spec
        })
        .await
        .unwrap();
    assert!(moved.foreground);
    let mut finished = Vec::new();
    while finished.len() < 3 {
        let seen = tokio::time::timeout(Duration::from_secs(30), events.next())
            .await
            .expect("all three finish within 30 s")
            .unwrap();
        if let bgassets::ipc::Notice::Event(event) = seen
            && let ManagerEventKind::DownloadStatus {
                identifier, state, ..
            } = &event.kind
            && state == "finished"
        {
            finished.push(identifier.clone());
        }
    }
    let place = |id: &str| finished.iter().position(|f| f == id).unwrap();
    assert!(place("c.bin") < place("b.bin"), "order: {finished:?}");
}

#[tokio::test]
async fn a_download_survives_a_manager_restart_and_resumes_with_range() {
    let mut room = Room::start(Faults::default().rate(250_000), "").await;
    let bytes = crate::support::random_bytes(1_500_000, 7);
    let url = room.put("movie.bin", &bytes);
    {
        let app = room.app().await;
        let mut events = subscribe(&app).await;
        app.schedule_download(pinned("movie.bin", &url, &bytes))
            .await
            .unwrap();
        until_status(&mut events, "movie.bin", "downloading").await;
    }
    let partial = room.engine_dir().join("download-movie.bin.partial");
    wait_until_async(
        "some bytes in the partial file",
        Duration::from_secs(20),
        || std::fs::metadata(&partial).is_ok_and(|m| m.len() >= 100_000),
    )
    .await;
    room.restart().await;
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    let listed = app.current_downloads().await.unwrap();
    assert_eq!(listed.len(), 1, "the download came back: {listed:#?}");
    if listed[0].state != "finished" {
        until_status(&mut events, "movie.bin", "finished").await;
    }
    let placed = room.container().join("Background Downloads/movie.bin");
    assert_eq!(std::fs::read(placed).unwrap(), bytes);
    let resumed = room.site.server.requests().into_iter().any(|r| {
        r.path.ends_with("files/movie.bin")
            && r.range
                .as_deref()
                .and_then(|v| v.strip_prefix("bytes="))
                .and_then(|v| v.trim_end_matches('-').parse::<u64>().ok())
                .is_some_and(|from| from > 0)
    });
    assert!(
        resumed,
        "a ranged request continued the partial file: {:#?}",
        room.site.server.requests()
    );
    drop((app, events));
    // Another restart: the start-up sweep leaves the placed file and the record alone.
    room.restart().await;
    let app = room.app().await;
    let listed = app.current_downloads().await.unwrap();
    assert_eq!(listed[0].state, "finished", "{listed:#?}");
    let placed = room.container().join("Background Downloads/movie.bin");
    assert_eq!(std::fs::read(placed).unwrap(), bytes);
}

#[tokio::test]
async fn pausing_the_app_or_everything_holds_its_own_downloads_until_resumed() {
    use bgassets::manager::api::Selection;
    let room = Room::start(Faults::default().rate(300_000), "").await;
    let bytes = crate::support::random_bytes(600_000, 12);
    let url = room.put("held.bin", &bytes);
    let app = room.app().await;
    let mut events = subscribe(&app).await;
    app.schedule_download(pinned("held.bin", &url, &bytes))
        .await
        .unwrap();
    until_status(&mut events, "held.bin", "downloading").await;
    let changed = room.handle().pause(Selection::All).await.unwrap();
    assert!(changed >= 1, "the app's download is counted: {changed}");
    until_status(&mut events, "held.bin", "waiting").await;
    let listed = app.current_downloads().await.unwrap();
    assert!(
        listed[0].paused && listed[0].state == "waiting",
        "{listed:#?}"
    );
    assert_eq!(listed[0].detail.as_deref(), Some("paused by you"));
    // One scheduled while paused waits too.
    let small = crate::support::random_bytes(1_000, 13);
    let small_url = room.put("later.bin", &small);
    let later = app
        .schedule_download(pinned("later.bin", &small_url, &small))
        .await
        .unwrap();
    assert!(later.paused, "{later:#?}");
    room.handle()
        .resume(Selection::App(crate::support::manager::APP.into()))
        .await
        .unwrap();
    until_status(&mut events, "later.bin", "finished").await;
    if app.current_downloads().await.unwrap()[0].state != "finished" {
        until_status(&mut events, "held.bin", "finished").await;
    }
    let placed = room.container().join("Background Downloads/held.bin");
    assert_eq!(std::fs::read(placed).unwrap(), bytes);
}
