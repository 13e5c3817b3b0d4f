//! Desktop notifications over `org.freedesktop.Notifications` (zbus, the same zbus 5 as the
//! tray): an app's essential packs are ready; a pack needs attention (its download failed, or
//! ran out of disk space). Grouped per app and rate-limited, never one per pack per second; a
//! quiet setting; a click shows the pack.
//!
//! - [`policy`]: what to tell, pure: the news between two status documents, and the throttle
//!   that groups it per app and lets an app's through at most once a minute.
//! - [`text`]: a notification's words.
//! - [`bus`]: the notification server's D-Bus interface.
//! - [`notifier`]: the task fed by the window's [`Backend`](crate::gui::Backend), sending what
//!   the policy says, turning clicks into the pack to show; and one-off announcements.
//!
//! The quiet setting is the window's to keep (its remembered state, beside the other
//! preferences of the person at this desktop): the daemon shows no notifications, so it is not a
//! manager setting. The window passes it at start ([`NotifierConfig::quiet`]) and on change
//! ([`Notifier::set_quiet`]).

pub mod bus;
pub mod notifier;
pub mod policy;
pub mod text;

pub use bus::Bus;
pub use notifier::{Notifier, NotifierConfig};
pub use policy::{Happening, Throttle};
pub use text::Notification;
