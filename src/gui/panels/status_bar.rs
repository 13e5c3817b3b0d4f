//! The status bar along the window's bottom: the totals over every app (how many packs are
//! downloading or queued, overall speed, time left, bytes left, a bar of the share done), the
//! free space of the data dir's disk and what installed on-demand packs could free, and the
//! update check's result with the last-checked time. It wraps rather than clips when narrow.

use egui::{ProgressBar, Role, Ui, UiBuilder};

use crate::gui::clock;
use crate::gui::format;
use crate::gui::state::UiState;
use crate::gui::theme;
use crate::gui::totals::Totals;
use crate::gui::update_check;
use crate::gui::view;
use crate::manager::view::StatusDocument;

/// How current the free space is (`manager::disk` measures it at this pace).
const FREE_SPACE_PACE: &str = "As last measured: every 2 seconds while packs download, install \
    or are removed, every minute while nothing changes.";

/// Shows the bar for `document`, whose totals are `totals`.
pub fn show(ui: &mut Ui, document: &StatusDocument, totals: &Totals, state: &UiState) {
    let builder = UiBuilder::new()
        .accessibility_role(Role::Status)
        .accessibility_label("Status bar");
    ui.scope_builder(builder, |ui| {
        ui.horizontal_wrapped(|ui| {
            transfers(ui, totals);
            ui.separator();
            match document.free_bytes {
                Some(free) => ui
                    .label(format!("{} free", format::bytes(free)))
                    .on_hover_text(FREE_SPACE_PACE),
                None => ui
                    .weak("free space unknown")
                    .on_hover_text("The manager could not measure its data folder's disk."),
            };
            if totals.on_demand_bytes > 0 {
                ui.weak(format!(
                    "on-demand packs could free {}",
                    format::bytes(totals.on_demand_bytes)
                ));
            }
            ui.separator();
            updates(ui, document, state);
        })
    });
}

fn transfers(ui: &mut Ui, totals: &Totals) {
    if !totals.is_busy() {
        let idle = match totals.paused {
            0 => "Nothing downloading".to_owned(),
            1 => "Nothing downloading · 1 pack paused".to_owned(),
            n => format!("Nothing downloading · {n} packs paused"),
        };
        ui.label(idle);
        return;
    }
    let mut counts = format!("{} downloading", totals.downloading);
    if totals.queued > 0 {
        counts.push_str(&format!(" · {} queued", totals.queued));
    }
    if totals.paused > 0 {
        counts.push_str(&format!(" · {} paused", totals.paused));
    }
    ui.label(counts);
    if let Some(fraction) = totals.fraction {
        let bar = ui.add(
            ProgressBar::new(fraction)
                .desired_width(90.0)
                .show_percentage(),
        );
        let name = format!("{}% of everything downloaded", view::percent(fraction));
        super::toolbar::name_for_screen_readers(ui, bar.id, &name);
    }
    ui.label(format::rate(totals.bytes_per_second).unwrap_or_else(|| "0 B/s".into()));
    if let Some(eta) = totals.eta_seconds {
        ui.label(format::eta(eta));
    }
    ui.label(format!("{} to go", format::bytes(totals.bytes_left)));
}

fn updates(ui: &mut Ui, document: &StatusDocument, state: &UiState) {
    if let Some(check) = &state.update_check {
        let outcome = check.outcome(document);
        if outcome.has_errors() {
            ui.colored_label(theme::ERROR, outcome.sentence());
        } else {
            ui.label(outcome.sentence());
        }
    }
    match update_check::last_checked(document) {
        Some(at) => ui.weak(format!("last checked {}", clock::local_minutes(at))),
        None if document.apps.is_empty() => return,
        None => ui.weak("not every app checked for updates yet"),
    };
}
