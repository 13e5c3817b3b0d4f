//! The left panel: every registered app with its own icon (or the default one), name, version, pack count, disk used,
//! and whether it may launch (its essential packs are in) or what it still waits for. A click
//! selects the app whose packs the central panel lists.

use egui::{
    Align, Image, Layout, RichText, Role, ScrollArea, Sense, Ui, UiBuilder, Vec2, WidgetInfo, vec2,
};

use crate::gui::icons::Icons;
use crate::gui::state::UiState;
use crate::gui::widgets::Badge;
use crate::gui::{format, theme};
use crate::manager::view::{AppView, StatusDocument};

/// The height of one app's entry.
const ENTRY_HEIGHT: f32 = 66.0;
const ICON_SIZE: f32 = 40.0;

/// Shows the apps; `selected` is the app whose packs are listed.
pub fn show(
    ui: &mut Ui,
    document: &StatusDocument,
    selected: &str,
    icons: &mut Icons,
    state: &mut UiState,
) {
    ui.add_space(4.0);
    ui.heading("Apps");
    ui.separator();
    let builder = UiBuilder::new()
        .accessibility_role(Role::List)
        .accessibility_label("Apps");
    ui.scope_builder(builder, |ui| {
        ScrollArea::vertical()
            .auto_shrink(false)
            .id_salt("apps")
            .show(ui, |ui| {
                for app in &document.apps {
                    if entry(ui, app, app.bundle_id == selected, icons) {
                        state.remembered.app = Some(app.bundle_id.clone());
                    }
                }
            });
    });
}

/// One app; returns whether it was clicked.
fn entry(ui: &mut Ui, app: &AppView, selected: bool, icons: &mut Icons) -> bool {
    let (rect, _) =
        ui.allocate_exact_size(vec2(ui.available_width(), ENTRY_HEIGHT), Sense::hover());
    let builder = UiBuilder::new()
        .max_rect(rect.shrink(2.0))
        .id_salt(("app", &app.bundle_id))
        .sense(Sense::click())
        .layout(Layout::left_to_right(Align::Center))
        .accessibility_role(Role::ListItem)
        .accessibility_label(app.name.clone());
    let response = ui
        .scope_builder(builder, |ui| {
            // A click anywhere on the entry selects it, text included.
            ui.style_mut().interaction.selectable_labels = false;
            if selected || ui.rect_contains_pointer(rect) {
                let visuals = ui.visuals();
                let fill = if selected {
                    visuals.selection.bg_fill.gamma_multiply(0.5)
                } else {
                    visuals.widgets.hovered.weak_bg_fill.gamma_multiply(0.5)
                };
                ui.painter().rect_filled(rect, 6.0, fill);
            }
            ui.add_space(4.0);
            let (texture, own) = icons.for_app(ui.ctx(), app.icon.as_deref());
            match texture {
                Some(texture) => {
                    let alt = if own {
                        format!("icon of {}", app.name)
                    } else {
                        crate::gui::icons::DEFAULT_ICON.to_owned()
                    };
                    ui.add(
                        Image::new(texture)
                            .fit_to_exact_size(Vec2::splat(ICON_SIZE))
                            .alt_text(alt),
                    );
                }
                None => {
                    ui.add_space(ICON_SIZE);
                }
            }
            ui.vertical(|ui| {
                ui.set_clip_rect(ui.max_rect().intersect(ui.clip_rect()));
                details(ui, app);
            });
        })
        .response;
    // Also gives the node its bounds: a clickable `Ui`'s node has none of its own in egui 0.37.
    response.widget_info(|| WidgetInfo::selected(Role::ListItem, true, selected, &app.name));
    response.clicked()
}

fn details(ui: &mut Ui, app: &AppView) {
    ui.add(egui::Label::new(RichText::new(&app.name).strong()).truncate());
    let version = match &app.short_version {
        Some(short) => format!("{short} ({})", app.bundle_version),
        None => app.bundle_version.clone(),
    };
    let count = app.packs.len();
    let packs = if count == 1 {
        "1 pack".to_owned()
    } else {
        format!("{count} packs")
    };
    ui.weak(format!(
        "{version} · {packs} · {}",
        format::bytes(app.disk_used)
    ));
    if let Some(error) = &app.manifest_error {
        ui.colored_label(theme::ERROR, format!("manifest: {}", error.message))
            .on_hover_text(&app.manifest_url);
    } else if app.launch_ready && !app.essential_failed.is_empty() {
        // As on Apple's system, a failed essential pack does not block launch: say so.
        let failed = format!(
            "Ready to launch without: {}",
            app.essential_failed.join(", ")
        );
        ui.add(Badge::new(&failed, theme::ERROR)).on_hover_text(
            "An essential download failed for good; the app must cope, or ask again.",
        );
    } else if app.launch_ready {
        ui.add(Badge::new("Ready to launch", theme::READY));
    } else {
        let waiting = format!("Waiting for: {}", app.waiting_for.join(", "));
        ui.add(Badge::new(&waiting, theme::WAITING));
    }
}
