//! The desktop window, headless (egui_kittest), on a fixture backend: rows are found by their
//! labels, clicked, typed into, and the requests the window sends are checked; every pack state
//! renders its ring and label; the idle window asks for no repaint.

use std::sync::Arc;
use std::time::Duration;

use bgassets::gui::BgAssetsApp;
use bgassets::gui::fixture::{self, APP, FixtureBackend};
use bgassets::gui::panels::notices::NO_APPS;
use bgassets::gui::state::Remembered;
use bgassets::manager::api::{Move, Request, Selection};
use bgassets::manager::view::StatusDocument;
use bgassets::model::Activity;
use egui::{Key, Modifiers, Role, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// A window on `backend`, created on the harness's first frame so it shares its context.
fn window(backend: Arc<FixtureBackend>) -> Harness<'static, Option<BgAssetsApp>> {
    let mut harness = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_ui_state(
            move |ui, app: &mut Option<BgAssetsApp>| {
                app.get_or_insert_with(|| {
                    BgAssetsApp::new(ui.ctx(), backend.clone(), Remembered::default())
                })
                .show(ui);
            },
            None,
        );
    harness.run_ok();
    harness
}

fn every_state() -> (Arc<FixtureBackend>, Harness<'static, Option<BgAssetsApp>>) {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let harness = window(backend.clone());
    (backend, harness)
}

fn pause(pack: &str) -> Request {
    Request::Pause {
        selection: Selection::pack(APP, pack),
    }
}

fn resume(pack: &str) -> Request {
    Request::Resume {
        selection: Selection::pack(APP, pack),
    }
}

#[test]
fn a_rows_pause_button_pauses_that_pack() {
    let (backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::Row, "Downloading pack")
        .get_by_label("Pause")
        .click();
    harness.run_ok();
    assert_eq!(backend.sent(), vec![pause("downloading")]);

    harness
        .get_by_role_and_label(Role::Row, "Paused pack")
        .get_by_label("Resume")
        .click();
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .get_by_label("Retry")
        .click();
    harness
        .get_by_role_and_label(Role::Row, "Not downloaded pack")
        .get_by_label("Download")
        .click();
    assert!(
        harness
            .get_by_role_and_label(Role::Row, "Installed pack")
            .get_by_label("Move to top")
            .accesskit_node()
            .is_disabled(),
        "an installed pack has no place in the queue to move"
    );
    harness
        .get_by_role_and_label(Role::Row, "Paused pack")
        .get_by_label("Move to top")
        .click();
    harness.run_ok();
    let sent = backend.sent();
    assert_eq!(sent[1], resume("paused"));
    assert_eq!(sent[2], resume("failed"));
    assert_eq!(
        sent[3],
        Request::Ensure {
            app: APP.into(),
            pack: "ondemand".into(),
            require_latest: false
        }
    );
    assert_eq!(
        sent[4],
        Request::Prioritize {
            app: APP.into(),
            pack: "paused".into(),
            to: Move::Top
        }
    );
}

#[test]
fn remove_asks_first_and_states_the_space_freed() {
    let (backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::Row, "Installed pack")
        .get_by_label("Remove…")
        .click();
    harness.run_ok();
    assert!(
        backend.sent().is_empty(),
        "nothing is removed before confirming"
    );
    harness.get_by_label_contains("This frees 50 MB on disk");
    harness.get_by_label("Remove").click();
    harness.run_ok();
    assert_eq!(
        backend.sent(),
        vec![Request::Remove {
            app: APP.into(),
            pack: "installed".into()
        }]
    );
    assert!(harness.query_by_label_contains("This frees").is_none());
}

#[test]
fn cancelling_a_removal_sends_nothing() {
    let (backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::Row, "Obsolete pack")
        .get_by_label("Remove…")
        .click();
    harness.run_ok();
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(harness.query_by_label_contains("This frees").is_none());
    assert!(backend.sent().is_empty());
}

#[test]
fn the_inspector_shows_the_selected_packs_timeline_and_error() {
    let (_backend, mut harness) = every_state();
    assert!(harness.query_by_label("asked for by its policy").is_none());
    harness
        .get_by_role_and_label(Role::Row, "Failed pack")
        .click();
    harness.run_ok();
    harness.get_by_label("asked for by its policy");
    harness.get_by_label(&bgassets::gui::clock::local_time(1_700_000_000_000));
    harness.get_by_label(&bgassets::gui::clock::local_time(1_700_000_001_500));
    harness.get_by_label("https://127.0.0.1:8443/packs/failed.zip");
    harness.get_by_label("Failed: checksumMismatch: sha256 differs from the manifest");
    harness.get_by_label("checksumMismatch: sha256 differs from the manifest");
    harness.get_by_label("📋 Copy as JSON").click();
    harness.run_ok();
}

#[test]
fn the_filter_narrows_the_list() {
    let (_backend, mut harness) = every_state();
    assert_eq!(harness.query_all_by_role(Role::Row).count(), 12);
    harness.get_by_role(Role::TextInput).focus();
    harness.get_by_role(Role::TextInput).type_text("paused");
    harness.run_ok();
    let rows: Vec<_> = harness
        .query_all_by_role(Role::Row)
        .filter_map(|row| row.accesskit_node().label())
        .collect();
    assert_eq!(rows, vec!["Paused pack".to_owned()]);
    harness.get_by_label("1 of 12 packs");
}

#[test]
fn every_state_renders_its_ring_and_label() {
    let (_backend, harness) = every_state();
    let labels = [
        "Queued",
        "Connecting",
        "Downloading 42%",
        "Paused",
        "Retrying",
        "Verifying",
        "Installing",
        "Failed",
        "Installed",
        "Update available",
        "Obsolete",
        "Not downloaded",
    ];
    for label in labels {
        harness.get_by_role_and_label(Role::ProgressIndicator, label);
        let texts = harness
            .query_all_by_label(label)
            .filter(|node| node.accesskit_node().role() != Role::ProgressIndicator)
            .count();
        assert!(texts >= 1, "no text label `{label}` beside its ring");
    }
}

#[test]
fn empty_and_connecting_states_say_what_to_do() {
    let backend = Arc::new(FixtureBackend::new(None));
    let mut harness = window(backend.clone());
    harness.get_by_label("Connecting to the manager…");
    backend.set_document(fixture::document(Vec::new()));
    harness.run_ok();
    harness.get_by_label(NO_APPS);
}

#[test]
fn an_app_without_packs_says_so() {
    let (_backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::ListItem, "Empty App")
        .click();
    harness.run_ok();
    let app = harness.state().as_ref().map(BgAssetsApp::state);
    let remembered = app.and_then(|s| s.remembered.app.clone());
    assert_eq!(remembered.as_deref(), Some("org.example.empty"));
    harness.get_by_label("This app declares no asset packs.");
}

#[test]
fn space_pauses_and_resumes_the_selected_pack() {
    let (backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::Row, "Paused pack")
        .click();
    harness.run_ok();
    harness.key_press(Key::Space);
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Row, "Queued pack")
        .click();
    harness.run_ok();
    harness.key_press(Key::Space);
    harness.run_ok();
    assert_eq!(backend.sent(), vec![resume("paused"), pause("queued")]);
}

#[test]
fn arrows_move_the_selection_and_delete_asks_to_remove() {
    let (backend, mut harness) = every_state();
    let selected = |h: &Harness<'_, Option<BgAssetsApp>>| {
        let app = h.state().as_ref().map(BgAssetsApp::state);
        app.and_then(|s| s.remembered.pack.clone()).map(|p| p.pack)
    };
    harness
        .get_by_role_and_label(Role::Row, "Update available pack")
        .click();
    harness.run_ok();
    harness.key_press(Key::ArrowUp);
    harness.run_ok();
    assert_eq!(selected(&harness).as_deref(), Some("installed"));
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::ArrowDown);
    harness.run_ok();
    assert_eq!(selected(&harness).as_deref(), Some("obsolete"));
    harness.key_press(Key::Delete);
    harness.run_ok();
    harness.get_by_label_contains("This frees 50 MB");
    harness.key_press(Key::Escape);
    harness.run_ok();
    assert!(harness.query_by_label_contains("This frees").is_none());
    assert!(backend.sent().is_empty());
}

#[test]
fn ctrl_f_focuses_the_filter_and_space_then_types() {
    let (backend, mut harness) = every_state();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_ok();
    assert!(harness.get_by_role(Role::TextInput).is_focused());
    harness.key_press(Key::Space);
    harness.run_ok();
    assert!(backend.sent().is_empty(), "Space in the filter box is text");
}

#[test]
fn the_toolbar_pauses_everything_and_sets_limits() {
    let (backend, mut harness) = every_state();
    harness.get_by_label("⏸ Pause all").click();
    harness.run_ok();
    harness.get_by_label("▶ Resume all").click();
    harness.run_ok();
    harness.get_by_label("Check for updates").click();
    harness.run_ok();
    assert_eq!(
        backend.sent(),
        vec![
            Request::Pause {
                selection: Selection::All
            },
            Request::Resume {
                selection: Selection::All
            },
            Request::CheckUpdates { app: None },
        ]
    );
}

#[test]
fn errors_show_in_a_banner_until_dismissed() {
    let (backend, mut harness) = every_state();
    backend.set_error(Some("pause: asset pack `x` not found".into()));
    harness.run_ok();
    harness.get_by_role_and_label(Role::Alert, "pause: asset pack `x` not found");
    harness.get_by_label("Dismiss").click();
    harness.run_ok();
    assert!(
        harness
            .query_by_label("pause: asset pack `x` not found")
            .is_none()
    );
}

/// Installed packs only: nothing moves, so nothing should be repainted.
fn idle_document() -> StatusDocument {
    let mut document = fixture::every_state();
    for pack in &mut document.apps[0].packs {
        Arc::make_mut(pack).activity = Activity::Idle;
    }
    document
}

fn repaint_delay(harness: &Harness<'_, Option<BgAssetsApp>>) -> Duration {
    harness.output().viewport_output[&ViewportId::ROOT].repaint_delay
}

#[test]
fn an_idle_window_requests_no_repaint_until_the_backend_changes() {
    let backend = Arc::new(FixtureBackend::new(Some(idle_document())));
    let mut harness = window(backend.clone());
    harness.run_ok();
    assert_eq!(repaint_delay(&harness), Duration::MAX, "idle: no repaint");
    let ctx = harness.ctx.clone();
    assert!(!ctx.has_requested_repaint());
    let mut changed = idle_document();
    Arc::make_mut(&mut changed.apps[0].packs[0]).name = "Renamed pack".into();
    backend.set_document(changed);
    assert!(
        ctx.has_requested_repaint(),
        "a backend change wakes the window"
    );
    harness.run_ok();
    harness.get_by_role_and_label(Role::Row, "Renamed pack");
    assert_eq!(repaint_delay(&harness), Duration::MAX);
}

#[test]
fn spinners_repaint_at_most_ten_times_a_second() {
    let (_backend, mut harness) = every_state();
    harness.run_ok();
    let delay = repaint_delay(&harness);
    assert!(
        delay >= Duration::from_millis(99) && delay <= Duration::from_millis(100),
        "spinning rings ask for a frame every 100 ms, got {delay:?}"
    );
}

#[test]
fn the_selection_is_remembered() {
    let (_backend, mut harness) = every_state();
    harness
        .get_by_role_and_label(Role::Row, "Verifying pack")
        .click();
    harness.run_ok();
    let remembered = harness
        .state()
        .as_ref()
        .map(|a| a.state().remembered.clone());
    let remembered = remembered.unwrap_or_default();
    assert_eq!(remembered.app.as_deref(), Some(APP));
    assert_eq!(
        remembered.pack.map(|p| p.pack).as_deref(),
        Some("verifying")
    );
}

#[test]
fn every_glyph_is_in_the_default_fonts() {
    let ctx = egui::Context::default();
    let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
    output.textures_delta.clear();
    let font = egui::FontId::proportional(14.0);
    for glyph in bgassets::gui::theme::all_glyphs() {
        let present = ctx.fonts_mut(|fonts| fonts.has_glyphs(&font, glyph));
        assert!(present, "`{glyph}` is missing from egui's default fonts");
    }
}

#[test]
fn page_keys_scroll_a_long_list_to_the_selection() {
    let backend = Arc::new(FixtureBackend::new(Some(fixture::many_packs(2000))));
    let mut harness = window(backend);
    let state = |h: &Harness<'_, Option<BgAssetsApp>>| {
        let app = h.state().as_ref().map(BgAssetsApp::state);
        let pack = app.and_then(|s| s.remembered.pack.clone()).map(|p| p.pack);
        (
            pack,
            app.map(|s| s.visible_rows.clone()).unwrap_or_default(),
        )
    };
    harness.key_press(Key::End);
    harness.run_ok();
    let (pack, rows) = state(&harness);
    assert_eq!(pack.as_deref(), Some("pack-01999"));
    assert!(rows.contains(&1999), "the last row is in view: {rows:?}");
    harness.get_by_role_and_label(Role::Row, "Pack 01999 (Failed pack)");
    harness.key_press(Key::PageUp);
    harness.run_ok();
    let (pack, rows) = state(&harness);
    let row: usize = pack
        .as_deref()
        .and_then(|p| p[5..].parse().ok())
        .unwrap_or(0);
    assert!(
        row < 1999 && rows.contains(&row),
        "{pack:?} in view: {rows:?}"
    );
    harness.key_press(Key::Home);
    harness.run_ok();
    assert_eq!(state(&harness).0.as_deref(), Some("pack-00000"));
}

#[test]
fn an_app_launching_without_a_failed_essential_pack_says_which() {
    let mut document = fixture::every_state();
    document.apps[0].launch_ready = true;
    document.apps[0].waiting_for.clear();
    document.apps[0].essential_failed = vec!["Tutorial".into()];
    let backend = Arc::new(FixtureBackend::new(Some(document)));
    let harness = window(backend);
    harness.get_by_label("Ready to launch without: Tutorial");
}
