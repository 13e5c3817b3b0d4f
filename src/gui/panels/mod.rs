//! The window's panels, one file each.
//!
//! - [`toolbar`]: global actions, limits, add app, export, filter.
//! - [`apps`]: the registered apps (left).
//! - [`packs`] and [`pack_row`]: the selected app's packs, virtualised (centre);
//!   [`app_downloads`]: its downloader extension and its own downloads, above them.
//! - [`inspector`]: everything about the selected pack (right).
//! - [`event_log`]: the manager's recent events (bottom).
//! - [`removal`]: the confirmation before a pack is removed.
//! - [`notices`]: error banners and empty states.
//! - [`status_bar`]: totals, free space and the update check (bottom).
//! - [`path_prompt`]: the path field when no file dialog can open.
//! - [`preferences`]: the Preferences menu (theme, and later the tray's and desktop's).
//! - [`space_check`]: the space planner's question before a large download.

pub mod app_downloads;
pub mod apps;
pub mod event_log;
pub mod inspector;
pub mod notices;
pub mod pack_row;
pub mod packs;
pub mod path_prompt;
pub mod preferences;
pub mod removal;
pub mod space_check;
pub mod status_bar;
pub mod toolbar;
