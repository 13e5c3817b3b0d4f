//! The person's intent wins the queue (issue 13), through a real manager and the mock server:
//! Download on a pack starts it next, taking a background download's slot when every slot is
//! busy; "move to top" means first, essential packs included; moving down undoes it.

use std::time::{Duration, Instant};

use crate::support::manager::*;
use bgassets::manager::api::{LimitsPatch, Move, Request};
use bgassets::model::Activity;
use bgassets::server::Faults;

const KB: usize = 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_on_a_pack_starts_it_before_a_prefetch_holding_the_only_slot() {
    let specs = [
        Spec::new("Music", PREFETCH, 4_000 * KB),
        Spec::new("Bonus", ON_DEMAND, 40 * KB),
    ];
    let faults = Faults {
        rate: Some(200_000),
        ..Faults::default()
    };
    let (_site, _data, manager) = registered(&specs, faults).await;
    let handle = manager.handle();
    let one_slot = LimitsPatch {
        max_concurrent: Some(1),
        ..LimitsPatch::default()
    };
    call_json(&handle, Request::SetLimits { limits: one_slot }).await;
    until(&handle, "Music downloading", |d| {
        matches!(pack(d, "Music").activity, Activity::Downloading { .. })
    })
    .await;

    let asked = Instant::now();
    call_json(
        &handle,
        Request::Ensure {
            app: APP.into(),
            pack: "Bonus".into(),
            require_latest: false,
        },
    )
    .await;
    let document = until(&handle, "Bonus installed", |d| {
        pack(d, "Bonus").flags.up_to_date
    })
    .await;
    let took = asked.elapsed();
    let music = pack(&document, "Music");
    assert!(
        !music.flags.up_to_date,
        "Bonus waited for the whole prefetch ({took:?}): {music:?}"
    );
    assert!(took < Duration::from_secs(10), "Bonus took {took:?}");
    let timeline: Vec<&str> = music.timeline.iter().map(|t| t.what.as_str()).collect();
    assert!(
        music.reason.contains("slot") || timeline.iter().any(|w| w.contains("paused")),
        "Music gave its slot and says so: {} / {timeline:?}",
        music.reason
    );
    until(&handle, "Music downloading again", |d| {
        matches!(pack(d, "Music").activity, Activity::Downloading { .. })
    })
    .await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_to_top_puts_the_pack_first_even_before_essential_packs_and_down_undoes_it() {
    let specs = [
        Spec::new("Tutorial", ESSENTIAL, 20 * KB),
        Spec::new("Core", ESSENTIAL, 20 * KB),
        Spec::new("Maps", PREFETCH, 20 * KB),
        Spec::new("Bonus", ON_DEMAND, 20 * KB),
    ];
    let (_site, _data, manager) = registered(&specs, Faults::default()).await;
    let handle = manager.handle();
    until(&handle, "settled", settled).await;
    let prioritize = |to| Request::Prioritize {
        app: APP.into(),
        pack: "Bonus".into(),
        to,
    };
    call_json(&handle, prioritize(Move::Top)).await;
    let document = handle.status().await.unwrap();
    let bonus = pack(&document, "Bonus");
    assert_eq!(bonus.order, 0, "move to top means first");
    assert!(bonus.pinned);
    assert_eq!(document.app(APP).unwrap().packs[0].id, "Bonus");

    call_json(&handle, prioritize(Move::Down)).await;
    let document = handle.status().await.unwrap();
    let bonus = pack(&document, "Bonus");
    assert!(!bonus.pinned, "moving down unpins");
    assert!(
        bonus.order >= 2,
        "back behind the essential packs: {}",
        bonus.order
    );
    manager.shutdown().await;
}
