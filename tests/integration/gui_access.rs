//! The window's access (issue 13), headless (egui_kittest) on a fixture backend: the
//! clipboard (Copy as JSON, Ctrl+C on selected text), names for screen readers, and the path
//! field where no file dialog can open.

use std::sync::Arc;

use bgassets::gui::fixture::{self, FixtureBackend};
use bgassets::gui::state::Remembered;
use bgassets::manager::api::Request;
use egui::Role;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui_window::{Window, window_on};

/// The text this frame put on the clipboard.
fn copied(harness: &Window) -> Vec<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn copy_as_json_puts_the_pack_on_the_clipboard() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .click();
    harness.run_ok();
    harness.get_by_label("📋 Copy as JSON").click();
    harness.step();
    let texts = copied(&harness);
    assert_eq!(texts.len(), 1, "{texts:?}");
    let pack: bgassets::manager::view::PackView = serde_json::from_str(&texts[0]).unwrap();
    assert_eq!(pack.id, "failed");
}

#[test]
fn ctrl_c_copies_text_selected_in_the_inspector() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .click();
    harness.run_ok();
    let url = "https://127.0.0.1:8443/packs/failed.zip";
    let rect = harness.get_by_label(url).rect();
    let (from, to) = (
        rect.left_center() + egui::vec2(1.0, 0.0),
        rect.right_center(),
    );
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    harness.event(egui::Event::PointerMoved(from));
    harness.event(button(from, true));
    harness.step();
    harness.event(egui::Event::PointerMoved(to));
    harness.step();
    harness.event(button(to, false));
    harness.step();
    // What the platform turns Ctrl+C into.
    harness.event(egui::Event::Copy);
    harness.step();
    let texts = copied(&harness);
    assert_eq!(texts.len(), 1, "{texts:?}");
    // The selection from the label's start: the whole first line of the (wrapped) URL.
    assert!(
        url.starts_with(texts[0].as_str()) && texts[0].len() > 20,
        "{texts:?}"
    );
}

#[test]
fn every_control_has_a_name_for_screen_readers() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .click();
    harness.run_ok();
    let controls = [
        Role::Button,
        Role::TextInput,
        Role::ComboBox,
        Role::CheckBox,
        Role::RadioButton,
        Role::ProgressIndicator,
        Role::Row,
        Role::ListItem,
    ];
    let mut unnamed = Vec::new();
    let mut seen = 0;
    for node in harness.root().children_recursive() {
        let role = node.accesskit_node().role();
        if !controls.contains(&role) {
            continue;
        }
        seen += 1;
        let named = node
            .accesskit_node()
            .label()
            .is_some_and(|l| !l.trim().is_empty());
        if !named {
            unnamed.push(format!("{role:?} at {:?}", node.rect()));
        }
    }
    assert!(seen > 60, "only {seen} controls found");
    assert!(
        unnamed.is_empty(),
        "controls without a name:\n{}",
        unnamed.join("\n")
    );
}

/// A window whose file dialogs cannot open (as on these machines: no portal, no zenity).
fn window_without_dialogs() -> (Arc<FixtureBackend>, Window) {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let shared = backend.clone();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_ui_state(
            move |ui, app: &mut Option<bgassets::gui::BgAssetsApp>| {
                app.get_or_insert_with(|| {
                    let mut app = bgassets::gui::BgAssetsApp::new(
                        ui.ctx(),
                        shared.clone(),
                        Remembered::default(),
                    );
                    app.use_native_dialogs(false);
                    app
                })
                .show(ui);
            },
            None,
        );
    harness.run_ok();
    (backend, harness)
}

/// Runs frames until `label` shows (the dialog's thread answers).
fn until_shown(harness: &mut Window, label: &str) {
    crate::support::wait::wait_for(label, std::time::Duration::from_secs(10), || {
        harness.run_ok();
        harness
            .query_by_label_contains(label)
            .is_some()
            .then_some(())
    });
}

#[test]
fn add_app_without_a_file_dialog_asks_for_the_path_in_the_window() {
    let (backend, mut harness) = window_without_dialogs();
    harness.get_by_label("Add app…").click();
    harness.run_ok();
    harness.get_by_label("From an Info.plist…").click();
    harness.run_ok();
    until_shown(&mut harness, "No file dialog can open here");
    let field = "Path of the app's Info.plist or folder:";
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .focus();
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .type_text("/apps/Game.app");
    harness.run_ok();
    harness.get_by_label("Add app").click();
    harness.run_ok();
    assert_eq!(
        backend.sent(),
        vec![Request::Register {
            path: "/apps/Game.app".into()
        }]
    );
    let notice = harness
        .query_all_by_label_contains("Adding the app at /apps/Game.app")
        .count();
    assert!(notice > 0, "the banner says what was done");
    assert!(harness.query_by_label_contains("No file dialog").is_none());
}

#[test]
fn export_without_a_file_dialog_writes_to_the_typed_path() {
    let (_backend, mut harness) = window_without_dialogs();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("state.json");
    harness.get_by_label("Export state…").click();
    harness.run_ok();
    until_shown(&mut harness, "No file dialog can open here");
    let field = "Path of the JSON file to write:";
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .focus();
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .type_text(&target.display().to_string());
    harness.run_ok();
    harness.get_by_label("Export").click();
    harness.run_ok();
    let notice = harness
        .query_all_by_label_contains("Exported the state to")
        .count();
    assert!(notice > 0, "the banner says what was done");
    let written: bgassets::manager::view::StatusDocument =
        serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(written, fixture::every_state());
}

#[test]
fn no_file_dialog_is_found_without_a_session_bus_or_zenity() {
    // These machines have neither unless a test starts a bus: the probe must say so quickly.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return;
    }
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    assert_eq!(bgassets::gui::dialogs::native_dialog_available(), zenity);
}
