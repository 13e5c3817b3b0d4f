//! The Preferences menu in the toolbar: what the person chooses for the window, kept between
//! runs. One section per concern, each a small function, so later toggles (close to tray,
//! quiet notifications, start at login) are one more section each.

use egui::Ui;

use crate::gui::state::UiState;
use crate::gui::theme::ThemeChoice;

/// The menu's contents.
pub fn menu(ui: &mut Ui, state: &mut UiState) {
    ui.set_min_width(200.0);
    theme(ui, state);
}

/// Light, dark, or following the system.
fn theme(ui: &mut Ui, state: &mut UiState) {
    ui.strong("Theme");
    for choice in ThemeChoice::ALL {
        ui.radio_value(&mut state.remembered.theme, choice, choice.label());
    }
}
