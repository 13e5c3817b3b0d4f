//! Messages that are not pack rows: the error banner (a refused command, a stopped manager),
//! dialog notices, the "connecting" and "no apps yet" empty states.

use egui::{Color32, Frame, RichText, Role, Ui, UiBuilder};

use crate::gui::state::UiState;
use crate::gui::theme;

/// The empty state's words, also what the tests look for.
pub const NO_APPS: &str = "No apps yet: add one, or start the demo with `bgassets --demo`";

/// The error banner and the latest notice, each dismissible; nothing when all is well.
pub fn banners(ui: &mut Ui, error: Option<String>, state: &mut UiState) {
    if let Some(error) = error
        && state.dismissed_error.as_ref() != Some(&error)
        && banner(ui, &error, theme::ERROR)
    {
        state.dismissed_error = Some(error);
    }
    if let Some(notice) = &state.notice {
        let color = if notice.is_error {
            theme::ERROR
        } else {
            theme::READY
        };
        if banner(ui, &notice.text.clone(), color) {
            state.notice = None;
        }
    }
}

/// One banner; returns whether it was dismissed.
fn banner(ui: &mut Ui, text: &str, color: Color32) -> bool {
    let builder = UiBuilder::new()
        .accessibility_role(Role::Alert)
        .accessibility_label(text.to_owned());
    ui.scope_builder(builder, |ui| {
        Frame::new()
            .fill(color.gamma_multiply(0.2))
            .stroke((1.0, color))
            .corner_radius(4.0)
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(text).color(ui.visuals().strong_text_color()));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.button("Dismiss").clicked()
                    })
                    .inner
                })
                .inner
            })
            .inner
    })
    .inner
}

/// Shown until the first status document arrives.
pub fn connecting(ui: &mut Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() / 3.0);
        ui.heading("Connecting to the manager…");
    });
}

/// Shown when no app is registered.
pub fn no_apps(ui: &mut Ui) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() / 3.0);
        ui.heading("No apps yet");
        ui.label(NO_APPS);
        ui.weak("Use “Add app…” in the toolbar to pick an app's Info.plist or folder.");
    });
}
