//! The toolbar: pause all / resume all, the bandwidth limit and concurrent downloads (sent as
//! `SetLimits` when picked; a custom bandwidth typed with its unit), check for updates, add app,
//! export state, the event log toggle, Preferences, and the pack filter box (Ctrl+F).

use egui::{ComboBox, Id, Ui};

use crate::engine::Limits;
use crate::gui::backend::Backend;
use crate::gui::dialogs::Dialogs;
use crate::gui::state::UiState;
use crate::gui::update_check::UpdateCheck;
use crate::gui::{format, rate_input};
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
    resources: &crate::gui::lifecycle::Resources,
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
            limits(ui, document.limits, backend, state);
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
        ui.menu_button("Preferences", |ui| {
            super::preferences::menu(ui, state, resources)
        });
        ui.separator();
        filter(ui, state);
    });
}

fn limits(ui: &mut Ui, limits: Limits, backend: &dyn Backend, state: &mut UiState) {
    let current = limits.bytes_per_second.unwrap_or(0);
    let rate_text = |rate: u64| format::rate(rate).unwrap_or_else(|| "Unlimited".into());
    let set_rate = |rate: u64| {
        backend.send(Request::SetLimits {
            limits: LimitsPatch {
                bytes_per_second: Some(rate),
                ..LimitsPatch::default()
            },
        });
    };
    ComboBox::new("bandwidth", "bandwidth")
        .selected_text(rate_text(current))
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .height(400.0)
        .show_ui(ui, |ui| {
            // Room for the custom field and its button, and for a refusal's reason.
            ui.set_min_width(280.0);
            for rate in RATES {
                if ui
                    .selectable_label(rate == current, rate_text(rate))
                    .clicked()
                    && rate != current
                {
                    set_rate(rate);
                    ui.close();
                }
            }
            ui.separator();
            if let Some(rate) = custom_rate(ui, state) {
                set_rate(rate);
                ui.close();
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

/// The custom bandwidth field: a speed with its unit, validated when set.
fn custom_rate(ui: &mut Ui, state: &mut UiState) -> Option<u64> {
    let label = ui.label("Custom bandwidth (e.g. 1.5 MB/s, 800 KB/s):");
    let mut chosen = None;
    ui.horizontal(|ui| {
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut state.bandwidth_text)
                    .hint_text("speed")
                    .desired_width(110.0),
            )
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Set").clicked() || entered {
            match rate_input::parse_rate(&state.bandwidth_text) {
                Ok(rate) => {
                    state.bandwidth_error = None;
                    chosen = Some(rate);
                }
                Err(error) => state.bandwidth_error = Some(error),
            }
        }
    });
    if let Some(error) = &state.bandwidth_error {
        ui.colored_label(crate::gui::theme::ERROR, error);
    }
    chosen
}

fn filter(ui: &mut Ui, state: &mut UiState) {
    let edit = egui::TextEdit::singleline(&mut state.filter)
        .id(filter_id())
        .hint_text("Filter packs (Ctrl+F)")
        .desired_width(180.0);
    let response = ui.add(edit);
    name_for_screen_readers(ui, response.id, "Filter packs");
    if std::mem::take(&mut state.focus_filter) {
        response.request_focus();
    }
    if !state.filter.is_empty() && ui.small_button("✖").on_hover_text("Clear filter").clicked() {
        state.filter.clear();
    }
}

/// Gives the widget `id` a name screen readers speak (a text box's hint is not one).
pub fn name_for_screen_readers(ui: &Ui, id: Id, name: &str) {
    ui.ctx()
        .accesskit_node_builder(id, |node| node.set_label(name.to_owned()));
}
