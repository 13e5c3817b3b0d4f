//! Opening the native window: its title, size limits, icon and app id, the glow renderer, and
//! eframe's storage of window geometry and the selection between runs.

use std::sync::Arc;

use super::app::BgAssetsApp;
use super::backend::Backend;
use super::icons;

/// The window's title and app id (also the storage folder's name).
pub const APP_ID: &str = "bgassets";

/// The native options: a 1100×720 window (remembered afterwards) with the bgassets icon.
pub fn native_options() -> eframe::NativeOptions {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("bgassets")
        .with_app_id(APP_ID)
        .with_inner_size([1100.0, 720.0])
        .with_min_inner_size([720.0, 420.0]);
    if let Some(icon) = icons::window_icon() {
        viewport = viewport.with_icon(Arc::new(icon));
    }
    eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        persist_window: true,
        ..eframe::NativeOptions::default()
    }
}

/// Runs the window on `backend` until it is closed (blocks the calling thread, which must be
/// the main thread).
pub fn run_window(backend: Arc<dyn Backend>) -> Result<(), eframe::Error> {
    eframe::run_native(
        APP_ID,
        native_options(),
        Box::new(move |cc| Ok(Box::new(BgAssetsApp::from_creation(cc, backend)))),
    )
}
