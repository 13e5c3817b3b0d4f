//! The path field shown under the toolbar when no file dialog can open: it says so, and takes
//! the path of the app to add or of the file to export to. Enter or the button uses it;
//! Cancel closes it.

use egui::{Frame, Key, Ui};

use crate::gui::dialogs::{Dialogs, PathPurpose};
use crate::gui::state::UiState;
use crate::gui::theme;

/// What the prompt says first.
pub const NO_DIALOG: &str =
    "No file dialog can open here (no desktop portal on the session bus and no zenity).";

/// Shows the prompt while one is open.
pub fn show(ui: &mut Ui, dialogs: &Dialogs, state: &mut UiState) {
    let Some(prompt) = state.path_prompt.as_mut() else {
        return;
    };
    let (ask, action) = match prompt.purpose {
        PathPurpose::AddApp => ("Path of the app's Info.plist or folder:", "Add app"),
        PathPurpose::Export => ("Path of the JSON file to write:", "Export"),
    };
    let mut done = None;
    let mut cancel = false;
    Frame::new()
        .fill(theme::WAITING.gamma_multiply(0.15))
        .stroke((1.0, theme::WAITING))
        .corner_radius(4.0)
        .inner_margin(6.0)
        .show(ui, |ui| {
            ui.label(NO_DIALOG);
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(ask);
                let field = ui
                    .add(egui::TextEdit::singleline(&mut prompt.text).desired_width(320.0))
                    .labelled_by(label.id);
                let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                let ready = !prompt.text.trim().is_empty();
                if ui.add_enabled(ready, egui::Button::new(action)).clicked() || (entered && ready)
                {
                    done = Some((prompt.purpose, prompt.text.clone()));
                }
                if ui.button("Cancel").clicked() {
                    cancel = true;
                }
            });
        });
    if let Some((purpose, path)) = done {
        state.notice = Some(dialogs.use_typed_path(purpose, &path));
        state.path_prompt = None;
    } else if cancel {
        state.path_prompt = None;
    }
}
