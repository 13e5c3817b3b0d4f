//! The window's look: one colour and one glyph per pack state, one glyph per kind of content,
//! badge colours, and the style set up at start: the system's dark or light theme is followed
//! unless the person chose one ([`ThemeChoice`], kept between runs).
//! Every glyph here is in egui's default fonts; a test checks it, since a missing glyph would
//! draw as a box.

use egui::{Color32, Context, ThemePreference};
use serde::{Deserialize, Serialize};

use super::view::PackState;
use crate::model::{DownloadPolicy, PackKind};

/// The colour of a state's ring and badge. Saturated mid-tones read on dark and light panels.
pub fn state_color(state: PackState) -> Color32 {
    match state {
        PackState::Queued => Color32::from_rgb(0x94, 0xa3, 0xb8),
        PackState::Connecting => Color32::from_rgb(0x60, 0xa5, 0xfa),
        PackState::Downloading(_) => Color32::from_rgb(0x3b, 0x82, 0xf6),
        PackState::Paused(_) => Color32::from_rgb(0xf5, 0x9e, 0x0b),
        PackState::Retrying(..) => Color32::from_rgb(0xf9, 0x73, 0x16),
        PackState::Verifying => Color32::from_rgb(0x8b, 0x5c, 0xf6),
        PackState::Installing => Color32::from_rgb(0x14, 0xb8, 0xa6),
        PackState::Failed => Color32::from_rgb(0xef, 0x44, 0x44),
        PackState::Vetoed => Color32::from_rgb(0xa8, 0x55, 0xf7),
        PackState::Installed => Color32::from_rgb(0x22, 0xc5, 0x5e),
        PackState::UpdateAvailable => Color32::from_rgb(0x06, 0xb6, 0xd4),
        PackState::Obsolete => Color32::from_rgb(0xa8, 0x8b, 0x6a),
        PackState::NotDownloaded => Color32::from_rgb(0x80, 0x88, 0x96),
    }
}

/// The small glyph in the ring's status badge.
pub fn state_glyph(state: PackState) -> &'static str {
    match state {
        PackState::Queued => "⏳",
        PackState::Connecting => "🔌",
        PackState::Downloading(_) => "⬇",
        PackState::Paused(_) => "⏸",
        PackState::Retrying(..) => "🔄",
        PackState::Verifying => "🔍",
        PackState::Installing => "📥",
        PackState::Failed => "⚠",
        PackState::Vetoed => "⛔",
        PackState::Installed => "✔",
        PackState::UpdateAvailable => "⬆",
        PackState::Obsolete => "🗑",
        PackState::NotDownloaded => "☁",
    }
}

/// The glyph inside a pack's ring for its kind of content.
pub fn kind_glyph(kind: PackKind) -> &'static str {
    match kind {
        PackKind::Audio => "🎵",
        PackKind::Images => "🖼",
        PackKind::Video => "🎬",
        PackKind::Levels => "🗺",
        PackKind::Models => "📐",
        PackKind::Achievements => "🏆",
        PackKind::Fonts => "🔤",
        PackKind::Text => "📄",
        PackKind::Data => "💾",
    }
}

/// The colour of a policy badge.
pub fn policy_color(policy: DownloadPolicy) -> Color32 {
    match policy {
        DownloadPolicy::Essential(_) => Color32::from_rgb(0xdc, 0x26, 0x26),
        DownloadPolicy::Prefetch(_) => Color32::from_rgb(0x25, 0x63, 0xeb),
        DownloadPolicy::OnDemand => Color32::from_rgb(0x64, 0x74, 0x8b),
    }
}

/// The launch-ready badge's colour.
pub const READY: Color32 = Color32::from_rgb(0x16, 0xa3, 0x4a);
/// The "waiting for" badge's colour.
pub const WAITING: Color32 = Color32::from_rgb(0xd9, 0x77, 0x06);
/// Error banners.
pub const ERROR: Color32 = Color32::from_rgb(0xdc, 0x26, 0x26);

/// Every glyph the window draws, for the font check.
pub fn all_glyphs() -> Vec<&'static str> {
    let states = [
        PackState::Queued,
        PackState::Connecting,
        PackState::Downloading(0.0),
        PackState::Paused(0.0),
        PackState::Retrying(0.0, 1),
        PackState::Verifying,
        PackState::Installing,
        PackState::Failed,
        PackState::Vetoed,
        PackState::Installed,
        PackState::UpdateAvailable,
        PackState::Obsolete,
        PackState::NotDownloaded,
    ];
    let mut glyphs: Vec<_> = states.into_iter().map(state_glyph).collect();
    glyphs.extend(PackKind::ALL.into_iter().map(kind_glyph));
    glyphs.extend(super::widgets::ICON_GLYPHS);
    glyphs.extend(["⏸", "▶", "…", "“", "”", "·", "—"]);
    glyphs
}

/// The person's choice of theme, kept between runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ThemeChoice {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in the order the preferences list them.
    pub const ALL: [Self; 3] = [Self::System, Self::Light, Self::Dark];

    /// What the preferences call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Follow the system",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    /// egui's preference for it.
    pub fn preference(self) -> ThemePreference {
        match self {
            Self::System => ThemePreference::System,
            Self::Light => ThemePreference::Light,
            Self::Dark => ThemePreference::Dark,
        }
    }
}

/// Uses `choice` from now on, if it is not already in force.
pub fn use_choice(ctx: &Context, choice: ThemeChoice) {
    let wanted = choice.preference();
    if ctx.options(|options| options.theme_preference) != wanted {
        ctx.set_theme(wanted);
    }
}

/// Sets the style once at start: the remembered theme, slightly roomier rows.
pub fn apply(ctx: &Context, choice: ThemeChoice) {
    ctx.options_mut(|options| options.theme_preference = choice.preference());
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing.y = 4.0;
        style.spacing.button_padding = egui::vec2(6.0, 2.0);
    });
}
