//! `statusChanges` against a real manager behind its real socket: a follower receives only the
//! packs that changed while a download runs and ends with the same document as a whole
//! `status`; an app's connection follows only the apps its scope covers; a generation the
//! manager does not know gets the whole state.

use std::time::Duration;

use bgassets::manager::api::{ManagerApi, Request, Selection};
use bgassets::server::Faults;
use serde_json::{Value, json};

use crate::support::ipc::real::{ESSENTIAL, ON_DEMAND, PackSpec, Real};
use crate::support::ipc::{GAME, OTHER, Raw};

/// `GAME` with an essential pack, a large on-demand pack and forty small ones; `OTHER` with one.
fn catalogue() -> Vec<PackSpec> {
    let mut packs = vec![
        PackSpec::new(GAME, "Tutorial", ESSENTIAL, 20_000),
        PackSpec::new(GAME, "Levels", ON_DEMAND, 600_000),
        PackSpec::new(OTHER, "Music", ESSENTIAL, 10_000),
    ];
    packs.extend((0..40).map(|i| PackSpec::new(GAME, format!("Extra{i:02}"), ON_DEMAND, 2_000)));
    packs
}

async fn changes(raw: &mut Raw, since: u64) -> Value {
    let line = json!({"id": 9, "method": "statusChanges", "params": {"since": since}});
    let reply = raw.ask(&line.to_string()).await;
    assert!(reply["ok"] == true, "{reply}");
    reply["result"].clone()
}

async fn controller(real: &Real) -> Raw {
    let mut raw = real.raw().await;
    let hello = raw.hello_line_controller(&real.capability_file);
    let reply = raw.ask(&hello).await;
    assert_eq!(reply["result"]["role"], "controller", "{reply}");
    raw
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_receives_only_the_pack_that_moves_and_ends_with_the_whole_document() {
    let faults = Faults {
        rate: Some(400_000),
        ..Faults::default()
    };
    let real = Real::start(&catalogue(), faults).await;
    let follower = real.controller().await;
    let mut raw = controller(&real).await;

    let whole = real.handle().status_shared();
    let whole_len = serde_json::to_string(&*whole).unwrap().len();
    let first = changes(&mut raw, 0).await;
    assert_eq!(
        first["since"],
        Value::Null,
        "generation 0 is unknown: the whole state"
    );
    assert_eq!(ids(&first["apps"], "bundleId"), vec![GAME, OTHER]);

    real.handle()
        .call(Request::Ensure {
            app: GAME.into(),
            pack: "Levels".into(),
            require_latest: false,
        })
        .await
        .unwrap();
    let mut since = first["generation"].as_u64().unwrap();
    let mut deltas = 0;
    let mut largest = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let delta = changes(&mut raw, since).await;
        assert_eq!(
            delta["since"],
            json!(since),
            "a delta, not the whole state: {delta}"
        );
        assert!(delta["apps"].as_array().unwrap().is_empty(), "{delta}");
        let packs = ids(&delta["packs"], "id");
        assert!(
            packs.iter().all(|p| p == "Levels"),
            "only Levels moves: {packs:?}"
        );
        largest = largest.max(delta.to_string().len());
        deltas += usize::from(!packs.is_empty());
        since = delta["generation"].as_u64().unwrap();
        let document = real.handle().status_shared();
        let levels = document.pack(GAME, "Levels").unwrap();
        if levels.flags.up_to_date && document.generation == since {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Levels never installed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(deltas >= 2, "the download was followed in {deltas} deltas");
    assert!(
        largest * 5 < whole_len,
        "a delta of {largest} bytes against a document of {whole_len}"
    );

    // The follower (the Rust connection's `status`) holds the very document the manager has.
    let expected = real.handle().status_shared();
    let followed = follower.status().await.unwrap();
    let again = follower.status().await.unwrap();
    assert_eq!(followed.generation, expected.generation);
    assert_eq!(followed, *expected);
    assert_eq!(again, followed, "an unchanged state follows as itself");
    real.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_connection_follows_only_the_apps_its_scope_covers() {
    let real = Real::start(
        &crate::support::ipc::real::small_catalogue(),
        Faults::default(),
    )
    .await;
    let mut game = Raw::connect(&real.socket).await;
    let hello = json!({"id": "hello", "method": "hello", "params": {"app": GAME}});
    let reply = game.ask(&hello.to_string()).await;
    assert_eq!(reply["result"]["role"], "app", "{reply}");

    let first = changes(&mut game, 0).await;
    assert_eq!(ids(&first["apps"], "bundleId"), vec![GAME]);
    let since = first["generation"].as_u64().unwrap();
    real.handle()
        .call(Request::Pause {
            selection: Selection::App(OTHER.into()),
        })
        .await
        .unwrap();
    real.handle()
        .call(Request::Unregister { app: OTHER.into() })
        .await
        .unwrap();
    let delta = changes(&mut game, since).await;
    assert!(delta["generation"].as_u64().unwrap() > since, "{delta}");
    assert_eq!(delta["since"], json!(since), "{delta}");
    let text = delta.to_string();
    assert!(!text.contains(OTHER), "another app's changes leak: {text}");
    real.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_the_manager_never_published_gets_the_whole_state() {
    let real = Real::start(
        &crate::support::ipc::real::small_catalogue(),
        Faults::default(),
    )
    .await;
    let mut raw = controller(&real).await;
    let document = real.handle().status_shared();
    let answer = changes(&mut raw, document.generation + 1_000).await;
    assert_eq!(answer["since"], Value::Null, "{answer}");
    assert_eq!(ids(&answer["apps"], "bundleId"), vec![GAME, OTHER]);
    let current = changes(&mut raw, document.generation).await;
    let generation = current["generation"].as_u64().unwrap();
    let same = changes(&mut raw, generation).await;
    assert_eq!(same["since"], json!(generation));
    assert_eq!(same["packs"], json!([]));
    real.stop().await;
}
