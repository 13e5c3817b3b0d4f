//! The desktop window (`bgassets`, `bgassets --demo`): installed apps, their packs with circular
//! progress, and pause / prioritise / remove, drawn with egui on eframe's glow renderer (it runs
//! on software GL). The window never owns download logic and does no I/O besides its file
//! dialogs and reading the app icons the manager found (bounded, checked): it renders the manager's [`StatusDocument`](crate::manager::view::StatusDocument)
//! and sends [`Request`](crate::manager::api::Request)s through a [`Backend`].
//!
//! - [`app`]: the `eframe::App`, laying out the panels; [`window`]: starting it natively.
//! - [`backend`]: the [`Backend`] trait and [`ManagerBackend`] (an in-process manager or a
//!   daemon over the socket), whose tasks are in [`link`]; [`fixture`]: a backend on a fixed
//!   document, for tests and the benchmark.
//! - [`panels`]: toolbar, apps, packs, inspector, event log, dialogs and banners.
//! - [`widgets`]: the progress ring and badges.
//! - [`view`]: a pack's displayed state and the requests its actions send; [`list`]: the
//!   cached, filtered rows; [`state`]: UI-only state; [`keyboard`]: shortcuts.
//! - [`theme`], [`format`], [`icons`]: colours and glyphs, numbers as text, embedded icons.
//! - [`dialogs`]: the add-app and export file dialogs.
//! - [`lifecycle`]: the window in a resident process: [`commands`] from the tray and the
//!   socket (show, show a pack, quit) and [`closing`] (hide to the tray, or ask before
//!   quitting while downloads run).
//! - [`totals`]: the totals over every pack (status bar, tray); [`space`]: the space planner;
//!   [`update_check`]: the update check's result; [`clock`]: local times with their zone;
//!   [`rate_input`]: a typed bandwidth, validated; [`row_facts`]: what a row says of its state.

pub mod app;
pub mod backend;
pub mod changes;
pub mod clock;
pub mod closing;
pub mod commands;
pub mod dialogs;
pub mod fixture;
pub mod format;
pub mod icons;
pub mod keyboard;
pub mod lifecycle;
pub mod link;
pub mod list;
pub mod panels;
pub mod rate_input;
pub mod row_facts;
pub mod space;
pub mod state;
pub mod theme;
pub mod totals;
pub mod update_check;
pub mod view;
pub mod widgets;
pub mod window;

pub use app::BgAssetsApp;
pub use backend::{Backend, ManagerBackend};
pub use commands::{WindowCommand, WindowCommands, WindowEvent};
pub use lifecycle::Resources;
pub use totals::Totals;
pub use window::{WindowOptions, run_window};
