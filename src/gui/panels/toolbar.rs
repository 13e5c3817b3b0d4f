//! The toolbar: pause all / resume all, the bandwidth limit and concurrent downloads (sent as
//! `SetLimits` when picked), check for updates, add app, export state, the event log toggle, and
//! the pack filter box (Ctrl+F).

use egui::{ComboBox, Id, Ui};

use crate::engine::Limits;
use crate::gui::backend::Backend;
use crate::gui::dialogs::Dialogs;
use crate::gui::format;
use crate::gui::state::UiState;
use crate::gui::update_check::UpdateCheck;
use crate::manager::api::{LimitsPatch, Request, Selection};
use crate::manager::view::StatusDocument;

/// The filter box's id, for Ctrl+F.
pub fn filter_id() -> Id {
    Id::unique("pack-filter")
}

/// Bandwidth choices, bytes per second (0: no limit).
const RATES: [u64; 8] = [
    0,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    50_000_000,
    100_000_000,
];
/// Concurrent download choices.
const CONCURRENCY: [usize; 6] = [1, 2, 3, 4, 6, 8];

/// Shows the toolbar.
pub fn show(
    ui: &mut Ui,
    document: Option<&StatusDocument>,
    backend: &dyn Backend,
    dialogs: &Dialogs,
    state: &mut UiState,
) {
    ui.horizontal_wrapped(|ui| {
        if ui.button("⏸ Pause all").clicked() {
            backend.send(Request::Pause {
                selection: Selection::All,
            });
        }
        if ui.button("▶ Resume all").clicked() {
            backend.send(Request::Resume {
                selection: Selection::All,
            });
        }
        ui.separator();
        if let Some(document) = document {
            limits(ui, document.limits, backend);
            ui.separator();
        }
        if ui.button("Check for updates").clicked() {
            backend.send(Request::CheckUpdates { app: None });
            state.update_check = document.map(UpdateCheck::start);
        }
        ui.menu_button("Add app…", |ui| {
            if ui.button("From an Info.plist…").clicked() {
                dialogs.add_app(ui.ctx(), false);
            }
            if ui.button("From an app folder…").clicked() {
                dialogs.add_app(ui.ctx(), true);
            }
        });
        let export = ui.add_enabled(document.is_some(), egui::Button::new("Export state…"));
        if export.clicked() {
            dialogs.export(ui.ctx());
        }
        ui.toggle_value(&mut state.remembered.show_events, "Event log");
        ui.separator();
        filter(ui, state);
    });
}

fn limits(ui: &mut Ui, limits: Limits, backend: &dyn Backend) {
    let current = limits.bytes_per_second.unwrap_or(0);
    let rate_text = |rate: u64| format::rate(rate).unwrap_or_else(|| "Unlimited".into());
    ComboBox::new("bandwidth", "bandwidth")
        .selected_text(rate_text(current))
        .show_ui(ui, |ui| {
            for rate in RATES {
                if ui
                    .selectable_label(rate == current, rate_text(rate))
                    .clicked()
                    && rate != current
                {
                    backend.send(Request::SetLimits {
                        limits: LimitsPatch {
                            bytes_per_second: Some(rate),
                            ..LimitsPatch::default()
                        },
                    });
                }
            }
        });
    ComboBox::new("concurrency", "at once")
        .selected_text(limits.max_concurrent.to_string())
        .show_ui(ui, |ui| {
            for n in CONCURRENCY {
                let chosen = n == limits.max_concurrent;
                if ui.selectable_label(chosen, n.to_string()).clicked() && !chosen {
                    backend.send(Request::SetLimits {
                        limits: LimitsPatch {
                            max_concurrent: Some(n),
                            ..LimitsPatch::default()
                        },
                    });
                }
            }
        });
}

fn filter(ui: &mut Ui, state: &mut UiState) {
    let edit = egui::TextEdit::singleline(&mut state.filter)
        .id(filter_id())
        .hint_text("Filter packs (Ctrl+F)")
        .desired_width(180.0);
    let response = ui.add(edit);
    if std::mem::take(&mut state.focus_filter) {
        response.request_focus();
    }
    if !state.filter.is_empty() && ui.small_button("✖").on_hover_text("Clear filter").clicked() {
        state.filter.clear();
    }
}
