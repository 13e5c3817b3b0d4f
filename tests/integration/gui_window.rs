//! The window people trust (issue 13), headless (egui_kittest) on a fixture backend: the
//! status bar's totals, the space planner, the update check's result, rows at every width, app
//! icons, the clipboard, the file-dialog fallback, the inspector's times and timeline, the
//! event log's folding, the custom bandwidth and the theme choice.

use std::sync::Arc;

use bgassets::gui::BgAssetsApp;
use bgassets::gui::fixture::{self, APP, FixtureBackend};
use bgassets::gui::state::Remembered;
use bgassets::manager::api::Request;
use bgassets::manager::view::StatusDocument;
use egui::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

pub type Window = Harness<'static, Option<BgAssetsApp>>;

/// A window of `size` on `backend`, remembering `remembered`.
pub fn window_with(backend: Arc<FixtureBackend>, size: [f32; 2], remembered: Remembered) -> Window {
    let mut harness = Harness::builder().with_size(size).build_ui_state(
        move |ui, app: &mut Option<BgAssetsApp>| {
            app.get_or_insert_with(|| {
                BgAssetsApp::new(ui.ctx(), backend.clone(), remembered.clone())
            })
            .show(ui);
        },
        None,
    );
    harness.run_ok();
    harness
}

/// A 1400×1000 window on `document`.
pub fn window_on(document: StatusDocument) -> (Arc<FixtureBackend>, Window) {
    let backend = Arc::new(FixtureBackend::new(Some(document)));
    let harness = window_with(backend.clone(), [1400.0, 1000.0], Remembered::default());
    (backend, harness)
}

#[test]
fn the_status_bar_totals_every_pack() {
    let (_backend, harness) = window_on(fixture::every_state());
    let harness = harness.get_by_role_and_label(Role::Status, "Status bar");
    harness.get_by_label("3 downloading · 1 queued · 1 paused");
    harness.get_by_label("2.0 MB/s");
    harness.get_by_label("1 min 8 s left");
    harness.get_by_label("135 MB to go");
    harness.get_by_label("120 GB free");
    harness.get_by_label("on-demand packs could free 50 MB");
    let checked = bgassets::gui::clock::local_minutes(1_700_000_000_000);
    harness.get_by_label(&format!("last checked {checked}"));
    // The bar of the share done.
    harness.get_by_role(Role::ProgressIndicator);
}

#[test]
fn the_status_bar_says_when_nothing_moves_and_free_space_is_unknown() {
    let mut document = fixture::every_state();
    for pack in &mut document.apps[0].packs {
        std::sync::Arc::make_mut(pack).activity = bgassets::model::Activity::Idle;
    }
    document.free_bytes = None;
    let (_backend, harness) = window_on(document);
    harness.get_by_label("Nothing downloading");
    harness.get_by_label("free space unknown");
}

fn ensure_ondemand() -> Request {
    Request::Ensure {
        app: APP.into(),
        pack: "ondemand".into(),
        require_latest: false,
    }
}

#[test]
fn a_download_needing_most_of_the_free_space_asks_first() {
    let mut document = fixture::every_state();
    document.free_bytes = Some(100_000_000);
    let (backend, mut harness) = window_on(document);
    harness
        .get_by_role_and_label(Role::Row, "Not downloaded pack")
        .get_by_label("Download")
        .click();
    harness.run_ok();
    assert!(
        backend.sent().is_empty(),
        "nothing starts before the answer"
    );
    harness.get_by_label_contains(
        "Needs 90 MB, 100 MB free; removing on-demand packs would free 50 MB.",
    );
    harness.get_by_label("Cancel").click();
    harness.run_ok();
    assert!(backend.sent().is_empty());
    assert!(harness.query_by_label_contains("Needs 90 MB").is_none());

    harness
        .get_by_role_and_label(Role::Row, "Not downloaded pack")
        .get_by_label("Download")
        .click();
    harness.run_ok();
    harness.get_by_label("Download anyway").click();
    harness.run_ok();
    assert_eq!(backend.sent(), vec![ensure_ondemand()]);
}

#[test]
fn a_download_that_does_not_fit_says_so() {
    let mut document = fixture::every_state();
    document.free_bytes = Some(60_000_000);
    let (backend, mut harness) = window_on(document);
    harness
        .get_by_role_and_label(Role::Row, "Not downloaded pack")
        .get_by_label("Download")
        .click();
    harness.run_ok();
    harness.get_by_label("Not downloaded pack does not fit");
    harness.get_by_label_contains("Needs 90 MB, 60 MB free");
    assert!(backend.sent().is_empty());
}

#[test]
fn a_small_download_starts_without_a_question() {
    let (backend, mut harness) = window_on(fixture::every_state());
    harness
        .get_by_role_and_label(Role::Row, "Not downloaded pack")
        .get_by_label("Download")
        .click();
    harness.run_ok();
    assert_eq!(backend.sent(), vec![ensure_ondemand()]);
}

#[test]
fn check_for_updates_shows_its_result() {
    let (backend, mut harness) = window_on(fixture::every_state());
    harness.get_by_label("Check for updates").click();
    harness.run_ok();
    assert_eq!(backend.sent(), vec![Request::CheckUpdates { app: None }]);
    harness.get_by_label("Checking for updates… 0 of 2 apps");
    let mut checked = fixture::every_state();
    for app in &mut checked.apps {
        app.last_checked_ms = Some(1_700_000_060_000);
    }
    checked.apps[1].manifest_error = Some(bgassets::model::PackError::new(
        bgassets::model::ErrorKind::Network,
        "connection refused",
    ));
    backend.set_document(checked);
    harness.run_ok();
    harness
        .get_by_label("Checked 2 apps: 1 update; 1 manifest failed: Empty App: connection refused");
    let at = bgassets::gui::clock::local_minutes(1_700_000_060_000);
    harness.get_by_label(&format!("last checked {at}"));
}

/// The leaves of `row` (labels, buttons, rings) that overlap each other or leave the row.
fn layout_faults(harness: &Window, row: &str) -> Vec<String> {
    let node = harness.get_by_role_and_label(Role::Row, row);
    let bounds = node.rect().expand(0.5);
    let leaves: Vec<(String, egui::Rect)> = node
        .children_recursive()
        .filter(|n| n.children().next().is_none())
        .filter(|n| n.accesskit_node().bounding_box().is_some())
        .map(|n| {
            let name = format!(
                "{:?} `{}`",
                n.accesskit_node().role(),
                n.accesskit_node()
                    .label()
                    .or(n.accesskit_node().value())
                    .unwrap_or_default()
            );
            (name, n.rect())
        })
        .collect();
    let mut faults = Vec::new();
    for (i, (name, rect)) in leaves.iter().enumerate() {
        if !bounds.contains_rect(*rect) {
            faults.push(format!("{name} {rect:?} leaves the row {bounds:?}"));
        }
        for (other, other_rect) in &leaves[i + 1..] {
            if rect.shrink(0.5).intersects(other_rect.shrink(0.5)) {
                faults.push(format!("{name} {rect:?} overlaps {other} {other_rect:?}"));
            }
        }
    }
    faults
}

#[test]
fn rows_stay_readable_from_the_minimum_size_up() {
    let minimum = bgassets::gui::window::native_options()
        .viewport
        .min_inner_size
        .expect("a declared minimum size");
    // Tall enough for every row to be laid out (the list is virtualised), at the minimum width
    // and wider; then the minimum size itself, for the rows it shows.
    let sizes = [
        [minimum.x, 1400.0],
        [900.0, 1400.0],
        [1100.0, 1400.0],
        [1600.0, 1400.0],
    ];
    for size in sizes {
        let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
        let harness = window_with(backend, size, Remembered::default());
        for row in harness.query_all_by_role(Role::Row) {
            let name = row.accesskit_node().label().unwrap_or_default();
            let faults = layout_faults(&harness, &name);
            assert!(
                faults.is_empty(),
                "at {size:?}, {name}:\n{}",
                faults.join("\n")
            );
        }
        assert_eq!(
            harness.query_all_by_role(Role::Row).count(),
            12,
            "at {size:?}"
        );
        // Bytes done / total, speed and time left are all there at every width.
        let row = harness.get_by_role_and_label(Role::Row, "Downloading pack");
        row.get_by_label("17 MB / 40 MB");
        row.get_by_label("2.0 MB/s");
        row.get_by_label_contains("s left");
        if size[0] >= 1100.0 {
            // From the default width up, rows keep the compact two-line layout.
            let height = row.rect().height();
            assert!(height < 60.0, "at {size:?} a row is {height} high");
        }
    }
    let backend = Arc::new(FixtureBackend::new(Some(fixture::every_state())));
    let harness = window_with(backend, [minimum.x, minimum.y], Remembered::default());
    let rows: Vec<String> = harness
        .query_all_by_role(Role::Row)
        .map(|row| row.accesskit_node().label().unwrap_or_default())
        .collect();
    assert!(rows.len() >= 2, "the minimum size shows rows: {rows:?}");
    for name in rows {
        let faults = layout_faults(&harness, &name);
        assert!(
            faults.is_empty(),
            "at the minimum size, {name}:\n{}",
            faults.join("\n")
        );
    }
}

#[test]
fn apps_show_their_own_icon_and_the_default_only_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("Game.png");
    std::fs::write(&own, bgassets::gui::icons::APP_PNG).unwrap();
    let gif = dir.path().join("Other.png");
    std::fs::write(&gif, b"GIF89a: not what it says").unwrap();
    let mut document = fixture::every_state();
    document.apps[0].icon = Some(own);
    document.apps[1].icon = Some(gif);
    let (_backend, harness) = window_on(document);
    harness.get_by_label("icon of Fixture Game");
    // The hostile file gives the default icon (and a logged reason), never a panic.
    assert!(harness.query_by_label("icon of Empty App").is_none());
    assert_eq!(
        harness
            .query_all_by_label(bgassets::gui::icons::DEFAULT_ICON)
            .count(),
        1
    );

    let (_backend, harness) = window_on(fixture::every_state());
    assert_eq!(
        harness
            .query_all_by_label(bgassets::gui::icons::DEFAULT_ICON)
            .count(),
        2,
        "apps without an icon show the default"
    );
}
