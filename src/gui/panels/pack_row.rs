//! One pack row: its ring, name and id, policy badge, versions, bytes, speed and time left, and
//! the actions that apply to its state (pause / resume / retry, download, move, remove). A click
//! on the row selects it for the inspector. The row is a node named after the pack, so tests
//! and screen readers find "the Pause button of Voices".

use egui::{Align, Layout, RichText, Role, Sense, Ui, UiBuilder, WidgetInfo, vec2};

use crate::gui::backend::Backend;
use crate::gui::space::SpaceNeed;
use crate::gui::state::{PendingDownload, PendingRemoval, UiState};
use crate::gui::view::{self, PackState};
use crate::gui::widgets::{Badge, ProgressRing, icon_button};
use crate::gui::{format, theme};
use crate::manager::api::Move;
use crate::manager::view::PackView;

/// A row's height, spacing excluded: the list is virtualised on it.
pub const ROW_HEIGHT: f32 = 48.0;

/// Shows `pack` in the row `ui` is at; `first` / `last`: its place in the download order.
pub fn show(
    ui: &mut Ui,
    pack: &PackView,
    place: (bool, bool),
    backend: &dyn Backend,
    state: &mut UiState,
) {
    let selected = state.is_selected(&pack.app, &pack.id);
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::hover());
    let builder = UiBuilder::new()
        .max_rect(rect)
        .id_salt(("pack-row", &pack.app, &pack.id))
        .sense(Sense::click())
        .layout(Layout::left_to_right(Align::Center))
        .accessibility_role(Role::Row)
        .accessibility_label(pack.name.clone());
    let response = ui
        .scope_builder(builder, |ui| {
            // A click anywhere on the row selects it, text included.
            ui.style_mut().interaction.selectable_labels = false;
            paint_background(ui, selected);
            let packed = PackState::of(pack);
            ui.add_space(4.0);
            ui.add(ProgressRing::new(packed, pack.kind).diameter(ROW_HEIGHT - 6.0));
            ui.add_space(6.0);
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.add_space(4.0);
                actions(ui, pack, packed, place, backend, state);
                ui.with_layout(Layout::top_down(Align::Min), |ui| {
                    ui.set_clip_rect(ui.max_rect().intersect(ui.clip_rect()));
                    text(ui, pack, packed);
                });
            });
        })
        .response;
    // Also gives the node its bounds: a clickable `Ui`'s node has none of its own in egui 0.37.
    response.widget_info(|| WidgetInfo::selected(Role::Row, true, selected, &pack.name));
    if response.clicked() {
        state.select(&pack.app, &pack.id);
    }
}

fn paint_background(ui: &Ui, selected: bool) {
    let rect = ui.max_rect();
    let visuals = ui.visuals();
    let fill = if selected {
        visuals.selection.bg_fill.gamma_multiply(0.5)
    } else if ui.rect_contains_pointer(rect) {
        visuals.widgets.hovered.weak_bg_fill.gamma_multiply(0.5)
    } else {
        return;
    };
    ui.painter().rect_filled(rect, 4.0, fill);
}

/// Two lines: name, policy badge and version; then id, state, bytes, speed and time left.
fn text(ui: &mut Ui, pack: &PackView, state: PackState) {
    ui.add_space(5.0);
    ui.horizontal(|ui| {
        ui.add(egui::Label::new(RichText::new(&pack.name).strong()).truncate());
        ui.add(Badge::new(
            view::policy_label(pack.policy),
            theme::policy_color(pack.policy),
        ));
        ui.weak(format::versions(
            pack.installed_version,
            pack.listed_version,
        ));
    });
    ui.horizontal(|ui| {
        ui.weak(&pack.id);
        ui.colored_label(theme::state_color(state), state.label());
        ui.weak(details(pack, state));
    });
}

/// "2.0 MB/s · 14 s left · 12 MB / 40 MB", or the size and error for states without a transfer.
fn details(pack: &PackView, state: PackState) -> String {
    let mut parts = Vec::new();
    match state {
        PackState::Downloading(_) | PackState::Paused(_) | PackState::Retrying(..) => {
            // Speed and time left first: they matter most when the row is narrow.
            if matches!(state, PackState::Downloading(_)) {
                parts.extend(format::rate(pack.progress.bytes_per_second));
                parts.extend(pack.eta_seconds.map(format::eta));
            }
            parts.push(format::transfer(
                pack.progress.bytes_done,
                pack.progress.bytes_total,
            ));
            if let PackState::Retrying(_, attempt) = state {
                parts.push(format!("attempt {attempt}"));
            }
        }
        PackState::Installed | PackState::Obsolete => {
            parts.push(format::bytes(pack.installed_bytes))
        }
        PackState::Failed if pack.reason.is_empty() => {
            parts.extend(pack.last_error.as_ref().map(|e| e.message.clone()));
        }
        PackState::Failed => {}
        _ => parts.push(format::bytes(pack.download_size)),
    }
    // Why it waits, is paused, failed or is not downloaded, as the manager says it.
    let says_why = matches!(
        state,
        PackState::Queued
            | PackState::Paused(_)
            | PackState::Failed
            | PackState::NotDownloaded
            | PackState::Obsolete
    );
    if says_why && !pack.reason.is_empty() {
        parts.push(pack.reason.clone());
    }
    parts.join(" · ")
}

/// The row's buttons, right to left: remove, move, then the state's main action.
fn actions(
    ui: &mut Ui,
    pack: &PackView,
    state: PackState,
    place: (bool, bool),
    backend: &dyn Backend,
    state_ui: &mut UiState,
) {
    let (first, last) = place;
    if icon_button(ui, "🗑", "Remove…", view::can_remove(pack)).clicked() {
        state_ui.removal = Some(PendingRemoval {
            pack: crate::manager::api::PackRef::new(&pack.app, &pack.id),
            name: pack.name.clone(),
            bytes: view::space_freed(pack),
        });
    }
    if icon_button(ui, "⬇", "Move down", !last).clicked() {
        backend.send(view::move_request(pack, Move::Down));
    }
    if icon_button(ui, "⬆", "Move up", !first).clicked() {
        backend.send(view::move_request(pack, Move::Up));
    }
    if icon_button(ui, "⏫", "Move to top", !first).clicked() {
        backend.send(view::move_request(pack, Move::Top));
    }
    let main = if state.can_pause() {
        Some("Pause")
    } else if state == PackState::Failed {
        Some("Retry")
    } else if state.can_resume() {
        Some("Resume")
    } else if view::can_download(pack) {
        Some(if pack.flags.out_of_date {
            "Update"
        } else {
            "Download"
        })
    } else {
        None
    };
    let size = vec2(MAIN_BUTTON_WIDTH, ui.spacing().interact_size.y);
    match main {
        Some(label) => {
            if ui.add_sized(size, egui::Button::new(label)).clicked() {
                match view::toggle_request(pack) {
                    Some(request) => backend.send(request),
                    None => ask_for_space(pack, backend, state_ui),
                }
            }
        }
        None => ui.add_space(size.x),
    }
}

/// Downloads `pack`, asking first when it needs much of the free space.
fn ask_for_space(pack: &PackView, backend: &dyn Backend, state: &mut UiState) {
    let request = view::download_request(pack);
    let disk = state.disk;
    match SpaceNeed::of(pack, disk.free_bytes, disk.on_demand_bytes) {
        Some(need) => {
            let pending = PendingDownload {
                pack: crate::manager::api::PackRef::new(&pack.app, &pack.id),
                name: pack.name.clone(),
                request,
                need,
            };
            super::space_check::download(backend, state, pending);
        }
        None => backend.send(request),
    }
}

/// The main action's width, so the columns of buttons line up from row to row.
const MAIN_BUTTON_WIDTH: f32 = 76.0;
