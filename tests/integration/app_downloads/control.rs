//! Exclusive control of an app's downloads between two connections of the app: the second
//! waits while the first holds it and goes on when it is released; a lease ends at its hold
//! time; a closed connection frees it; a wait that runs out is `downloadsLocked`.

use std::time::{Duration, Instant};

use bgassets::client::AssetPackManager;
use bgassets::manager::api::AppDownloadApi;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use super::{Room, spec};
use crate::support::manager::APP;

/// How long a call that must wait is watched to be still waiting.
const STILL_WAITING: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_second_connection_waits_for_the_holder_and_goes_on_after_its_release() {
    let room = Room::start(Faults::default(), "").await;
    let url = room.put("x.bin", b"x");
    let (first, second) = (room.app().await, room.app().await);
    let lease = first
        .connection()
        .acquire_exclusive_control(APP, 0, 20_000)
        .await
        .unwrap();
    // The holder's own queue changes pass.
    first.schedule_download(spec("mine", &url)).await.unwrap();
    let theirs = tokio::spawn({
        let second = second.clone();
        let url = url.clone();
        async move { second.schedule_download(spec("theirs", &url)).await }
    });
    tokio::time::sleep(STILL_WAITING).await;
    assert!(!theirs.is_finished(), "a queue change waits for the holder");
    let ids = |list: Vec<bgassets::manager::downloads::AppDownloadView>| {
        list.into_iter().map(|d| d.identifier).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(second.current_downloads().await.unwrap()),
        ["mine"],
        "reads do not wait"
    );
    first
        .connection()
        .release_exclusive_control(APP, lease.lease)
        .await
        .unwrap();
    let view = crate::support::wait::within(theirs).await.unwrap().unwrap();
    assert_eq!(view.identifier, "theirs");
    // Releasing again is refused, naming the lease.
    let error = first
        .connection()
        .release_exclusive_control(APP, lease.lease)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(&lease.lease.to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn a_lease_ends_at_its_hold_time_and_a_wait_that_runs_out_is_refused() {
    let room = Room::start(Faults::default(), "").await;
    let (first, second) = (room.app().await, room.app().await);
    let started = Instant::now();
    let held = first
        .connection()
        .acquire_exclusive_control(APP, 0, 800)
        .await
        .unwrap();
    let refused = second
        .connection()
        .acquire_exclusive_control(APP, 100, 1_000)
        .await
        .unwrap_err();
    let bgassets::ipc::CallError::Refused(refused) = refused else {
        panic!("not a refusal: {refused:?}");
    };
    assert_eq!(
        refused.kind,
        ErrorKind::DownloadsLocked,
        "{}",
        refused.message
    );
    assert!(refused.message.contains(APP), "{}", refused.message);
    let next = second
        .connection()
        .acquire_exclusive_control(APP, 10_000, 1_000)
        .await
        .unwrap();
    assert!(next.lease != held.lease);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(5),
        "got it when the first lease ran out, after {waited:?}"
    );
}

#[tokio::test]
async fn a_closed_connection_frees_its_lease_and_with_exclusive_control_releases() {
    let room = Room::start(Faults::default(), "").await;
    let holder = room.app().await;
    holder
        .connection()
        .acquire_exclusive_control(APP, 0, 60_000)
        .await
        .unwrap();
    let waiter = room.app().await;
    let started = Instant::now();
    let waiting = tokio::spawn({
        let waiter = waiter.clone();
        async move {
            waiter
                .with_exclusive_control(
                    Duration::from_secs(20),
                    Duration::from_secs(5),
                    |app| async move { app.current_downloads().await.map(|d| d.len()) },
                )
                .await
        }
    });
    tokio::time::sleep(STILL_WAITING).await;
    assert!(!waiting.is_finished(), "the holder still has it");
    drop(holder);
    let inside = crate::support::wait::within(waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inside.unwrap(), 0);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "freed by the close, not the hold time"
    );
    // `with_exclusive_control` released it: a third connection takes it at once.
    let third: AssetPackManager = room.app().await;
    third
        .connection()
        .acquire_exclusive_control(APP, 0, 1_000)
        .await
        .unwrap();
}
