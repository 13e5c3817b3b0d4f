//! `ensure`s that arrive together are served together (one re-plan per app): each request
//! still gets its own pack's view or its own error, in order, and every pack asked for is
//! installed; where the app's size limits cannot hold them all, the first asked gets the room.
//! The runtime has one thread, so every request is queued before the manager reads any: they
//! reach it together.

use crate::support::manager::*;
use bgassets::manager::ManagerHandle;
use bgassets::manager::api::{ApiError, Request, Response};
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

#[tokio::test(flavor = "current_thread")]
async fn ensures_sent_together_each_get_their_own_answer_and_every_pack_is_installed() {
    let specs: Vec<Spec> = (0..40)
        .map(|i| {
            let id: &'static str = Box::leak(format!("Pack-{i:02}").into_boxed_str());
            Spec::new(id, ON_DEMAND, 2048)
        })
        .collect();
    let (_site, _data, manager) = registered(&specs, Faults::default()).await;
    let handle = manager.handle();
    // The packs, one twice, and one the manifest does not list, all at once.
    let mut asked: Vec<String> = specs.iter().map(|s| s.id.clone()).collect();
    asked.insert(7, "Pack-03".into());
    asked.insert(20, "NoSuchPack".into());
    let answers = futures_util::future::join_all(asked.iter().map(|p| ensure(&handle, p))).await;
    for (pack, answer) in asked.iter().zip(&answers) {
        match answer {
            Ok(Response::Ensure(view)) => {
                assert_eq!(&view.id, pack, "the answer is the pack's own view");
                assert!(view.wanted, "{pack} is wanted once ensured: {view:?}");
            }
            Err(ApiError { message, .. }) if pack == "NoSuchPack" => {
                assert!(message.contains("NoSuchPack"), "{message}");
            }
            other => panic!("{pack}: {other:?}"),
        }
    }
    let document = until(&handle, "every ensured pack installed", |d| {
        specs.iter().all(|s| pack(d, &s.id).flags.up_to_date)
    })
    .await;
    assert!(settled(&document));
}

/// The regression this guards: planned together, both packs were wanted before either was
/// checked against `BAMaxInstallSize`, so each counted the other and both failed (and kept
/// failing when asked again). Asked one after the other, the first fits and the second fails.
#[tokio::test(flavor = "current_thread")]
async fn ensures_sent_together_past_the_install_cap_give_the_first_asked_the_room() {
    let specs = vec![
        Spec::new("First", ON_DEMAND, 100_000),
        Spec::new("Second", ON_DEMAND, 100_000),
    ];
    let site = Site::start(&specs, Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let extra = "<key>BAMaxInstallSize</key><integer>150000</integer>";
    let path = plist(data.path(), &site.server.manifest_url(), "1", extra);
    call(&handle, Request::Register { path }).await;
    let (first, second) = tokio::join!(ensure(&handle, "First"), ensure(&handle, "Second"));
    assert!(first.is_ok() && second.is_ok(), "{first:?} {second:?}");
    let document = until(&handle, "First installed and Second failed", |d| {
        pack(d, "First").flags.up_to_date && pack(d, "Second").activity.is_failed()
    })
    .await;
    let error = document
        .pack(APP, "Second")
        .and_then(|p| p.last_error.clone())
        .expect("Second's error");
    assert_eq!(error.kind, ErrorKind::InstallSizeExceeded, "{error:?}");
    manager.shutdown().await;
}

/// An `ensure` of `pack`, queued when first polled.
async fn ensure(handle: &ManagerHandle, pack: &str) -> Result<Response, ApiError> {
    let request = Request::Ensure {
        app: APP.into(),
        pack: pack.into(),
        require_latest: false,
    };
    handle.call(request).await
}
