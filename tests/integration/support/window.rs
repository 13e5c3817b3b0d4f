//! The window as eframe runs it, for kittest: a [`BgAssetsApp`] on a fixture backend, tied to
//! the resources it shares with the tray and the notifier, with its lifecycle (commands, close
//! requests) applied every frame.

use std::sync::Arc;

use bgassets::gui::fixture::FixtureBackend;
use bgassets::gui::state::Remembered;
use bgassets::gui::{BgAssetsApp, Resources};
use egui_kittest::Harness;

/// The window under test.
pub type Window = Harness<'static, Option<BgAssetsApp>>;

/// The window on `backend`, tied to `resources`, drawn once.
pub fn resident_window(backend: Arc<FixtureBackend>, resources: Resources) -> Window {
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_ui_state(
            move |ui, app: &mut Option<BgAssetsApp>| {
                let app = app.get_or_insert_with(|| {
                    BgAssetsApp::new(ui.ctx(), backend.clone(), Remembered::default())
                        .with_resources(ui.ctx(), resources.clone(), Default::default())
                });
                app.logic(ui.ctx());
                app.show(ui);
            },
            None,
        );
    harness.run_ok();
    harness
}
