//! What the tray item shows, as pure data from one [`StatusDocument`]: the ring's progress,
//! the tooltip (packs downloading, overall speed, time left) and the menu's entries (Show
//! window, Pause all / Resume all, one line per app with its launch readiness, the close-to-tray
//! setting, Quit). [`super::item`] turns them into the StatusNotifierItem.

use crate::gui::format;
use crate::gui::totals::Totals;
use crate::manager::view::{AppView, StatusDocument};

/// What a menu entry does when clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Show the window.
    Show,
    /// Pause every pack.
    PauseAll,
    /// Resume every pack.
    ResumeAll,
    /// Turn closing the window to the tray on or off.
    ToggleCloseToTray,
    /// Quit (downloads stop, partial files kept).
    Quit,
}

/// One line of the menu.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A clickable line (disabled when `action` is `None`).
    Item {
        /// The text.
        label: String,
        /// What it does; `None` for an information line, shown disabled.
        action: Option<Action>,
    },
    /// A line with a check mark.
    Check {
        /// The text.
        label: String,
        /// Whether it is checked.
        checked: bool,
        /// What clicking does.
        action: Action,
    },
    /// A separator.
    Separator,
}

/// Everything the tray shows, derived from the status document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrayView {
    /// The aggregate numbers.
    pub totals: Totals,
    /// Packs paused (by the person).
    pub paused: usize,
    /// Each app's name and launch readiness, in the document's order.
    pub apps: Vec<(String, String)>,
    /// The ring's progress in whole percent, `None` when nothing is in progress (so the icon
    /// is redrawn only when a percent changes).
    pub percent: Option<u8>,
}

impl TrayView {
    /// The view of `document`; `None` (no document yet) is an empty view.
    pub fn of(document: Option<&StatusDocument>) -> Self {
        let Some(document) = document else {
            return Self::default();
        };
        let totals = Totals::of(document);
        Self {
            totals,
            paused: document
                .apps
                .iter()
                .flat_map(|app| &app.packs)
                .filter(|pack| pack.paused || pack.activity.is_paused())
                .count(),
            apps: document
                .apps
                .iter()
                .map(|app| (app.name.clone(), readiness(app)))
                .collect(),
            percent: totals
                .fraction
                .map(|p| (p * 100.0).floor().clamp(0.0, 100.0) as u8),
        }
    }

    /// The ring's progress, as [`super::icon::ring_icon`] takes it.
    pub fn ring(&self) -> Option<f32> {
        self.percent.map(|p| f32::from(p) / 100.0)
    }

    /// The tooltip's title and text.
    pub fn tooltip(&self) -> (String, String) {
        let totals = &self.totals;
        if !totals.is_busy() {
            let text = match self.paused {
                0 => "Nothing downloading".to_owned(),
                1 => "Nothing downloading; 1 pack paused".to_owned(),
                n => format!("Nothing downloading; {n} packs paused"),
            };
            return ("bgassets".into(), text);
        }
        let packs = if totals.downloading == 1 {
            "1 pack downloading".to_owned()
        } else {
            format!("{} packs downloading", totals.downloading)
        };
        let mut parts = vec![packs];
        if totals.queued > 0 {
            parts.push(format!("{} waiting", totals.queued));
        }
        if let Some(rate) = format::rate(totals.bytes_per_second) {
            parts.push(rate);
        }
        match totals.eta_seconds {
            Some(eta) => parts.push(format::eta(eta)),
            None => parts.push(format!("{} left", format::bytes(totals.bytes_left))),
        }
        ("bgassets".into(), parts.join(", "))
    }

    /// The menu's entries; `close_to_tray` is the setting's current value.
    pub fn entries(&self, close_to_tray: bool) -> Vec<Entry> {
        let item = |label: &str, action| Entry::Item {
            label: label.into(),
            action,
        };
        let mut entries = vec![item("Show window", Some(Action::Show)), Entry::Separator];
        if self.totals.is_busy() {
            entries.push(item("Pause all", Some(Action::PauseAll)));
        }
        if self.paused > 0 {
            entries.push(item("Resume all", Some(Action::ResumeAll)));
        }
        if !self.totals.is_busy() && self.paused == 0 {
            entries.push(item("Nothing to pause or resume", None));
        }
        if !self.apps.is_empty() {
            entries.push(Entry::Separator);
            for (name, readiness) in &self.apps {
                entries.push(item(&format!("{name}: {readiness}"), None));
            }
        }
        entries.push(Entry::Separator);
        entries.push(Entry::Check {
            label: "Keep running when the window closes".into(),
            checked: close_to_tray,
            action: Action::ToggleCloseToTray,
        });
        entries.push(item("Quit", Some(Action::Quit)));
        entries
    }
}

/// "ready", "waiting for Tutorial, Level 1", or the manager's own reason.
fn readiness(app: &AppView) -> String {
    if app.launch_ready {
        return "ready".into();
    }
    if !app.waiting_for.is_empty() {
        let names: Vec<&str> = app
            .waiting_for
            .iter()
            .map(|id| {
                app.packs
                    .iter()
                    .find(|pack| &pack.id == id)
                    .map_or(id.as_str(), |pack| pack.name.as_str())
            })
            .collect();
        return format!("waiting for {}", names.join(", "));
    }
    if app.launch_reason.is_empty() {
        "not ready".into()
    } else {
        format!("not ready: {}", app.launch_reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture::{app, document, pack, progress};
    use crate::model::{Activity, DownloadPolicy, InstallationEvents, PackKind};

    fn demo(activity: Activity, installed: bool) -> StatusDocument {
        let essential = DownloadPolicy::Essential(InstallationEvents::ALL);
        let versions = if installed {
            (Some(1), Some(1))
        } else {
            (None, Some(1))
        };
        let mut demo = app(
            "org.example.demo",
            "Demo",
            vec![pack(
                "tutorial",
                "Tutorial",
                PackKind::Levels,
                essential,
                versions,
                activity,
            )],
        );
        demo.launch_ready = installed;
        document(vec![demo])
    }

    #[test]
    fn a_download_shows_its_ring_tooltip_and_pause_all() {
        let view = TrayView::of(Some(&demo(
            Activity::Downloading {
                progress: progress(10_000_000),
            },
            false,
        )));
        assert_eq!(view.percent, Some(25));
        assert_eq!(view.tooltip().1, "1 pack downloading, 2.0 MB/s, 15 s left");
        let entries = view.entries(true);
        let labels: Vec<String> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Item { label, .. } | Entry::Check { label, .. } => Some(label.clone()),
                Entry::Separator => None,
            })
            .collect();
        assert_eq!(
            labels,
            [
                "Show window",
                "Pause all",
                "Demo: waiting for Tutorial",
                "Keep running when the window closes",
                "Quit"
            ]
        );
        assert!(entries.contains(&Entry::Item {
            label: "Demo: waiting for Tutorial".into(),
            action: None
        }));
    }

    #[test]
    fn paused_packs_offer_resume_all_and_an_idle_manager_says_so() {
        let paused = TrayView::of(Some(&demo(
            Activity::Paused {
                progress: progress(1),
            },
            false,
        )));
        assert_eq!(paused.percent, None, "no ring while nothing is in progress");
        assert!(paused.entries(true).contains(&Entry::Item {
            label: "Resume all".into(),
            action: Some(Action::ResumeAll)
        }));
        assert_eq!(paused.tooltip().1, "Nothing downloading; 1 pack paused");
        let idle = TrayView::of(Some(&demo(Activity::Idle, true)));
        let entries = idle.entries(false);
        assert!(entries.contains(&Entry::Item {
            label: "Nothing to pause or resume".into(),
            action: None
        }));
        assert!(entries.contains(&Entry::Item {
            label: "Demo: ready".into(),
            action: None
        }));
        assert!(entries.contains(&Entry::Check {
            label: "Keep running when the window closes".into(),
            checked: false,
            action: Action::ToggleCloseToTray
        }));
    }

    #[test]
    fn no_document_yet_is_an_empty_view() {
        let view = TrayView::of(None);
        assert_eq!(view.tooltip().1, "Nothing downloading");
        assert_eq!(view.ring(), None);
    }
}
