//! The space planner's question: before a download that does not fit in the free space, or
//! takes more than half of it, a modal says "needs X, Y free" (and what removing on-demand
//! packs would free); "Download anyway" sends the download (the manager waits for space if it
//! runs out), "Cancel" or Escape sends nothing.

use egui::{Context, Id, Modal, RichText};

use crate::gui::backend::Backend;
use crate::gui::state::{PendingDownload, UiState};
use crate::gui::theme;

/// Sends `request` for `pending`'s pack at once, or asks first when the planner says so.
pub fn download(backend: &dyn Backend, state: &mut UiState, pending: PendingDownload) {
    if pending.need.asks_first() {
        state.pending_download = Some(pending);
    } else {
        backend.send(pending.request);
    }
}

/// Shows the question while a download waits for the go-ahead.
pub fn show(ctx: &Context, backend: &dyn Backend, state: &mut UiState) {
    let Some(pending) = state.pending_download.clone() else {
        return;
    };
    let mut close = false;
    let modal = Modal::new(Id::unique("space-check")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        let need = pending.need;
        if need.does_not_fit() {
            ui.heading(format!("{} does not fit", pending.name));
        } else {
            ui.heading(format!("{} takes much of the free space", pending.name));
        }
        let sentence = need.sentence();
        let first = sentence.get(..1).unwrap_or_default().to_uppercase();
        let text = format!("{first}{}.", sentence.get(1..).unwrap_or_default());
        if need.does_not_fit() {
            ui.label(RichText::new(text).color(theme::ERROR));
            ui.label("If it runs out of space it waits, and goes on once space is freed.");
        } else {
            ui.label(text);
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Download anyway").clicked() {
                backend.send(pending.request.clone());
                close = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        state.pending_download = None;
    }
}
