//! Desktop notifications against a notification server implemented here (zbus), on a private
//! session bus: a burst of 50 failing packs across two apps gives one notification per app; an
//! app becoming ready gives one; the quiet setting sends none; a click on a notification gives
//! its pack; without a notification server the notifier goes on reading.

pub mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bgassets::gui::Backend;
use bgassets::gui::fixture::{app, document, pack};
use bgassets::manager::api::{PackRef, Request};
use bgassets::manager::view::{PackView, StatusDocument};
use bgassets::model::{
    Activity, DownloadPolicy, ErrorKind, InstallationEvents, PackError, PackKind,
};
use bgassets::notify::{Bus, Notifier, NotifierConfig, Throttle, policy};
use fakes::{Counted, PATH, Scripted, Server};

use crate::support::dbus::SessionBus;
use crate::support::wait::{wait_until_async, within};

const TIMEOUT: Duration = Duration::from_secs(10);

fn on_demand(id: &str, activity: Activity) -> PackView {
    let policy = DownloadPolicy::OnDemand;
    pack(id, id, PackKind::Levels, policy, (None, Some(1)), activity)
}

/// Two apps of 25 packs, the first `failing` of each failed.
fn two_apps(failing: usize) -> StatusDocument {
    let packs = |prefix: &str| {
        (0..25)
            .map(|i| {
                let activity = if i < failing {
                    Activity::Failed {
                        error: PackError::new(ErrorKind::Network, "connection reset"),
                    }
                } else {
                    Activity::Queued
                };
                on_demand(&format!("{prefix}{i:02}"), activity)
            })
            .collect()
    };
    document(vec![
        app("org.example.a", "Alpha", packs("a")),
        app("org.example.b", "Beta", packs("b")),
    ])
}

fn start(bus: &SessionBus, backend: Arc<Scripted>, quiet: bool) -> Notifier {
    let config = NotifierConfig {
        bus: Bus::Address(bus.address().to_owned()),
        quiet,
        throttle: Throttle::default(),
    };
    Notifier::start(&tokio::runtime::Handle::current(), backend, config).0
}

/// Polls past the gathering time: anything due has been sent by then.
async fn past_gathering(backend: &Scripted) {
    let polls = (policy::GATHER.as_millis() / 250) as usize + 4;
    backend.read_more(polls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_fifty_failures_gives_one_notification_per_app() {
    let bus = SessionBus::start();
    let server = Server::default();
    let _serving = server.serve(&bus).await;
    let backend = Scripted::new(two_apps(0));
    let _notifier = start(&bus, backend.clone(), false);
    backend.read_more(1).await;
    backend.set(two_apps(10));
    backend.read_more(1).await;
    backend.set(two_apps(25));
    wait_until_async("two notifications", TIMEOUT, || server.calls().len() >= 2).await;
    past_gathering(&backend).await;
    let calls = server.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let summaries: Vec<&str> = calls.iter().map(|c| c.summary.as_str()).collect();
    assert!(
        summaries.contains(&"Alpha: 25 packs need attention"),
        "{summaries:?}"
    );
    assert!(
        summaries.contains(&"Beta: 25 packs need attention"),
        "{summaries:?}"
    );
    assert!(
        calls[0].body.contains("network — connection reset"),
        "{}",
        calls[0].body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_becoming_ready_gives_one_notification() {
    let bus = SessionBus::start();
    let server = Server::default();
    let _serving = server.serve(&bus).await;
    let essential = |installed: bool| {
        let policy = DownloadPolicy::Essential(InstallationEvents::ALL);
        let versions = (installed.then_some(1), Some(1));
        let tutorial = pack(
            "T",
            "Tutorial",
            PackKind::Levels,
            policy,
            versions,
            Activity::Idle,
        );
        document(vec![app("org.example.a", "Alpha", vec![tutorial])])
    };
    let backend = Scripted::new(essential(false));
    let _notifier = start(&bus, backend.clone(), false);
    backend.read_more(1).await;
    backend.set(essential(true));
    wait_until_async("a notification", TIMEOUT, || !server.calls().is_empty()).await;
    past_gathering(&backend).await;
    let calls = server.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].summary, "Alpha is ready");
    assert_eq!(calls[0].body, "Its essential packs are installed.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_sends_nothing() {
    let bus = SessionBus::start();
    let server = Server::default();
    let _serving = server.serve(&bus).await;
    let backend = Scripted::new(two_apps(0));
    let notifier = start(&bus, backend.clone(), true);
    assert!(notifier.is_quiet());
    backend.read_more(1).await;
    backend.set(two_apps(25));
    notifier.announce("bgassets is still running", "in the tray");
    past_gathering(&backend).await;
    assert!(server.calls().is_empty(), "{:#?}", server.calls());
    // Turned off again, what happened while quiet is not told later; new news is.
    notifier.set_quiet(false);
    notifier.announce("bgassets is still running", "in the tray");
    wait_until_async("the announcement", TIMEOUT, || !server.calls().is_empty()).await;
    past_gathering(&backend).await;
    let summaries: Vec<String> = server.calls().into_iter().map(|c| c.summary).collect();
    assert_eq!(summaries, vec!["bgassets is still running".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_a_notification_gives_its_pack() {
    let bus = SessionBus::start();
    let server = Server::default();
    let serving = server.serve(&bus).await;
    let backend = Scripted::new(two_apps(0));
    let config = NotifierConfig {
        bus: Bus::Address(bus.address().to_owned()),
        quiet: false,
        throttle: Throttle::default(),
    };
    let runtime = tokio::runtime::Handle::current();
    let (_notifier, mut clicks) = Notifier::start(&runtime, backend.clone(), config);
    backend.read_more(1).await;
    backend.set(two_apps(1));
    wait_until_async("two notifications", TIMEOUT, || server.calls().len() >= 2).await;
    let call = server
        .calls()
        .into_iter()
        .find(|c| c.summary.starts_with("Beta"))
        .unwrap();
    assert_eq!(call.actions, vec!["default".to_owned(), "Show".to_owned()]);
    let iface = serving
        .object_server()
        .interface::<_, Server>(PATH)
        .await
        .unwrap();
    Server::action_invoked(iface.signal_emitter(), call.id, "default")
        .await
        .unwrap();
    let clicked = within(clicks.recv()).await.unwrap();
    assert_eq!(clicked, PackRef::new("org.example.b", "b00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_notification_server_the_notifier_goes_on() {
    let bus = SessionBus::start();
    let connection = bus.connect().await;
    let dbus = zbus::fdo::DBusProxy::new(&connection).await.unwrap();
    let name = "org.freedesktop.Notifications".try_into().unwrap();
    assert!(!dbus.name_has_owner(name).await.unwrap(), "no server here");
    let backend = Scripted::new(two_apps(0));
    let notifier = start(&bus, backend.clone(), false);
    backend.read_more(1).await;
    backend.set(two_apps(25));
    notifier.announce("bgassets is still running", "in the tray");
    // Both notifications fail (nobody owns the name); the notifier keeps reading.
    past_gathering(&backend).await;
    backend.read_more(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_manager_failing_fifty_packs_across_two_apps_gives_one_notification_per_app() {
    use crate::support::manager::{PREFETCH, Site, Spec, app_plist, manager};
    let bus = SessionBus::start();
    let server = Server::default();
    let _serving = server.serve(&bus).await;
    let specs: Vec<Spec> = (0..25)
        .map(|i| Spec::new(format!("Pack{i:02}"), PREFETCH, 1024))
        .collect();
    let site = Site::start(&specs, bgassets::server::Faults::default()).await;
    // The manifest lists every pack; the archives are gone: every download fails (404).
    std::fs::remove_dir_all(site.root().join("packs")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let (backend, _notifier) = counted_notifier(&manager, &bus, false).await;
    let url = site.server.manifest_url();
    for (bundle_id, name) in [("org.example.alpha", "Alpha"), ("org.example.beta", "Beta")] {
        let extra = format!("<key>CFBundleName</key><string>{name}</string>");
        let path = app_plist(
            data.path().join(format!("{name}.app/Contents/Info.plist")),
            bundle_id,
            &url,
            "1",
            &extra,
        );
        manager
            .handle()
            .call(Request::Register { path })
            .await
            .unwrap();
    }
    let failed = |d: &StatusDocument| {
        d.apps.len() == 2
            && d.apps
                .iter()
                .all(|a| a.packs.len() == 25 && a.packs.iter().all(|p| p.activity.is_failed()))
    };
    wait_until_async("fifty failed packs", Duration::from_secs(30), || {
        backend.latest().is_some_and(|d| failed(&d))
    })
    .await;
    wait_until_async("two notifications", TIMEOUT, || server.calls().len() >= 2).await;
    let reads = backend.reads.load(Ordering::SeqCst);
    let polls = (policy::GATHER.as_millis() / 250) as usize + 4;
    wait_until_async("the notifier polling on", TIMEOUT, || {
        backend.reads.load(Ordering::SeqCst) >= reads + polls
    })
    .await;
    let calls = server.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    for name in ["Alpha", "Beta"] {
        let call = calls.iter().find(|c| c.summary.starts_with(name)).unwrap();
        assert!(call.summary.contains("need attention"), "{call:?}");
        assert!(call.body.contains("httpStatus"), "{}", call.body);
    }
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_manager_wakes_the_notifier_not_and_a_change_does() {
    use crate::support::manager::{PREFETCH, Site, Spec, app_plist, manager};
    let bus = SessionBus::start();
    let server = Server::default();
    let _serving = server.serve(&bus).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let (backend, _notifier) = counted_notifier(&manager, &bus, true).await;
    // Settled, then idle: on its old 250 ms clock it would read eight times in two seconds.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = backend.reads.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = backend.reads.load(Ordering::SeqCst) - settled;
    assert_eq!(idle, 0, "reads of an idle manager's document");
    // A change (an app registered) wakes it.
    let site = Site::start(
        &[Spec::new("Pack", PREFETCH, 1024)],
        bgassets::server::Faults::default(),
    )
    .await;
    let path = app_plist(
        data.path().join("Alpha.app/Contents/Info.plist"),
        "org.example.alpha",
        &site.server.manifest_url(),
        "1",
        "",
    );
    manager
        .handle()
        .call(Request::Register { path })
        .await
        .unwrap();
    wait_until_async("a read after the change", TIMEOUT, || {
        backend.reads.load(Ordering::SeqCst) > settled
    })
    .await;
    manager.shutdown().await;
}

/// A notifier on `bus` reading `manager` through a [`Counted`] backend (passing the manager's
/// change signal on with `signal`), once it has read the document a first time.
async fn counted_notifier(
    manager: &bgassets::manager::Manager,
    bus: &SessionBus,
    signal: bool,
) -> (Arc<Counted>, Notifier) {
    let runtime = tokio::runtime::Handle::current();
    let backend = Arc::new(Counted {
        inner: bgassets::gui::ManagerBackend::start(&runtime, manager.handle()),
        reads: AtomicUsize::new(0),
        signal,
    });
    let config = NotifierConfig {
        bus: Bus::Address(bus.address().to_owned()),
        quiet: false,
        throttle: Throttle::default(),
    };
    let notifier = Notifier::start(&runtime, backend.clone(), config).0;
    wait_until_async("the first read", TIMEOUT, || {
        backend.reads.load(Ordering::SeqCst) > 0
    })
    .await;
    (backend, notifier)
}
