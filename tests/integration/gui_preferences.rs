//! The Preferences menu with kittest: the close-to-tray setting the tray shares, quiet
//! notifications, and starting at login written and removed in a folder of the test's own (a
//! file of the user's in its place left alone and named).

use std::sync::Arc;

use bgassets::desktop::autostart::{FileEntry, XdgLogin};
use bgassets::gui::Resources;
use bgassets::gui::closing::Resident;
use bgassets::gui::fixture::{self, FixtureBackend};
use bgassets::notify::{Bus, Notifier, NotifierConfig};
use egui_kittest::kittest::{NodeT, Queryable};

use crate::support::window::{Window, resident_window};

fn window(resources: Resources) -> Window {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    resident_window(backend, resources)
}

/// Opens the Preferences menu unless it is open (a click in a menu may or may not close it).
fn open_preferences(harness: &mut Window) {
    if harness
        .query_by_label("Keep running in the tray when the window closes")
        .is_none()
    {
        harness.get_by_label("Preferences").click();
        harness.run_ok();
    }
}

/// A notifier on a bus that does not exist: it logs and stops sending, its setting still holds.
fn notifier(runtime: &tokio::runtime::Runtime) -> Arc<Notifier> {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let config = NotifierConfig {
        bus: Bus::Address("unix:path=/nonexistent/bgassets-test-bus".into()),
        ..NotifierConfig::session()
    };
    Arc::new(Notifier::start(runtime.handle(), backend, config).0)
}

#[test]
fn the_close_to_tray_and_quiet_settings_change_what_the_tray_and_the_notifier_share() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let resident = Arc::new(Resident::default());
    let notifier = notifier(&runtime);
    let resources = Resources {
        resident: resident.clone(),
        notifier: Some(notifier.clone()),
        ..Resources::default()
    };
    let mut harness = window(resources);
    open_preferences(&mut harness);
    assert!(resident.close_to_tray(), "on by default");
    harness.get_by_label("No tray here: closing quits, and asks first while downloads run.");
    harness
        .get_by_label("Keep running in the tray when the window closes")
        .click();
    harness.run_ok();
    assert!(!resident.close_to_tray());
    assert!(!notifier.is_quiet());
    open_preferences(&mut harness);
    harness
        .get_by_label("Quiet: no desktop notifications")
        .click();
    harness.run_ok();
    assert!(notifier.is_quiet());
    let remembered = harness.state().as_ref().unwrap().lifecycle().remembered();
    assert!(remembered.quiet_notifications && !remembered.close_to_tray);
}

#[test]
fn start_at_login_writes_and_removes_only_bgassets_own_entry() {
    let dir = tempfile::tempdir().unwrap();
    let login = Arc::new(XdgLogin {
        entry: FileEntry::xdg(dir.path()),
        exe: "/opt/bgassets/bin/bgassets".into(),
    });
    let resources = Resources {
        login: Some(login),
        ..Resources::default()
    };
    let mut harness = window(resources);
    open_preferences(&mut harness);
    let entry = dir.path().join("bgassets.desktop");
    harness.get_by_label("Start at login, in the tray").click();
    harness.run_ok();
    let written = std::fs::read_to_string(&entry).unwrap();
    assert!(
        written.contains("X-bgassets-Autostart=true") && written.contains("--minimized"),
        "{written}"
    );
    open_preferences(&mut harness);
    harness.get_by_label("Start at login, in the tray").click();
    harness.run_ok();
    assert!(!entry.exists(), "turned off, the entry is gone");

    std::fs::write(&entry, "[Desktop Entry]\nName=mine\n").unwrap();
    open_preferences(&mut harness);
    let node = harness.get_by_label("Start at login, in the tray");
    assert!(
        node.accesskit_node().is_disabled(),
        "a user's entry is not toggled"
    );
    let named = format!(
        "{} is not bgassets' own entry: bgassets leaves it alone.",
        entry.display()
    );
    harness.get_by_label(&named);
    assert_eq!(
        std::fs::read_to_string(&entry).unwrap(),
        "[Desktop Entry]\nName=mine\n"
    );
}
