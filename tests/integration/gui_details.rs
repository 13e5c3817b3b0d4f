//! The window's details people rely on (issue 13), headless (egui_kittest) on a fixture
//! backend: the inspector's local times, speeds and scrolling, the event log's folding, the
//! custom bandwidth, and the theme choice kept between runs.

use std::sync::Arc;

use bgassets::gui::clock;
use bgassets::gui::fixture::{self, APP, FixtureBackend};
use bgassets::gui::state::Remembered;
use bgassets::gui::theme::ThemeChoice;
use bgassets::manager::api::{LimitsPatch, Request};
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::model::{Progress, StatusUpdate};
use egui::Role;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui_window::{Window, window_on, window_with};

fn count(harness: &Window, label: &str) -> usize {
    harness.query_all_by_label(label).count()
}

fn selected(harness: &Window) -> Option<String> {
    let app = harness.state().as_ref().map(|a| a.state());
    app.and_then(|s| s.remembered.pack.clone()).map(|p| p.pack)
}

#[test]
fn the_inspector_shows_local_times_with_their_zone() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .click();
    harness.run_ok();
    let first = clock::local_time(1_700_000_000_000);
    let zone = clock::Zone::local_at(1_700_000_000_000).label();
    assert!(first.ends_with(&format!(" {zone}")), "{first}");
    harness.get_by_label(&first);
    harness.get_by_label(&clock::local_time(1_700_000_001_500));
}

#[test]
fn a_paused_pack_shows_no_speed_in_the_inspector() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    // The downloading row and the status bar show the speed.
    assert_eq!(count(&harness, "2.0 MB/s"), 2);
    harness
        .get_by_role_and_label(Role::Row, "Downloading pack")
        .click();
    harness.run_ok();
    assert_eq!(count(&harness, "2.0 MB/s"), 3, "the inspector adds it");
    harness
        .get_by_role_and_label(Role::Row, "Paused pack")
        .click();
    harness.run_ok();
    assert_eq!(selected(&harness).as_deref(), Some("paused"));
    assert_eq!(
        count(&harness, "2.0 MB/s"),
        2,
        "a paused pack moves nothing"
    );
}

#[test]
fn another_pack_starts_the_inspector_at_the_top() {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let mut harness = window_with(backend, [1400.0, 460.0], Remembered::default());
    harness
        .get_by_role_and_label(Role::Row, "Queued pack")
        .click();
    harness.run_ok();
    let top = harness.get_by_label("Kind").rect().min.y;
    for _ in 0..3 {
        harness.get_by_label("Attempts").scroll_down();
        harness.run_ok();
    }
    let scrolled = harness.get_by_label("Kind").rect().min.y;
    assert!(scrolled < top - 50.0, "scrolled: {top} to {scrolled}");
    harness
        .get_by_role_and_label(Role::Row, "Connecting pack")
        .click();
    harness.run_ok();
    assert_eq!(selected(&harness).as_deref(), Some("connecting"));
    assert_eq!(harness.get_by_label("Kind").rect().min.y, top);
}

fn event(pack: &str, at_ms: u64, kind: ManagerEventKind) -> ManagerEvent {
    ManagerEvent {
        at_ms,
        app: APP.into(),
        pack: Some(pack.into()),
        kind,
    }
}

fn progress(pack: &str, at_ms: u64, done: u64) -> ManagerEvent {
    let progress = Progress {
        bytes_done: done,
        bytes_total: 40_000_000,
        bytes_per_second: 1_000_000,
    };
    let update = StatusUpdate::Downloading { progress };
    event(pack, at_ms, ManagerEventKind::Status { update })
}

#[test]
fn the_event_log_folds_progress_into_one_line_per_pack() {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let remembered = Remembered {
        show_events: true,
        ..Remembered::default()
    };
    let began = ManagerEventKind::Status {
        update: StatusUpdate::Began,
    };
    backend.set_events(vec![
        event("voices", 1_700_000_000_000, ManagerEventKind::Queued),
        event("voices", 1_700_000_000_100, began.clone()),
        progress("voices", 1_700_000_000_200, 1_000_000),
        progress("music", 1_700_000_000_300, 2_000_000),
        progress("voices", 1_700_000_000_400, 3_000_000),
        event("music", 1_700_000_000_500, ManagerEventKind::Installing),
        progress("voices", 1_700_000_000_600, 5_000_000),
    ]);
    let harness = window_with(backend, [1400.0, 1000.0], remembered);
    let lines: Vec<String> = harness
        .query_all_by_label_contains("org.example.fixture/")
        .filter_map(|n| n.value())
        .collect();
    let downloading: Vec<&String> = lines.iter().filter(|l| l.contains("downloading")).collect();
    assert_eq!(downloading.len(), 2, "{lines:#?}");
    assert!(
        downloading[0].contains("voices  downloading 5.0 MB / 40 MB"),
        "{lines:#?}"
    );
    assert!(
        downloading[1].contains("music  downloading 2.0 MB / 40 MB"),
        "{lines:#?}"
    );
    for kept in ["voices  queued", "voices  began", "music  installing"] {
        assert!(
            lines.iter().any(|l| l.contains(kept)),
            "{kept} in {lines:#?}"
        );
    }
    assert_eq!(lines.len(), 5, "{lines:#?}");
    harness.get_by_label("5 of 7 events");
}

fn open_bandwidth(harness: &mut Window) {
    harness.get_by_label("bandwidth").click();
    harness.run_ok();
}

#[test]
fn a_custom_bandwidth_is_validated_then_sent() {
    let (backend, mut harness) = window_on(fixture::every_state());
    open_bandwidth(&mut harness);
    let field = "Custom bandwidth (e.g. 1.5 MB/s, 800 KB/s):";
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .focus();
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .type_text("5 furlongs");
    harness.run_ok();
    harness.get_by_label("Set").click();
    harness.run_ok();
    harness.get_by_label_contains("unknown unit `furlongs`");
    assert!(backend.sent().is_empty(), "nothing is sent for nonsense");

    harness
        .get_by_role_and_label(Role::TextInput, field)
        .focus();
    harness.run_ok();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::TextInput, field)
        .type_text("1.5 MB/s");
    harness.run_ok();
    harness.get_by_label("Set").click();
    harness.run_ok();
    assert_eq!(
        backend.sent(),
        vec![Request::SetLimits {
            limits: LimitsPatch {
                bytes_per_second: Some(1_500_000),
                ..LimitsPatch::default()
            }
        }]
    );
    assert!(harness.query_by_label_contains("unknown unit").is_none());
}

fn theme_of(harness: &Window) -> (Option<ThemeChoice>, egui::ThemePreference, bool) {
    let choice = harness.state().as_ref().map(|a| a.state().remembered.theme);
    let preference = harness.ctx.options(|o| o.theme_preference);
    (
        choice,
        preference,
        harness.ctx.global_style().visuals.dark_mode,
    )
}

#[test]
fn the_theme_choice_applies_and_is_kept_between_runs() {
    let (_backend, mut harness) = window_on(fixture::every_state());
    assert_eq!(theme_of(&harness).0, Some(ThemeChoice::System));
    harness.get_by_label("Preferences").click();
    harness.run_ok();
    harness.get_by_label("Light").click();
    harness.run_ok();
    if harness.query_by_label("Dark").is_none() {
        harness.get_by_label("Preferences").click();
        harness.run_ok();
    }
    let (choice, preference, dark) = theme_of(&harness);
    assert_eq!(choice, Some(ThemeChoice::Light));
    assert_eq!(preference, egui::ThemePreference::Light);
    assert!(!dark);
    harness.get_by_label("Dark").click();
    harness.run_ok();
    let (choice, _, dark) = theme_of(&harness);
    assert_eq!(choice, Some(ThemeChoice::Dark));
    assert!(dark);

    // What eframe stores is what the next run restores.
    let remembered = harness
        .state()
        .as_ref()
        .map(|a| a.state().remembered.clone())
        .unwrap_or_default();
    let stored = serde_json::to_string(&remembered).unwrap();
    assert!(stored.contains(r#""theme":"dark""#), "{stored}");
    let restored: Remembered = serde_json::from_str(&stored).unwrap();
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let next = window_with(backend, [1400.0, 1000.0], restored);
    let (choice, preference, dark) = theme_of(&next);
    assert_eq!(choice, Some(ThemeChoice::Dark));
    assert_eq!(preference, egui::ThemePreference::Dark);
    assert!(dark);
    // A state saved before the choice existed follows the system.
    let old: Remembered = serde_json::from_str(r#"{"showEvents":true}"#).unwrap();
    assert_eq!(old.theme, ThemeChoice::System);
}

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
