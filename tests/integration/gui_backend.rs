//! The window's real backend on the real demo (mock server on 127.0.0.1, manager in a scratch
//! data dir): the status document arrives, events reach the log, commands go through, and a
//! refused command comes back as the banner's error naming the request; the document carries
//! the free space of the data dir's disk.

use std::sync::Arc;
use std::time::Duration;

use bgassets::demo::start_demo;
use bgassets::gui::{Backend, ManagerBackend};
use bgassets::manager::api::{ManagerApi, Request, Selection};
use bgassets::manager::view::StatusDocument;

use crate::support::wait;

/// How long the backend may take to show what is awaited (the demo builds its packs first).
const PATIENCE: Duration = Duration::from_secs(60);

fn packs(document: &StatusDocument) -> usize {
    document.apps.iter().map(|a| a.packs.len()).sum()
}

#[test]
fn the_manager_backend_follows_the_demo_and_forwards_commands() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let demo = runtime.block_on(start_demo(None)).expect("demo starts");
    let backend = Arc::new(ManagerBackend::start(
        runtime.handle(),
        demo.manager.handle(),
    ));

    let document = wait::wait_for("the demo app's packs", PATIENCE, || {
        backend.latest().filter(|d| packs(d) > 0)
    });
    assert_eq!(document.apps.len(), 1);
    // The manager measures its data dir's disk for the status bar: the window does no I/O.
    let free = document
        .free_bytes
        .expect("the manager measured the free space");
    assert!(free > 0);
    let app = document.apps[0].bundle_id.clone();
    wait::wait_for("events in the log", PATIENCE, || {
        (!backend.events().is_empty()).then_some(())
    });

    backend.send(Request::Pause {
        selection: Selection::All,
    });
    wait::wait_for("every pack paused or done", PATIENCE, || {
        let document = backend.latest()?;
        let busy = document.apps[0]
            .packs
            .iter()
            .any(|p| p.activity.is_in_progress());
        (!busy).then_some(())
    });
    assert_eq!(backend.error(), None);

    backend.send(Request::Remove {
        app,
        pack: "no-such-pack".into(),
    });
    let error = wait::wait_for("the refusal", PATIENCE, || backend.error());
    assert!(error.starts_with("remove: "), "{error}");
    assert!(error.contains("no-such-pack"), "{error}");

    runtime.block_on(demo.shutdown());
}

/// A real manager with one app of `packs` on-demand packs, nothing downloading, and the
/// window's backend on it once it shows them.
fn idle_manager(
    runtime: &tokio::runtime::Runtime,
    packs: usize,
) -> (
    crate::support::manager::Site,
    tempfile::TempDir,
    bgassets::manager::Manager,
    Arc<ManagerBackend>,
) {
    use crate::support::manager::{ON_DEMAND, Spec, registered};
    let specs: Vec<Spec> = (0..packs)
        .map(|i| Spec::new(format!("Pack-{i:02}"), ON_DEMAND, 64))
        .collect();
    let (site, data, manager) =
        runtime.block_on(registered(&specs, bgassets::server::Faults::default()));
    let backend = Arc::new(ManagerBackend::start(runtime.handle(), manager.handle()));
    wait::wait_for("the app's packs in the window", PATIENCE, || {
        backend.latest().filter(|d| packs_of(d) == specs.len())
    });
    (site, data, manager, backend)
}

fn packs_of(document: &StatusDocument) -> usize {
    packs(document)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Issue 15: the window in the same process as the manager shows the document the manager
/// published, itself: no copy of 10,000 packs and no JSON on each refresh.
#[test]
fn the_in_process_backend_shows_the_published_document_without_copying_it() {
    let runtime = runtime();
    let (_site, _data, manager, backend) = idle_manager(&runtime, 3);
    let handle = manager.handle();
    let shared = |what: &str| {
        wait::wait_for(what, PATIENCE, || {
            let shown = backend.latest()?;
            let published = handle.status_shared();
            if shown.generation != published.generation {
                // A publication without an event (the free space moved) is read at the next
                // refresh: ask for one.
                backend.send(Request::Status);
                return None;
            }
            Some((Arc::ptr_eq(&shown, &published), shown.generation))
        })
    };
    let (same, first) = shared("the published generation in the window");
    assert!(same, "the window shows a copy of the published document");
    // A change published later is shown the same way.
    runtime
        .block_on(handle.pause(Selection::All))
        .expect("pause is accepted");
    let (same, later) = shared("the pause's generation in the window");
    assert!(same, "the window shows a copy of the published document");
    assert!(later > first, "the pause was published");
    runtime.block_on(manager.shutdown());
}

/// Issue 15: a window on a real manager with nothing happening runs no frames: once it has
/// drawn what there is, nothing (no timer, no refresh of an unchanged document) asks for one.
#[test]
fn an_idle_window_on_a_real_manager_asks_for_no_frames() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let runtime = runtime();
    let (_site, _data, manager, backend) = idle_manager(&runtime, 3);
    let ctx = egui::Context::default();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    ctx.set_request_repaint_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut app = bgassets::gui::BgAssetsApp::new(
        &ctx,
        backend.clone(),
        bgassets::gui::state::Remembered::default(),
    );
    let mut frame = |ctx: &egui::Context| {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1024.0, 700.0),
            )),
            ..egui::RawInput::default()
        };
        let mut output = ctx.run_ui(input, |ui| app.show(ui));
        // No renderer takes the textures here.
        output.textures_delta.clear();
        output.viewport_output[&egui::ViewportId::ROOT].repaint_delay
    };
    // Draw until the window asks for nothing more (a first layout takes a few passes), then
    // watch: the start-up's last events may still wake it once, a polling loop would every
    // time.
    let mut quiet = false;
    for _ in 0..10 {
        let settled = (0..20).any(|_| frame(&ctx) == Duration::MAX);
        assert!(
            settled,
            "the window kept asking for frames with nothing changing"
        );
        asked.store(0, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(1500));
        if asked.load(Ordering::SeqCst) == 0 {
            quiet = true;
            break;
        }
    }
    assert!(
        quiet,
        "an idle window on a manager kept being asked for frames"
    );
    runtime.block_on(manager.shutdown());
}
