//! The manager's cost per change does not grow with its packs: one app of 2,000 on-demand
//! packs, 2,000 `ensure` requests sent at once, then every pack installed, while status is
//! read from the published document. Prints what it measured; run with
//! `cargo test --release --test manager_scale -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use crate::support::manager::*;
use bgassets::manager::api::Request;
use bgassets::server::Faults;

const PACKS: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement of 2,000 packs: run it with --ignored --nocapture"]
async fn two_thousand_ensures_are_answered_and_installed_at_a_cost_per_change_that_stays_flat() {
    let specs: Vec<Spec> = (0..PACKS)
        .map(|i| {
            let id: &'static str = Box::leak(format!("Pack-{i:04}").into_boxed_str());
            Spec::new(id, ON_DEMAND, 1024)
        })
        .collect();
    let built = Instant::now();
    let site = Site::start(&specs, Faults::default()).await;
    println!("built and served {PACKS} packs in {:?}", built.elapsed());
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let path = plist(data.path(), &site.server.manifest_url(), "1", "");
    call(&handle, Request::Register { path }).await;

    let started = Instant::now();
    let asks = specs.iter().map(|spec| {
        let handle = handle.clone();
        let request = Request::Ensure {
            app: APP.into(),
            pack: spec.id.clone(),
            require_latest: false,
        };
        async move { handle.call(request).await }
    });
    let answers = futures_util::future::join_all(asks).await;
    let answered = started.elapsed();
    assert!(
        answers.iter().all(Result::is_ok),
        "every ensure is accepted"
    );
    println!("{PACKS} ensure requests answered in {answered:?}");

    let mut status_times = Vec::new();
    let installed = loop {
        let asked = Instant::now();
        let document = handle.status_shared();
        status_times.push(asked.elapsed());
        let app = document.app(APP).unwrap();
        let done = app.packs.iter().filter(|p| p.flags.up_to_date).count();
        if done == PACKS {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{done} of {PACKS} installed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    status_times.sort();
    let p99 = status_times[status_times.len() * 99 / 100];
    println!("{PACKS} packs installed {installed:?} after the first ensure");
    println!(
        "status read {} times while installing: p50 {:?}, p99 {p99:?}",
        status_times.len(),
        status_times[status_times.len() / 2]
    );
    let serialize = Instant::now();
    let json = serde_json::to_vec(&*handle.status_shared()).unwrap();
    println!(
        "the status document of {PACKS} packs serialised in {:?} ({} bytes)",
        serialize.elapsed(),
        json.len()
    );
    let state = std::fs::metadata(data.path().join("state.json"))
        .unwrap()
        .len();
    println!("state.json: {state} bytes");
    manager.shutdown().await;
}
