//! Opening the native window: its title, size limits, icon and app id, the glow renderer, and
//! eframe's storage of window geometry and the selection between runs.
//!
//! A resident window is hidden rather than closed when it goes to the tray
//! (`ViewportCommand::Visible(false)`), so the same window, its GL context and its state come
//! back on "Show window". Checked on X11 under Xvfb (`tests/integration/resident.rs`): eframe
//! 0.37 keeps calling `App::logic` for a hidden window when it is woken, so commands still
//! arrive. `--minimized` starts the same way and hides the window on its first frame, when a
//! tray host shows the item (eframe shows a window once it painted it, whatever the builder
//! says); without one the window stays shown, never an unreachable process.

use std::sync::Arc;

use super::app::BgAssetsApp;
use super::backend::Backend;
use super::icons;
use super::lifecycle::Resources;

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

/// How the window runs.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    /// Commands in, events out, the tray's presence.
    pub resources: Resources,
    /// Start hidden in the tray (`--minimized`), when a tray host is present.
    pub minimized: bool,
}

/// Runs the window on `backend` until it quits (blocks the calling thread, which must be the
/// main thread). Closing it to the tray hides it and does not return.
pub fn run_window(backend: Arc<dyn Backend>, options: WindowOptions) -> Result<(), eframe::Error> {
    let WindowOptions {
        resources,
        minimized,
    } = options;
    eframe::run_native(
        APP_ID,
        native_options(),
        Box::new(move |cc| {
            let start_hidden = minimized && resources.resident.tray_present();
            let mut app = BgAssetsApp::from_creation(cc, backend, resources);
            if start_hidden {
                app.start_hidden();
            }
            Ok(Box::new(app))
        }),
    )
}
