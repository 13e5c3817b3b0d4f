//! One pack row: its ring, name and id, policy badge, versions, bytes, speed and time left, and
//! the actions that apply to its state (pause / resume / retry, download, move, remove). A click
//! on the row selects it for the inspector. Wide, the buttons share the name's line and the
//! facts have the second line to themselves; where that is too narrow the row takes the narrow
//! layout (facts on two lines, buttons below). Secondary text is dropped rather than clipped. The row is a node named after the pack, so tests
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

/// A row's height in the wide layout, spacing excluded: the list is virtualised on it.
pub const ROW_HEIGHT: f32 = 48.0;
/// A row's height in the narrow layout: three lines of text, then the buttons.
pub const NARROW_ROW_HEIGHT: f32 = 96.0;
/// The ring's diameter.
const RING: f32 = ROW_HEIGHT - 6.0;
/// The widest line of a downloading pack's transfer facts, for the layout decision.
const WIDEST_FACTS: &str = "Downloading 99% · 999 MB/s · 59 min 59 s left · 999 MB / 999 MB";
/// The least room kept for the name and policy badge beside the buttons.
const TITLE_WIDTH: f32 = 160.0;
/// The widest row of buttons: remove, three moves and the main action.
const BUTTONS_WIDTH: f32 = 4.0 * 28.0 + MAIN_BUTTON_WIDTH + 16.0;

/// Whether rows `width` wide use the narrow layout: the transfer facts of a downloading pack
/// would not fit on one line, or the name and the buttons on the other.
pub fn is_narrow(ui: &Ui, width: f32) -> bool {
    let facts = egui::WidgetText::from(WIDEST_FACTS).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let room = width - RING - 14.0;
    room < facts.size().x || room - BUTTONS_WIDTH < TITLE_WIDTH
}

/// The height of every row when the list is `width` wide.
pub fn row_height(ui: &Ui, width: f32) -> f32 {
    if is_narrow(ui, width) {
        NARROW_ROW_HEIGHT
    } else {
        ROW_HEIGHT
    }
}

/// Shows `pack` in the row `ui` is at; `place`: the moves that change its place in the
/// download order (the others are shown disabled); `narrow`: text on three lines with the
/// buttons below, rather than beside them.
pub fn show(
    ui: &mut Ui,
    pack: &PackView,
    place: view::Moves,
    narrow: bool,
    backend: &dyn Backend,
    state: &mut UiState,
) {
    let selected = state.is_selected(&pack.app, &pack.id);
    let width = ui.available_width();
    let height = if narrow {
        NARROW_ROW_HEIGHT
    } else {
        ROW_HEIGHT
    };
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let builder = UiBuilder::new()
        .max_rect(rect)
        .id_salt(("pack-row", &pack.app, &pack.id))
        .sense(Sense::click())
        .layout(Layout::left_to_right(Align::Min))
        .accessibility_role(Role::Row)
        .accessibility_label(pack.name.clone());
    let response = ui
        .scope_builder(builder, |ui| {
            // A click anywhere on the row selects it, text included.
            ui.style_mut().interaction.selectable_labels = false;
            paint_background(ui, selected);
            let packed = PackState::of(pack);
            ui.add_space(4.0);
            ui.vertical(|ui| {
                ui.add_space(3.0);
                ui.add(ProgressRing::new(packed, pack.kind).diameter(RING));
            });
            ui.add_space(6.0);
            ui.with_layout(Layout::top_down(Align::Min), |ui| {
                ui.set_clip_rect(ui.max_rect().intersect(ui.clip_rect()));
                ui.add_space(3.0);
                if narrow {
                    title(ui, pack, true);
                    facts_lines(ui, pack, packed, true);
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        ui.add_space(4.0);
                        actions(ui, pack, packed, place, backend, state);
                    });
                } else {
                    // The buttons share the first line; the facts have the second to themselves.
                    ui.horizontal(|ui| {
                        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                            ui.add_space(4.0);
                            actions(ui, pack, packed, place, backend, state);
                            ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                                title(ui, pack, false);
                            });
                        });
                    });
                    facts_lines(ui, pack, packed, false);
                }
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

/// The name, policy badge, version and (wide) id; secondary text only where it fits.
fn title(ui: &mut Ui, pack: &PackView, narrow: bool) {
    ui.horizontal(|ui| {
        ui.add(egui::Label::new(RichText::new(&pack.name).strong()).truncate());
        ui.add(Badge::new(
            view::policy_label(pack.policy),
            theme::policy_color(pack.policy),
        ));
        let versions = format::versions(pack.installed_version, pack.listed_version);
        if_fits(ui, RichText::new(versions).weak());
        if !narrow {
            if_fits(ui, RichText::new(&pack.id).weak());
        }
    });
}

/// The state and its facts (speed, time left, bytes, why). Facts are kept; the reason is shown
/// only where it fits, never clipped. Narrow: the facts wrap onto a second line.
fn facts_lines(ui: &mut Ui, pack: &PackView, state: PackState, narrow: bool) {
    let (facts, why) = crate::gui::row_facts::facts(pack, state);
    let label = RichText::new(state.label()).color(theme::state_color(state));
    let mut lines: Vec<Vec<RichText>> = vec![vec![label]];
    let facts = facts.into_iter().map(|f| RichText::new(f).weak());
    if narrow {
        // State and bytes on one line, speed and time left on the next.
        let mut facts: Vec<RichText> = facts.collect();
        let bytes = facts.pop();
        lines[0].extend(bytes);
        lines.push(facts);
    } else {
        lines[0].extend(facts);
    }
    let last = lines.len() - 1;
    for (i, line) in lines.into_iter().enumerate() {
        ui.horizontal(|ui| {
            for (j, part) in line.into_iter().enumerate() {
                if j > 0 {
                    ui.weak("·");
                }
                ui.label(part);
            }
            if i == last && !why.is_empty() {
                if_fits(ui, RichText::new(format!("· {why}")).weak());
            }
        });
    }
}

/// Adds `text` as a label only if it fits in what is left of the line.
fn if_fits(ui: &mut Ui, text: RichText) {
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    if galley.size().x + ui.spacing().item_spacing.x <= ui.available_width() {
        ui.add(egui::Label::new(galley));
    }
}

/// The row's buttons, right to left: remove, move, then the state's main action.
fn actions(
    ui: &mut Ui,
    pack: &PackView,
    state: PackState,
    place: view::Moves,
    backend: &dyn Backend,
    state_ui: &mut UiState,
) {
    if icon_button(ui, "🗑", "Remove…", view::can_remove(pack)).clicked() {
        state_ui.removal = Some(PendingRemoval {
            pack: crate::manager::api::PackRef::new(&pack.app, &pack.id),
            name: pack.name.clone(),
            bytes: view::space_freed(pack),
        });
    }
    if icon_button(ui, "⬇", "Move down", place.down).clicked() {
        backend.send(view::move_request(pack, Move::Down));
    }
    if icon_button(ui, "⬆", "Move up", place.up).clicked() {
        backend.send(view::move_request(pack, Move::Up));
    }
    if icon_button(ui, "⏫", "Move to top", place.top).clicked() {
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
