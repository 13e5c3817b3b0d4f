//! The window: an [`eframe::App`] that lays out the panels around the backend's newest status
//! document each frame, applies keyboard shortcuts first, and remembers the selection between
//! runs. It paints only when woken: by the backend (a changed document), by input, or by a
//! spinning ring (at most ten times a second); an idle window asks for no frames at all.
//! Closing, hiding to the tray and commands from the rest of the process are the
//! [`Lifecycle`]'s, run in [`eframe::App::logic`] (hidden windows too).

use std::sync::Arc;

use egui::{CentralPanel, Panel, Ui};

use super::backend::Backend;
use super::dialogs::Dialogs;
use super::icons::Icons;
use super::keyboard;
use super::lifecycle::{Lifecycle, Resources};
use super::list::PackList;
use super::panels::{
    apps, event_log, inspector, notices, packs, path_prompt, removal, space_check, status_bar,
    toolbar,
};
use super::state::DiskFacts;
use super::state::{Remembered, UiState};
use super::totals::TotalsCache;
use crate::manager::view::StatusDocument;

/// The desktop window's state.
pub struct BgAssetsApp {
    backend: Arc<dyn Backend>,
    state: UiState,
    list: PackList,
    icons: Icons,
    dialogs: Dialogs,
    lifecycle: Lifecycle,
    totals: TotalsCache,
}

impl BgAssetsApp {
    /// A window on `backend` in `ctx`, restoring `remembered`.
    pub fn new(ctx: &egui::Context, backend: Arc<dyn Backend>, remembered: Remembered) -> Self {
        super::theme::apply(ctx, remembered.theme);
        backend.attach(ctx);
        Self {
            dialogs: Dialogs::new(backend.clone()),
            backend,
            state: UiState::restored(remembered),
            list: PackList::default(),
            icons: Icons::load(ctx),
            lifecycle: Lifecycle::default(),
            totals: TotalsCache::default(),
        }
    }

    /// The same window tied to the process through `resources` (commands in, events out, the
    /// tray's presence), restoring what the previous run remembered about closing.
    pub fn with_resources(
        mut self,
        ctx: &egui::Context,
        resources: Resources,
        remembered: super::closing::Remembered,
    ) -> Self {
        self.lifecycle = Lifecycle::new(resources, remembered);
        self.lifecycle.attach(ctx);
        self
    }

    /// The window eframe creates, with what the previous run remembered, tied to the process
    /// through `resources`.
    pub fn from_creation(
        cc: &eframe::CreationContext<'_>,
        backend: Arc<dyn Backend>,
        resources: Resources,
    ) -> Self {
        let remembered = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default();
        let closing = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, super::closing::REMEMBERED_KEY))
            .unwrap_or_default();
        Self::new(&cc.egui_ctx, backend, remembered).with_resources(
            &cc.egui_ctx,
            resources,
            closing,
        )
    }

    /// Hides the window on its first frame (`--minimized` with a tray host present).
    pub fn start_hidden(&mut self) {
        self.lifecycle.start_hidden();
    }

    /// The window's lifecycle (hidden, the quit question), for tests.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// Takes commands and close requests: every frame, hidden or not.
    pub fn logic(&mut self, ctx: &egui::Context) {
        let document = self.backend.latest();
        self.lifecycle
            .logic(ctx, document.as_deref(), &mut self.state);
    }

    /// Uses native file dialogs or not, without looking for one (tests; desktops without).
    pub fn use_native_dialogs(&mut self, native: bool) {
        self.dialogs.set_native(native);
    }

    /// The UI state, for tests.
    pub fn state(&self) -> &UiState {
        &self.state
    }

    /// Draws one frame into `ui` (the whole window).
    pub fn show(&mut self, ui: &mut Ui) {
        let before = self.state.remembered.clone();
        super::theme::use_choice(ui.ctx(), self.state.remembered.theme);
        let document = self.backend.latest();
        self.dialogs.poll(&mut self.state);
        if let Some(document) = &document
            && self.refresh_list(document)
        {
            keyboard::handle(
                ui.ctx(),
                document,
                &self.list,
                &*self.backend,
                &mut self.state,
            );
        }
        Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            toolbar::show(
                ui,
                document.as_deref(),
                &*self.backend,
                &self.dialogs,
                &mut self.state,
                self.lifecycle.resources(),
            );
            notices::banners(ui, self.backend.error(), &mut self.state);
            path_prompt::show(ui, &self.dialogs, &mut self.state);
            ui.add_space(2.0);
        });
        if let Some(document) = &document {
            let totals = self.totals.of(document);
            self.state.disk = DiskFacts {
                free_bytes: document.free_bytes,
                on_demand_bytes: totals.on_demand_bytes,
            };
            Panel::bottom("status-bar").show(ui, |ui| {
                status_bar::show(ui, document, &totals, &self.state);
            });
        }
        match &document {
            None => {
                CentralPanel::default().show(ui, notices::connecting);
            }
            Some(document) if document.apps.is_empty() => {
                CentralPanel::default().show(ui, notices::no_apps);
            }
            Some(document) => self.panels(ui, document),
        }
        removal::show(ui.ctx(), &*self.backend, &mut self.state);
        space_check::show(ui.ctx(), &*self.backend, &mut self.state);
        self.lifecycle.show_modal(ui.ctx());
        if self.state.remembered != before {
            // The selection changed after some panels were drawn: draw them again.
            ui.ctx().request_repaint();
        }
    }

    /// Brings the pack rows up to date with the selected app and the filter; false when no app
    /// is registered.
    fn refresh_list(&mut self, document: &Arc<StatusDocument>) -> bool {
        let Some(app) = self.selected_app(document) else {
            return false;
        };
        self.list
            .refresh(document, &app, &self.state.filter_needle());
        true
    }

    fn panels(&mut self, ui: &mut Ui, document: &Arc<StatusDocument>) {
        let app = self.selected_app(document).unwrap_or_default();
        // The side panels give way on a narrow window, so the pack rows keep room.
        let width = ui.available_width();
        Panel::left("apps")
            .resizable(true)
            .default_size(210.0)
            .size_range(140.0..=(width * 0.25).max(140.0))
            .show(ui, |ui| {
                apps::show(ui, document, &app, &mut self.icons, &mut self.state)
            });
        // The apps panel or the filter box may have changed what the list shows.
        self.refresh_list(document);
        if self.state.remembered.show_events {
            let events = self.backend.events();
            Panel::bottom("events")
                .resizable(true)
                .default_size(160.0)
                .show(ui, |ui| event_log::show(ui, &events, &mut self.state));
        }
        let selected = self
            .state
            .remembered
            .pack
            .as_ref()
            .and_then(|p| document.pack(&p.app, &p.pack));
        Panel::right("inspector")
            .resizable(true)
            .default_size(280.0)
            .size_range(180.0..=(width * 0.3).max(180.0))
            .show(ui, |ui| inspector::show(ui, selected));
        CentralPanel::default().show(ui, |ui| {
            packs::show(ui, document, &self.list, &*self.backend, &mut self.state);
        });
    }

    /// The remembered app if it is still registered, else the first one.
    fn selected_app(&self, document: &StatusDocument) -> Option<String> {
        let remembered = self.state.remembered.app.as_deref();
        document
            .apps
            .iter()
            .find(|a| Some(a.bundle_id.as_str()) == remembered)
            .or_else(|| document.apps.first())
            .map(|a| a.bundle_id.clone())
    }
}

impl eframe::App for BgAssetsApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        BgAssetsApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.remembered);
        eframe::set_value(
            storage,
            super::closing::REMEMBERED_KEY,
            &self.lifecycle.remembered(),
        );
    }
}
