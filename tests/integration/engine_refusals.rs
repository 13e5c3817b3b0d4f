//! The engine refuses a new priority or place for a download that is no longer scheduled, with
//! Apple's codes: `downloadNotScheduled` once finished or cancelled, `downloadAlreadyFailed`
//! once failed (issue 12: two of the error kinds that were declared but never produced).

use crate::support::engine::*;
use bgassets::engine::Priority;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_or_failed_download_takes_no_new_priority() {
    let site = Site::start(&[("a.bin", 10_000)], Faults::default()).await;
    let engine = engine(&site.state_file(), limits(2, None));
    let handle = engine.handle();

    handle.enqueue(site.request("a.bin")).await.unwrap();
    let finished = done(&handle, "a.bin").await;
    assert_eq!(finished.state, bgassets::engine::DownloadState::Finished);
    let refused = handle.set_priority("a.bin", Priority(5)).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::DownloadNotScheduled, "{refused}");
    assert!(refused.to_string().contains("a.bin"), "{refused}");
    let refused = handle.move_to_top("a.bin").await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::DownloadNotScheduled, "{refused}");

    // Not on the server: a 404 fails the download for good.
    let url = url::Url::parse(&site.server.url_of("missing.bin")).unwrap();
    let request =
        bgassets::engine::DownloadRequest::new("missing.bin", url, site.out("missing.bin"));
    handle.enqueue(request).await.unwrap();
    let failed = done(&handle, "missing.bin").await;
    assert!(
        matches!(failed.state, bgassets::engine::DownloadState::Failed { .. }),
        "{:?}",
        failed.state
    );
    let refused = handle
        .set_priority("missing.bin", Priority(5))
        .await
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::DownloadAlreadyFailed,
        "{refused}"
    );
    let refused = handle.move_to_top("missing.bin").await.unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::DownloadAlreadyFailed,
        "{refused}"
    );

    // The priority of the finished one did not change behind the refusal.
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(snapshot.get("a.bin").unwrap().request.priority, Priority(0));
    engine.shutdown().await;
}
