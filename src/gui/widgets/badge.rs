//! Small coloured pills with white text (a pack's policy, an app's launch-ready state) and glyph
//! buttons whose accessible name says what they do ("Move up"), so screen readers and the
//! kittest queries read words, not arrows.

use egui::{
    Color32, CornerRadius, FontId, Response, Role, Sense, Stroke, Ui, Widget, WidgetInfo, vec2,
};

/// A rounded pill: `text` in white on `color`.
pub struct Badge<'a> {
    text: &'a str,
    color: Color32,
}

impl<'a> Badge<'a> {
    /// A badge showing `text` on `color`.
    pub fn new(text: &'a str, color: Color32) -> Self {
        Self { text, color }
    }
}

impl Widget for Badge<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let font = FontId::proportional(11.0);
        let galley = ui
            .painter()
            .layout_no_wrap(self.text.to_owned(), font, Color32::WHITE);
        let padding = vec2(6.0, 1.5);
        let (rect, response) =
            ui.allocate_exact_size(galley.size() + 2.0 * padding, Sense::hover());
        response.widget_info(|| WidgetInfo::labeled(Role::Label, true, self.text));
        if ui.is_rect_visible(rect) {
            let painter = ui.painter();
            painter.rect(
                rect,
                CornerRadius::same(8),
                self.color,
                Stroke::NONE,
                egui::StrokeKind::Inside,
            );
            painter.galley(rect.min + padding, galley, Color32::WHITE);
        }
        response
    }
}

/// A small button showing `glyph`, named `name` for accessibility and its tooltip.
pub fn icon_button(ui: &mut Ui, glyph: &str, name: &str, enabled: bool) -> Response {
    let response = ui.add_enabled(enabled, egui::Button::new(glyph).small());
    response.widget_info(|| WidgetInfo::labeled(Role::Button, enabled, name));
    response.on_hover_text(name)
}
