//! What closing the window does, and the question it asks first when it must.
//!
//! With a tray host present and "close to tray" on (the default), closing hides the window and
//! the manager keeps downloading; the tray's "Show window" or a second launch brings it back.
//! Without a tray host nothing could bring a hidden window back, so closing quits; while
//! downloads run it asks first ([`show_confirmation`]). The decision is [`on_close`], a pure
//! function; [`Resident`] holds the facts it reads that others change (the tray sets whether a
//! host took its item, and its menu toggles the setting).
//!
//! The setting is kept with the window's remembered state ([`Remembered`], eframe's storage
//! under [`REMEMBERED_KEY`]), like the selection: it is how this window behaves, not the
//! manager's business.

use std::sync::atomic::{AtomicBool, Ordering};

use egui::{Context, Id, Modal};
use serde::{Deserialize, Serialize};

use super::format;
use super::totals::Totals;

/// Where [`Remembered`] is kept in eframe's storage.
pub const REMEMBERED_KEY: &str = "bgassets.closing";

/// What closing the window should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Let it close: the process quits (the manager stops, partial downloads kept).
    Quit,
    /// Hide the window; the manager keeps running in the tray.
    Hide,
    /// Keep the window and ask whether to quit and stop the downloads.
    Ask,
}

/// What closing the window does, given the setting, whether a tray host shows our item,
/// how many packs are in progress, and whether the person already chose to quit.
pub fn on_close(
    close_to_tray: bool,
    tray_present: bool,
    in_progress: usize,
    quitting: bool,
) -> CloseAction {
    if quitting {
        CloseAction::Quit
    } else if close_to_tray && tray_present {
        CloseAction::Hide
    } else if in_progress > 0 {
        CloseAction::Ask
    } else {
        CloseAction::Quit
    }
}

/// The facts about the resident process that the window, the tray and the socket share.
#[derive(Debug)]
pub struct Resident {
    tray_present: AtomicBool,
    close_to_tray: AtomicBool,
    /// Bumped when the close-to-tray setting changes (the tray's menu shows it).
    setting: super::changes::Changes,
}

impl Default for Resident {
    /// No tray host known yet; close to tray on.
    fn default() -> Self {
        Self {
            tray_present: AtomicBool::new(false),
            close_to_tray: AtomicBool::new(true),
            setting: Default::default(),
        }
    }
}

impl Resident {
    /// Whether a StatusNotifierWatcher took the tray item (a tray host shows it).
    pub fn tray_present(&self) -> bool {
        self.tray_present.load(Ordering::Relaxed)
    }

    /// Records whether a tray host shows the item.
    pub fn set_tray_present(&self, present: bool) {
        self.tray_present.store(present, Ordering::Relaxed);
    }

    /// Whether closing the window hides it to the tray (when a host is present).
    pub fn close_to_tray(&self) -> bool {
        self.close_to_tray.load(Ordering::Relaxed)
    }

    /// Changes the setting.
    pub fn set_close_to_tray(&self, on: bool) {
        self.close_to_tray.store(on, Ordering::Relaxed);
        self.setting.bump();
    }

    /// A signal bumped when the close-to-tray setting changes.
    pub fn setting_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.setting.subscribe()
    }
}

/// What the window remembers about closing, between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Remembered {
    /// Closing hides the window to the tray (when a tray host is present).
    pub close_to_tray: bool,
    /// The window has hidden itself to the tray before (the one-time notice was given).
    pub hidden_before: bool,
    /// No desktop notifications.
    pub quiet_notifications: bool,
}

impl Default for Remembered {
    fn default() -> Self {
        Self {
            close_to_tray: true,
            hidden_before: false,
            quiet_notifications: false,
        }
    }
}

/// The quit question, while it is open: what to say.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    /// The totals when closing was asked.
    pub totals: Totals,
}

/// The person's answer to the quit question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Not answered yet.
    Open,
    /// Quit and stop the downloads.
    Quit,
    /// Keep the window open.
    Cancel,
}

/// Shows the quit question: the downloads running, that stopping keeps what was downloaded,
/// and two buttons. Escape cancels.
pub fn show_confirmation(ctx: &Context, confirmation: &Confirmation) -> Answer {
    let mut answer = Answer::Open;
    let totals = confirmation.totals;
    let modal = Modal::new(Id::unique("confirm-quit")).show(ctx, |ui| {
        ui.set_max_width(380.0);
        ui.heading("Quit bgassets?");
        let packs = if totals.downloading == 1 {
            "1 pack is".to_owned()
        } else {
            format!("{} packs are", totals.downloading)
        };
        ui.label(format!(
            "{packs} downloading ({} left). No tray is available to keep bgassets running \
             in the background, so quitting stops the downloads. What was downloaded is kept \
             and resumes when bgassets starts again.",
            format::bytes(totals.bytes_left)
        ));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Quit and stop downloads").clicked() {
                answer = Answer::Quit;
            }
            if ui.button("Cancel").clicked() {
                answer = Answer::Cancel;
            }
        });
    });
    if answer == Answer::Open && modal.should_close() {
        answer = Answer::Cancel;
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_hides_only_where_a_tray_can_bring_the_window_back() {
        assert_eq!(on_close(true, true, 3, false), CloseAction::Hide);
        assert_eq!(on_close(true, true, 0, false), CloseAction::Hide);
        assert_eq!(on_close(true, false, 0, false), CloseAction::Quit);
        assert_eq!(on_close(false, true, 0, false), CloseAction::Quit);
    }

    #[test]
    fn quitting_while_downloads_run_asks_first_unless_already_answered() {
        assert_eq!(on_close(true, false, 2, false), CloseAction::Ask);
        assert_eq!(on_close(false, true, 1, false), CloseAction::Ask);
        assert_eq!(on_close(true, false, 2, true), CloseAction::Quit);
        assert_eq!(on_close(true, true, 2, true), CloseAction::Quit);
    }

    #[test]
    fn close_to_tray_is_on_by_default() {
        assert!(Remembered::default().close_to_tray);
        let old: Remembered = serde_json::from_str("{}").unwrap();
        assert!(
            old.close_to_tray,
            "a window that remembered nothing closes to the tray"
        );
        assert!(Resident::default().close_to_tray());
        assert!(!Resident::default().tray_present());
    }
}
