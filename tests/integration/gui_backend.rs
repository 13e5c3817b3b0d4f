//! The window's real backend on the real demo (mock server on 127.0.0.1, manager in a scratch
//! data dir): the status document arrives, events reach the log, commands go through, and a
//! refused command comes back as the banner's error naming the request; the document carries
//! the free space of the data dir's disk.

use std::sync::Arc;
use std::time::Duration;

use bgassets::demo::start_demo;
use bgassets::gui::{Backend, ManagerBackend};
use bgassets::manager::api::{Request, Selection};
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
