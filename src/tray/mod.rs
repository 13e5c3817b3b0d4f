//! The tray item of the resident manager, over StatusNotifierItem (`ksni`: pure D-Bus, no
//! system libraries): the bgassets icon with the aggregate progress of every active download
//! as a ring, a tooltip (packs downloading, speed, time left) and a menu (Show window, Pause
//! all / Resume all, each app's launch readiness, the close-to-tray setting, Quit). It is fed
//! by the same [`Backend`](crate::gui::Backend) as the window and sends the same requests; it
//! tells the window whether a tray host took it ([`crate::gui::closing::Resident`]).
//!
//! - [`icon`]: the pixels, `ring_icon(progress, size)`, pure.
//! - [`menu`]: what the item shows, as pure data from a status document.
//! - [`item`]: the `ksni::Tray` that shows it and acts on clicks.
//! - [`run`]: registering the item and feeding it.

pub mod icon;
pub mod item;
pub mod menu;
pub mod run;

pub use item::{BgTray, TRAY_ID, Targets};
pub use menu::TrayView;
pub use run::{Tray, TrayError};
