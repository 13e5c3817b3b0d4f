//! The window's life in a resident process: it takes the [`WindowCommand`]s others send
//! (show, show a pack, quit), and decides what closing does ([`super::closing::on_close`]):
//! hide to the tray, ask first, or quit. It runs in [`eframe::App::logic`], which eframe calls
//! for a hidden window too, so a hidden window still obeys "Show window". A hidden window
//! whose tray host went away shows itself again: never an unreachable process. Ctrl+Q quits.

use std::sync::Arc;

use egui::{Context, ViewportCommand};

use super::closing::{self, Answer, CloseAction, Confirmation, Remembered, Resident};
use super::commands::{WindowCommand, WindowCommands, WindowEvent, WindowEvents};
use super::state::UiState;
use super::totals::Totals;
use crate::manager::view::StatusDocument;

/// What ties the window to the rest of the process: commands in, events out, and the facts
/// shared with the tray.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Commands for the window.
    pub commands: WindowCommands,
    /// The tray's presence and the close-to-tray setting.
    pub resident: Arc<Resident>,
    /// Where [`WindowEvent`]s go, when someone listens.
    pub events: Option<WindowEvents>,
    /// The desktop notifications, whose quiet setting Preferences changes.
    pub notifier: Option<Arc<crate::notify::Notifier>>,
    /// Starting at login, as Preferences changes it.
    pub login: Option<Arc<dyn crate::desktop::autostart::StartAtLogin>>,
}

/// The window's lifecycle state.
#[derive(Debug, Default)]
pub struct Lifecycle {
    resources: Resources,
    remembered: Remembered,
    confirmation: Option<Confirmation>,
    quitting: bool,
    hidden: bool,
    hide_on_first_frame: bool,
}

impl Lifecycle {
    /// The lifecycle on `resources`, with what the previous run remembered (which sets the
    /// shared close-to-tray setting).
    pub fn new(resources: Resources, remembered: Remembered) -> Self {
        resources
            .resident
            .set_close_to_tray(remembered.close_to_tray);
        if let Some(notifier) = &resources.notifier {
            notifier.set_quiet(remembered.quiet_notifications);
        }
        Self {
            resources,
            remembered,
            confirmation: None,
            quitting: false,
            hidden: false,
            hide_on_first_frame: false,
        }
    }

    /// Hides the window on its first frame (`--minimized`).
    pub fn start_hidden(&mut self) {
        self.hide_on_first_frame = true;
    }

    /// Attaches the window's context to the command queue, so that commands wake it.
    pub fn attach(&self, ctx: &Context) {
        self.resources.commands.attach(ctx);
    }

    /// What to keep for the next run (the setting as the tray may have changed it).
    pub fn remembered(&self) -> Remembered {
        Remembered {
            close_to_tray: self.resources.resident.close_to_tray(),
            quiet_notifications: self
                .resources
                .notifier
                .as_ref()
                .map_or(self.remembered.quiet_notifications, |n| n.is_quiet()),
            ..self.remembered.clone()
        }
    }

    /// What Preferences changes besides the window's own looks.
    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    /// The quit question, while it is open.
    pub fn confirmation(&self) -> Option<&Confirmation> {
        self.confirmation.as_ref()
    }

    /// Whether the window is quitting (Quit from the tray, the question or Ctrl+Q).
    pub fn is_quitting(&self) -> bool {
        self.quitting
    }

    /// Whether the window hid itself (closed to the tray) and was not shown since.
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Applies queued commands and a close request; called every frame, hidden or not.
    pub fn logic(&mut self, ctx: &Context, document: Option<&StatusDocument>, state: &mut UiState) {
        if std::mem::take(&mut self.hide_on_first_frame) {
            tracing::info!("starting in the tray (--minimized)");
            ctx.send_viewport_cmd(ViewportCommand::Visible(false));
            self.hidden = true;
        }
        if self.hidden && !self.resources.resident.tray_present() {
            tracing::warn!("the tray host went away while the window was hidden: showing it");
            self.show(ctx);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Q)) {
            tracing::info!("Ctrl+Q: quitting");
            self.quit(ctx);
        }
        for command in self.resources.commands.take() {
            match command {
                WindowCommand::Show => self.show(ctx),
                WindowCommand::ShowPack { app, pack } => {
                    state.select(&app, &pack);
                    self.show(ctx);
                }
                WindowCommand::Quit => self.quit(ctx),
            }
        }
        if ctx.input(|i| i.viewport().close_requested()) {
            self.close_requested(ctx, document);
        }
    }

    /// Draws the quit question when it is open, and acts on the answer.
    pub fn show_modal(&mut self, ctx: &Context) {
        let Some(confirmation) = &self.confirmation else {
            return;
        };
        match closing::show_confirmation(ctx, confirmation) {
            Answer::Open => {}
            Answer::Cancel => self.confirmation = None,
            Answer::Quit => {
                self.confirmation = None;
                self.quit(ctx);
            }
        }
    }

    fn close_requested(&mut self, ctx: &Context, document: Option<&StatusDocument>) {
        let totals = document.map(Totals::of).unwrap_or_default();
        let resident = &self.resources.resident;
        match closing::on_close(
            resident.close_to_tray(),
            resident.tray_present(),
            totals.downloading,
            self.quitting,
        ) {
            CloseAction::Quit => {
                tracing::info!("the window closes: quitting");
            }
            CloseAction::Hide => {
                ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                ctx.send_viewport_cmd(ViewportCommand::Visible(false));
                self.hidden = true;
                let first = !self.remembered.hidden_before;
                self.remembered.hidden_before = true;
                tracing::info!("the window is hidden to the tray; the manager keeps running");
                if let Some(events) = &self.resources.events {
                    // Nobody listening any more is not the window's problem.
                    let _ = events.send(WindowEvent::HiddenToTray { first });
                }
            }
            CloseAction::Ask => {
                tracing::info!(
                    "asking before quitting: {} packs in progress and no tray to keep them going",
                    totals.downloading
                );
                ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                self.show(ctx);
                self.confirmation = Some(Confirmation { totals });
            }
        }
    }

    fn show(&mut self, ctx: &Context) {
        self.hidden = false;
        ctx.send_viewport_cmd(ViewportCommand::Visible(true));
        ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
        ctx.send_viewport_cmd(ViewportCommand::Focus);
        ctx.request_repaint();
    }

    fn quit(&mut self, ctx: &Context) {
        self.quitting = true;
        ctx.send_viewport_cmd(ViewportCommand::Close);
    }
}
