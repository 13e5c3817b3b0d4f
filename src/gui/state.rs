//! What the window remembers that the manager does not: which app and pack are selected, the
//! filters, which dialog is open, and notices from dialogs. UI state only: the packs themselves
//! always come from the backend's newest [`StatusDocument`](crate::manager::view::StatusDocument).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::manager::api::PackRef;

/// The part kept between runs (eframe's storage); the window's size is kept by eframe itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Remembered {
    /// The app whose packs are listed.
    pub app: Option<String>,
    /// The pack the inspector shows.
    pub pack: Option<PackRef>,
    /// Whether the event log is open.
    pub show_events: bool,
    /// Light, dark, or following the system.
    pub theme: crate::gui::theme::ThemeChoice,
}

/// A removal waiting for the person's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRemoval {
    /// The pack to remove.
    pub pack: PackRef,
    /// What the dialog calls it.
    pub name: String,
    /// Bytes it frees, as the dialog states.
    pub bytes: u64,
}

/// Everything the window's panels read and change between frames.
#[derive(Debug, Default)]
pub struct UiState {
    /// What the window keeps between runs (sort, columns, window size…).
    pub remembered: Remembered,
    /// The pack filter box.
    pub filter: String,
    /// The event log's filter box.
    pub event_filter: String,
    /// Ctrl+F asked for the filter box's focus.
    pub focus_filter: bool,
    /// The removal dialog, when open.
    pub removal: Option<PendingRemoval>,
    /// A row the list must scroll to (the keyboard moved the selection).
    pub scroll_to: Option<usize>,
    /// Rows the list showed last frame, and its viewport height.
    pub visible_rows: Range<usize>,
    /// The list's viewport height in points, for page up and page down.
    pub viewport_height: f32,
    /// A notice from a dialog (export written, add app failed…), dismissible.
    pub notice: Option<Notice>,
    /// The backend error the person dismissed, so the banner stays closed until a new one.
    pub dismissed_error: Option<String>,
    /// The update check the person started, until another one.
    pub update_check: Option<crate::gui::update_check::UpdateCheck>,
    /// A download waiting for the person's go-ahead: it needs much of the free space.
    pub pending_download: Option<PendingDownload>,
    /// The free space and what on-demand packs could free, from this frame's document.
    pub disk: DiskFacts,
    /// The path field shown when no file dialog can open.
    pub path_prompt: Option<crate::gui::dialogs::PathPrompt>,
    /// The custom bandwidth being typed.
    pub bandwidth_text: String,
    /// Why the custom bandwidth was refused.
    pub bandwidth_error: Option<String>,
}

/// What the space planner knows this frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DiskFacts {
    /// Bytes free on the data dir's disk, when the manager measured it.
    pub free_bytes: Option<u64>,
    /// Bytes removing every installed on-demand pack would free.
    pub on_demand_bytes: u64,
}

/// A download the space planner asks about first.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDownload {
    /// The pack.
    pub pack: PackRef,
    /// What the dialog calls it.
    pub name: String,
    /// The request sent on "Download anyway".
    pub request: crate::manager::api::Request,
    /// What it needs against what is free.
    pub need: crate::gui::space::SpaceNeed,
}

/// A one-line message under the toolbar.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The message.
    pub text: String,
    /// Shown as an error (red) rather than information.
    pub is_error: bool,
}

impl UiState {
    /// State restored from a previous run.
    pub fn restored(remembered: Remembered) -> Self {
        Self {
            remembered,
            ..Self::default()
        }
    }

    /// Whether `app`/`pack` is the selected pack.
    pub fn is_selected(&self, app: &str, pack: &str) -> bool {
        self.remembered
            .pack
            .as_ref()
            .is_some_and(|p| p.app == app && p.pack == pack)
    }

    /// Selects a pack (and its app).
    pub fn select(&mut self, app: &str, pack: &str) {
        self.remembered.app = Some(app.to_owned());
        self.remembered.pack = Some(PackRef::new(app, pack));
    }

    /// The filter as matched: trimmed, lower case.
    pub fn filter_needle(&self) -> String {
        self.filter.trim().to_lowercase()
    }
}
