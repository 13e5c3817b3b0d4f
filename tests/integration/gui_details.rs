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
use egui_kittest::kittest::Queryable;

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

/// The app's own downloads and its extension's failure, under the app's header: each download
/// with its state and what it waits for, where its file is or why it failed; Cancel sends
/// `cancelDownload`; a vetoed pack says so.
#[test]
fn the_app_s_own_downloads_and_its_extension_show_under_its_header() {
    use bgassets::manager::state::ExtensionFailure;
    let mut document = fixture::every_state();
    let app = &mut document.apps[0];
    app.extension = Some("Extensions/game-ext".into());
    app.extension_error = Some(ExtensionFailure {
        extension: "Extensions/game-ext".into(),
        event: "contentRequest".into(),
        kind: "hung".into(),
        message: "extension `Extensions/game-ext` of org.example.game: hung: no answer in 10 s"
            .into(),
        at_ms: 1,
    });
    let download = |id: &str, state: &str, extra: serde_json::Value| {
        let mut value = serde_json::json!({
            "app": APP, "identifier": id, "url": "https://cdn.example.com/x", "essential": false,
            "priority": 0, "foreground": false, "vetoable": false, "scheduledBy": {"by": "app"},
            "scheduledAtMs": 1, "state": state,
        });
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value).unwrap()
    };
    app.downloads = vec![
        download(
            "config",
            "finished",
            serde_json::json!({"path": "/c/Background Downloads/config"}),
        ),
        download(
            "levels",
            "waiting",
            serde_json::json!({"detail": "waiting for a download slot"}),
        ),
    ];
    let (backend, mut harness) = window_on(document);
    harness.get_by_label("The app's own downloads (2)");
    harness.get_by_label("at /c/Background Downloads/config · asked by the app");
    harness.get_by_label("waiting for a download slot · asked by the app");
    harness.get_by_label(
        "⚠ Its extension gave no answer to contentRequest (hung): extension `Extensions/game-ext` of org.example.game: hung: no answer in 10 s",
    );
    // Only the download still to come can be cancelled.
    assert_eq!(count(&harness, "Cancel"), 1);
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(backend.sent().iter().any(|r| matches!(r,
        Request::CancelDownload { identifier, .. } if identifier == "levels")));
}
