//! The Preferences menu in the toolbar: what the person chooses, kept between runs. One section
//! per concern, each a small function: the theme, keeping bgassets running in the tray when the
//! window closes, quiet notifications, and starting at login (whose entry file is the one thing
//! here written outside the window's own storage; a file of the user's in its place is named
//! and left alone).

use egui::{RichText, Ui};

use crate::desktop::autostart::{Autostart, StartAtLogin};
use crate::gui::lifecycle::Resources;
use crate::gui::state::UiState;
use crate::gui::theme::{self, ThemeChoice};

/// The menu's contents; `resources` holds what the window shares with the tray and the
/// notifier (absent in a window without them: their sections say so).
pub fn menu(ui: &mut Ui, state: &mut UiState, resources: &Resources) {
    ui.set_min_width(260.0);
    theme_choice(ui, state);
    ui.separator();
    closing(ui, resources);
    notifications(ui, resources);
    login(ui, resources.login.as_deref());
}

/// Light, dark, or following the system.
fn theme_choice(ui: &mut Ui, state: &mut UiState) {
    ui.strong("Theme");
    for choice in ThemeChoice::ALL {
        ui.radio_value(&mut state.remembered.theme, choice, choice.label());
    }
}

/// Closing the window keeps bgassets running in the tray.
fn closing(ui: &mut Ui, resources: &Resources) {
    let resident = &resources.resident;
    let mut on = resident.close_to_tray();
    if ui
        .checkbox(&mut on, "Keep running in the tray when the window closes")
        .changed()
    {
        resident.set_close_to_tray(on);
    }
    if !resident.tray_present() {
        ui.label(
            RichText::new("No tray here: closing quits, and asks first while downloads run.")
                .small()
                .weak(),
        );
    }
}

/// No desktop notifications.
fn notifications(ui: &mut Ui, resources: &Resources) {
    match &resources.notifier {
        Some(notifier) => {
            let mut quiet = notifier.is_quiet();
            if ui
                .checkbox(&mut quiet, "Quiet: no desktop notifications")
                .changed()
            {
                notifier.set_quiet(quiet);
            }
        }
        None => {
            ui.add_enabled(
                false,
                egui::Checkbox::new(&mut false, "Quiet: no desktop notifications"),
            )
            .on_disabled_hover_text("this window sends no notifications");
        }
    }
}

/// Starting at login, in the tray.
fn login(ui: &mut Ui, login: Option<&dyn StartAtLogin>) {
    let label = "Start at login, in the tray";
    let Some(login) = login else {
        ui.add_enabled(false, egui::Checkbox::new(&mut false, label))
            .on_disabled_hover_text("not available in this window");
        return;
    };
    let error_id = egui::Id::unique("preferences-login-error");
    match login.status() {
        Ok(Autostart::Users { at }) => {
            ui.add_enabled(false, egui::Checkbox::new(&mut true, label));
            let text = format!(
                "{} is not bgassets' own entry: bgassets leaves it alone.",
                at.display()
            );
            ui.label(RichText::new(text).small().color(theme::ERROR));
        }
        Ok(status) => {
            let mut on = matches!(status, Autostart::On { .. });
            if ui.checkbox(&mut on, label).changed() {
                let result = login.set(on).map(drop).map_err(|e| e.to_string());
                ui.data_mut(|d| d.insert_temp(error_id, result.err()));
            }
        }
        Err(error) => {
            ui.add_enabled(false, egui::Checkbox::new(&mut false, label));
            ui.label(RichText::new(error.to_string()).small().color(theme::ERROR));
        }
    }
    if let Some(Some(error)) = ui.data(|d| d.get_temp::<Option<String>>(error_id)) {
        ui.label(RichText::new(error).small().color(theme::ERROR));
    }
}
