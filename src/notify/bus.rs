//! The `org.freedesktop.Notifications` interface as bgassets calls it (Desktop Notifications
//! Specification 1.2): `Notify`, and the `ActionInvoked` signal a click sends. Only what
//! bgassets uses is declared.

use std::collections::HashMap;

use zbus::zvariant::Value;

pub use proxy::{ActionInvoked, ActionInvokedArgs, ActionInvokedStream, NotificationsProxy};

/// The generated proxy; its generated items (signal arguments, streams) carry no docs.
#[allow(missing_docs)]
mod proxy {
    use super::{HashMap, Value};

    /// The notification server's side of the conversation.
    #[zbus::proxy(
        interface = "org.freedesktop.Notifications",
        default_service = "org.freedesktop.Notifications",
        default_path = "/org/freedesktop/Notifications",
        gen_blocking = false
    )]
    pub trait Notifications {
        /// Shows a notification (replacing `replaces_id` when it is still shown); its id.
        #[allow(clippy::too_many_arguments)]
        fn notify(
            &self,
            app_name: &str,
            replaces_id: u32,
            app_icon: &str,
            summary: &str,
            body: &str,
            actions: &[&str],
            hints: HashMap<&str, Value<'_>>,
            expire_timeout: i32,
        ) -> zbus::Result<u32>;

        /// A person chose `action_key` on notification `id` (`default`: a click on it).
        #[zbus(signal)]
        fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;
    }
}

/// Where to find the notification server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bus {
    /// The session bus (`DBUS_SESSION_BUS_ADDRESS`).
    Session,
    /// The bus at this address (tests start a private one).
    Address(String),
}

impl Bus {
    /// A connection to the bus.
    pub async fn connect(&self) -> zbus::Result<zbus::Connection> {
        match self {
            Self::Session => zbus::Connection::session().await,
            Self::Address(address) => {
                zbus::connection::Builder::address(address.as_str())?
                    .build()
                    .await
            }
        }
    }
}
