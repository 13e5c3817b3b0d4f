//! The StatusNotifierItem itself ([`ksni::Tray`]): it shows the current [`TrayView`] (icon
//! with the ring, tooltip, menu) and turns clicks into the window's commands and the manager's
//! requests. A left click on the icon shows the window.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ksni::menu::{CheckmarkItem, StandardItem};
use ksni::{Icon, MenuItem, OfflineReason, ToolTip};

use super::icon::{SIZES, ring_icon};
use super::menu::{Action, Entry, TrayView};
use crate::gui::backend::Backend;
use crate::gui::closing::Resident;
use crate::gui::commands::{WindowCommand, WindowCommands};
use crate::manager::api::{Request, Selection};

/// The tray item's id (the application's name).
pub const TRAY_ID: &str = "bgassets";

/// Where the tray's clicks go.
#[derive(Clone)]
pub struct Targets {
    /// The manager, as the window sees it.
    pub backend: Arc<dyn Backend>,
    /// The window's commands.
    pub commands: WindowCommands,
    /// The tray's presence and the close-to-tray setting, shared with the window.
    pub resident: Arc<Resident>,
}

/// The tray item: what it shows and where its clicks go.
pub struct BgTray {
    /// What it shows.
    pub view: TrayView,
    /// The icon at each of [`SIZES`], drawn for `view`'s ring.
    icons: Vec<Icon>,
    targets: Targets,
    /// The close-to-tray value the menu was last built with.
    rendered_setting: Arc<AtomicBool>,
}

impl BgTray {
    /// An item showing `view`.
    pub fn new(view: TrayView, targets: Targets) -> Self {
        let icons = icons(&view);
        let setting = targets.resident.close_to_tray();
        Self {
            view,
            icons,
            targets,
            rendered_setting: Arc::new(AtomicBool::new(setting)),
        }
    }

    /// The close-to-tray value the menu was last built with, to see when the window changed
    /// the setting since.
    pub fn rendered_setting(&self) -> Arc<AtomicBool> {
        self.rendered_setting.clone()
    }

    /// Shows `view` (redraws the icon when the ring changed).
    pub fn set_view(&mut self, view: TrayView) {
        if view.percent != self.view.percent {
            self.icons = icons(&view);
        }
        self.view = view;
    }

    fn act(&mut self, action: Action) {
        let targets = &self.targets;
        match action {
            Action::Show => targets.commands.send(WindowCommand::Show),
            Action::PauseAll => targets.backend.send(Request::Pause {
                selection: Selection::All,
            }),
            Action::ResumeAll => targets.backend.send(Request::Resume {
                selection: Selection::All,
            }),
            Action::ToggleCloseToTray => {
                let on = !targets.resident.close_to_tray();
                targets.resident.set_close_to_tray(on);
            }
            Action::Quit => targets.commands.send(WindowCommand::Quit),
        }
    }
}

fn icons(view: &TrayView) -> Vec<Icon> {
    SIZES
        .iter()
        .map(|&size| Icon {
            width: size as i32,
            height: size as i32,
            data: ring_icon(view.ring(), size),
        })
        .collect()
}

fn menu_item(entry: Entry) -> MenuItem<BgTray> {
    match entry {
        Entry::Separator => MenuItem::Separator,
        Entry::Item { label, action } => StandardItem {
            label,
            enabled: action.is_some(),
            activate: Box::new(move |tray: &mut BgTray| {
                if let Some(action) = action {
                    tray.act(action);
                }
            }),
            ..StandardItem::default()
        }
        .into(),
        Entry::Check {
            label,
            checked,
            action,
        } => CheckmarkItem {
            label,
            checked,
            activate: Box::new(move |tray: &mut BgTray| tray.act(action)),
            ..CheckmarkItem::default()
        }
        .into(),
    }
}

impl ksni::Tray for BgTray {
    fn id(&self) -> String {
        TRAY_ID.into()
    }

    fn title(&self) -> String {
        "bgassets".into()
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        self.act(Action::Show);
    }

    fn icon_pixmap(&self) -> Vec<Icon> {
        self.icons.clone()
    }

    fn tool_tip(&self) -> ToolTip {
        let (title, description) = self.view.tooltip();
        ToolTip {
            title,
            description,
            ..ToolTip::default()
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let setting = self.targets.resident.close_to_tray();
        self.rendered_setting.store(setting, Ordering::Relaxed);
        self.view
            .entries(setting)
            .into_iter()
            .map(menu_item)
            .collect()
    }

    fn watcher_online(&self) {
        tracing::info!("a tray host is back: the tray item is shown again");
        self.targets.resident.set_tray_present(true);
    }

    fn watcher_offline(&self, reason: OfflineReason) -> bool {
        tracing::warn!("the tray host went away ({reason:?}): closing the window will quit");
        self.targets.resident.set_tray_present(false);
        // A window hidden in the tray shows itself again.
        self.targets.commands.wake();
        // Keep the item: it registers again when a host comes back.
        true
    }
}
