//! Widgets of the window that egui does not have.
//!
//! - [`progress_ring`]: a pack's circular progress indicator with its kind and state glyphs.
//! - [`badge`]: small coloured pills (policy, launch-ready) and glyph buttons with a spoken name.

pub mod badge;
pub mod progress_ring;

pub use badge::{Badge, icon_button};
pub use progress_ring::ProgressRing;

/// Glyphs drawn on buttons, for the font check in [`crate::gui::theme::all_glyphs`].
pub const ICON_GLYPHS: [&str; 6] = ["⏫", "⬆", "⬇", "🗑", "📋", "✖"];
