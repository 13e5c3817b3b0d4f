//! The pictures compiled into the binary from `icons/`: the window icon and the default app
//! icon shown for apps that bring none. Decoding them is not I/O: the bytes are in the binary.

use egui::{ColorImage, Context, IconData, TextureHandle, TextureOptions};

/// `icons/bgassets.png`: the window and tray icon.
pub const WINDOW_PNG: &[u8] = include_bytes!("../../icons/bgassets.png");
/// `icons/app.png`: an app without an icon of its own.
pub const APP_PNG: &[u8] = include_bytes!("../../icons/app.png");

/// The window icon, if the embedded PNG decodes.
pub fn window_icon() -> Option<IconData> {
    eframe::icon_data::from_png_bytes(WINDOW_PNG).ok()
}

/// Textures the panels draw.
pub struct Icons {
    /// The default app icon.
    pub app: Option<TextureHandle>,
}

impl Icons {
    /// Uploads the icons to `ctx`'s renderer.
    pub fn load(ctx: &Context) -> Self {
        Self {
            app: texture(ctx, "app-icon", APP_PNG),
        }
    }
}

fn texture(ctx: &Context, name: &str, png: &[u8]) -> Option<TextureHandle> {
    let icon = eframe::icon_data::from_png_bytes(png).ok()?;
    let size = [icon.width as usize, icon.height as usize];
    let image = ColorImage::from_rgba_unmultiplied(size, &icon.rgba);
    Some(ctx.load_texture(name, image, TextureOptions::LINEAR))
}
