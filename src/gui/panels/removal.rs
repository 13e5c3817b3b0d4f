//! The removal confirmation: a modal that names the pack and states the space it frees; Enter
//! or "Remove" sends `Remove`, Escape or "Cancel" closes it.

use egui::{Context, Id, Key, Modal};

use crate::gui::backend::Backend;
use crate::gui::format;
use crate::gui::state::UiState;
use crate::manager::api::Request;

/// Shows the dialog while a removal is pending.
pub fn show(ctx: &Context, backend: &dyn Backend, state: &mut UiState) {
    let Some(pending) = state.removal.clone() else {
        return;
    };
    let mut close = false;
    let mut confirm = ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, Key::Enter));
    let modal = Modal::new(Id::unique("confirm-removal")).show(ctx, |ui| {
        ui.set_max_width(360.0);
        ui.heading(format!("Remove {}?", pending.name));
        ui.label(format!(
            "This frees {} on disk. The pack downloads again when its app asks for it.",
            format::bytes(pending.bytes)
        ));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Remove").clicked() {
                confirm = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if confirm {
        backend.send(Request::Remove {
            app: pending.pack.app.clone(),
            pack: pending.pack.pack.clone(),
        });
        close = true;
    }
    if close || modal.should_close() {
        state.removal = None;
    }
}
