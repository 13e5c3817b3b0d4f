//! `ensure`s that arrive together are served together (one re-plan per app): each request
//! still gets its own pack's view or its own error, in order, and every pack asked for is
//! installed.

use crate::support::manager::*;
use bgassets::manager::api::{ApiError, Request, Response};
use bgassets::server::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    let answers = futures_util::future::join_all(asked.iter().map(|pack| {
        let handle = handle.clone();
        let request = Request::Ensure {
            app: APP.into(),
            pack: pack.clone(),
            require_latest: false,
        };
        async move { handle.call(request).await }
    }))
    .await;
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
