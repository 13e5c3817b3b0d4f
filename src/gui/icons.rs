//! The pictures the window draws: the window icon and the default app icon, compiled into the
//! binary from `icons/`, and each app's own icon, read once from the file the manager found in
//! its bundle (see [`crate::manager::app_icon`]: bounded, PNG only, size checked before
//! decoding). An icon that cannot be read or decoded is logged with its reason and the app
//! shows the default, never a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::{ColorImage, Context, IconData, TextureHandle, TextureOptions};

use crate::manager::app_icon;

/// `icons/bgassets.png`: the window and tray icon.
pub const WINDOW_PNG: &[u8] = include_bytes!("../../icons/bgassets.png");
/// `icons/app.png`: an app without an icon of its own.
pub const APP_PNG: &[u8] = include_bytes!("../../icons/app.png");
/// What screen readers call the default icon.
pub const DEFAULT_ICON: &str = "default app icon";

/// The window icon, if the embedded PNG decodes.
pub fn window_icon() -> Option<IconData> {
    eframe::icon_data::from_png_bytes(WINDOW_PNG).ok()
}

/// Textures the panels draw.
pub struct Icons {
    /// The default app icon.
    pub app: Option<TextureHandle>,
    /// Each app icon file's texture, `None` when it could not be shown.
    own: HashMap<PathBuf, Option<TextureHandle>>,
}

impl Icons {
    /// Uploads the embedded icons to `ctx`'s renderer.
    pub fn load(ctx: &Context) -> Self {
        Self {
            app: texture(ctx, "app-icon", APP_PNG),
            own: HashMap::new(),
        }
    }

    /// The texture for an app whose icon file is `icon`, and whether it is the app's own; the
    /// file is read the first time it is asked for.
    pub fn for_app(
        &mut self,
        ctx: &Context,
        icon: Option<&Path>,
    ) -> (Option<&TextureHandle>, bool) {
        let own = icon.and_then(|path| {
            self.own
                .entry(path.to_path_buf())
                .or_insert_with(|| own_texture(ctx, path))
                .as_ref()
        });
        match own {
            Some(texture) => (Some(texture), true),
            None => (self.app.as_ref(), false),
        }
    }
}

/// The texture of the icon file at `path`, or `None` with the reason logged.
fn own_texture(ctx: &Context, path: &Path) -> Option<TextureHandle> {
    let bytes = match app_icon::read_png(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!("app icon not shown: {error}");
            return None;
        }
    };
    let name = format!("app-icon:{}", path.display());
    let shown = texture(ctx, &name, &bytes);
    if shown.is_none() {
        tracing::warn!(
            "app icon not shown: {}: the PNG does not decode",
            path.display()
        );
    }
    shown
}

fn texture(ctx: &Context, name: &str, png: &[u8]) -> Option<TextureHandle> {
    let icon = eframe::icon_data::from_png_bytes(png).ok()?;
    let size = [icon.width as usize, icon.height as usize];
    let image = ColorImage::from_rgba_unmultiplied(size, &icon.rgba);
    Some(ctx.load_texture(name, image, TextureOptions::LINEAR))
}
