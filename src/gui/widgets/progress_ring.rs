//! The circular progress indicator of a pack row, painted with egui's painter: a determinate arc
//! with the percentage inside while bytes arrive (or stopped, when paused or retrying), a
//! spinning arc while connecting, verifying or installing, and a full, dashed or faint ring in
//! the state's colour otherwise. The pack's kind glyph sits inside, so a row is recognised
//! before it is read; a small badge carries the state's own glyph.

use std::f32::consts::TAU;
use std::time::Duration;

use egui::{
    Align2, Color32, FontId, Pos2, Response, Role, Sense, Shape, Stroke, Ui, Vec2, Widget,
    WidgetInfo, vec2,
};

use crate::gui::theme;
use crate::gui::view::{PackState, percent};
use crate::model::PackKind;

/// How often a spinner is redrawn: the window's repaint ceiling while work is under way.
pub const SPIN_FRAME: Duration = Duration::from_millis(100);

/// A pack's ring; its accessible name is the state's label ("Downloading 42%").
pub struct ProgressRing {
    state: PackState,
    kind: PackKind,
    diameter: f32,
}

impl ProgressRing {
    /// A ring for a pack in `state`, with the icon of its `kind`.
    pub fn new(state: PackState, kind: PackKind) -> Self {
        Self {
            state,
            kind,
            diameter: 40.0,
        }
    }

    /// The outer diameter in points (40 by default).
    pub fn diameter(mut self, diameter: f32) -> Self {
        self.diameter = diameter;
        self
    }
}

impl Widget for ProgressRing {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(self.diameter), Sense::hover());
        let label = self.state.label();
        response.widget_info(|| WidgetInfo::labeled(Role::ProgressIndicator, true, &label));
        if ui.is_rect_visible(rect) {
            self.paint(ui, rect.center());
        }
        response.on_hover_text(label)
    }
}

impl ProgressRing {
    fn paint(&self, ui: &Ui, center: Pos2) {
        let painter = ui.painter();
        let color = theme::state_color(self.state);
        let width = (self.diameter * 0.1).max(2.0);
        let radius = self.diameter / 2.0 - width;
        let track = color.gamma_multiply(0.25);
        match self.state {
            PackState::Downloading(f) | PackState::Paused(f) | PackState::Retrying(f, _) => {
                painter.circle_stroke(center, radius, Stroke::new(width, track));
                arc(
                    painter,
                    center,
                    radius,
                    -TAU / 4.0,
                    f * TAU,
                    Stroke::new(width, color),
                );
            }
            state if state.is_indeterminate() => {
                painter.circle_stroke(center, radius, Stroke::new(width, track));
                let time = ui.input(|i| i.time) as f32;
                let start = (time * TAU * 0.8) % TAU;
                arc(
                    painter,
                    center,
                    radius,
                    start,
                    TAU * 0.28,
                    Stroke::new(width, color),
                );
                ui.ctx().request_repaint_after(SPIN_FRAME);
            }
            PackState::NotDownloaded => {
                dashed(
                    painter,
                    center,
                    radius,
                    Stroke::new(width, color.gamma_multiply(0.7)),
                );
            }
            PackState::Queued | PackState::Obsolete => {
                painter.circle_stroke(
                    center,
                    radius,
                    Stroke::new(width, color.gamma_multiply(0.6)),
                );
            }
            _ => {
                painter.circle_stroke(center, radius, Stroke::new(width, color));
            }
        }
        self.paint_inside(ui, center, radius);
        self.paint_badge(ui, center, radius, color);
    }

    /// The kind glyph, with the percentage under it while there is a fraction to show.
    fn paint_inside(&self, ui: &Ui, center: Pos2, radius: f32) {
        let painter = ui.painter();
        let text = ui.visuals().text_color();
        let glyph = theme::kind_glyph(self.kind);
        match self.state.fraction() {
            Some(f) => {
                let size = radius * 0.75;
                painter.text(
                    center - vec2(0.0, radius * 0.32),
                    Align2::CENTER_CENTER,
                    glyph,
                    FontId::proportional(size),
                    text,
                );
                painter.text(
                    center + vec2(0.0, radius * 0.42),
                    Align2::CENTER_CENTER,
                    format!("{}%", percent(f)),
                    FontId::proportional(radius * 0.5),
                    text,
                );
            }
            None => {
                painter.text(
                    center,
                    Align2::CENTER_CENTER,
                    glyph,
                    FontId::proportional(radius * 1.25),
                    text,
                );
            }
        }
    }

    /// The state's glyph on a disc at the bottom right.
    fn paint_badge(&self, ui: &Ui, center: Pos2, radius: f32, color: Color32) {
        let painter = ui.painter();
        let badge_radius = self.diameter * 0.19;
        let at = center + Vec2::splat(radius * 0.78);
        painter.circle(
            at,
            badge_radius,
            color,
            Stroke::new(1.5, ui.visuals().panel_fill),
        );
        painter.text(
            at,
            Align2::CENTER_CENTER,
            theme::state_glyph(self.state),
            FontId::proportional(badge_radius * 1.5),
            Color32::WHITE,
        );
    }
}

/// An arc from `start` (radians, clockwise from +x) sweeping `sweep` radians.
fn arc(painter: &egui::Painter, center: Pos2, radius: f32, start: f32, sweep: f32, stroke: Stroke) {
    if sweep <= 0.0 {
        return;
    }
    let segments = ((sweep * radius / 2.0).ceil() as usize).clamp(4, 128);
    let points = (0..=segments)
        .map(|i| {
            let angle = start + sweep * i as f32 / segments as f32;
            center + radius * vec2(angle.cos(), angle.sin())
        })
        .collect();
    painter.add(Shape::line(points, stroke));
}

/// A ring of short dashes: nothing downloaded yet.
fn dashed(painter: &egui::Painter, center: Pos2, radius: f32, stroke: Stroke) {
    const DASHES: usize = 12;
    let step = TAU / DASHES as f32;
    for i in 0..DASHES {
        arc(
            painter,
            center,
            radius,
            i as f32 * step,
            step * 0.55,
            stroke,
        );
    }
}
