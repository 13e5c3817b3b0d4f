//! The central panel: the selected app's header (name, counts, pause / resume the app) and its
//! packs as a virtualised list: only the rows in view are laid out, so 10,000 packs scroll as
//! smoothly as ten.

use egui::{Role, ScrollArea, Ui, UiBuilder};

use super::pack_row;
use crate::gui::backend::Backend;
use crate::gui::list::PackList;
use crate::gui::state::UiState;
use crate::manager::api::{Request, Selection};
use crate::manager::view::{AppView, StatusDocument};

/// Shows the selected app's packs.
pub fn show(
    ui: &mut Ui,
    document: &StatusDocument,
    list: &PackList,
    backend: &dyn Backend,
    state: &mut UiState,
) {
    let Some(app) = list.app(document) else {
        ui.centered_and_justified(|ui| ui.label("Select an app on the left."));
        return;
    };
    header(ui, app, list, backend);
    ui.separator();
    super::app_downloads::show(ui, app, backend);
    if app.packs.is_empty() {
        ui.centered_and_justified(|ui| ui.label("This app declares no asset packs."));
        return;
    }
    if list.rows.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(24.0);
            ui.label(format!("No pack matches “{}”.", state.filter.trim()));
            if ui.button("Clear filter").clicked() {
                state.filter.clear();
            }
        });
        return;
    }
    rows(ui, document, list, backend, state);
}

fn header(ui: &mut Ui, app: &AppView, list: &PackList, backend: &dyn Backend) {
    ui.horizontal(|ui| {
        ui.heading(&app.name);
        let shown = list.rows.len();
        let total = app.packs.len();
        if shown == total {
            ui.weak(format!("{total} packs"));
        } else {
            ui.weak(format!("{shown} of {total} packs"));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let selection = || Selection::App(app.bundle_id.clone());
            if ui.button("Resume app").clicked() {
                backend.send(Request::Resume {
                    selection: selection(),
                });
            }
            if ui.button("Pause app").clicked() {
                backend.send(Request::Pause {
                    selection: selection(),
                });
            }
        });
    });
}

fn rows(
    ui: &mut Ui,
    document: &StatusDocument,
    list: &PackList,
    backend: &dyn Backend,
    state: &mut UiState,
) {
    let narrow = pack_row::is_narrow(ui, ui.available_width());
    let height = pack_row::row_height(ui, ui.available_width());
    let step = height + ui.spacing().item_spacing.y;
    let mut area = ScrollArea::vertical().auto_shrink(false).id_salt("packs");
    if let Some(target) = state.scroll_to.take() {
        let visible = state.visible_rows.clone();
        if target <= visible.start {
            area = area.vertical_scroll_offset(target as f32 * step);
        } else if target + 1 >= visible.end {
            let bottom = (target + 1) as f32 * step - state.viewport_height;
            area = area.vertical_scroll_offset(bottom.max(0.0));
        }
    }
    let builder = UiBuilder::new()
        .accessibility_role(Role::List)
        .accessibility_label("Packs");
    let output = ui
        .scope_builder(builder, |ui| {
            area.show_rows(ui, height, list.rows.len(), |ui, range| {
                for row in range.clone() {
                    if let Some(pack) = list.pack(document, row) {
                        pack_row::show(ui, pack, list.place(pack), narrow, backend, state);
                    }
                }
                range
            })
        })
        .inner;
    state.visible_rows = output.inner;
    state.viewport_height = output.inner_rect.height();
}
