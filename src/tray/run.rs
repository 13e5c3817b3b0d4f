//! Running the tray item: registering it with the StatusNotifierWatcher on the session bus,
//! then feeding it the backend's newest status document, read when the backend says it
//! changed (or the close-to-tray setting its menu shows did, which the window sets from what
//! it remembered), at most [`POLL`] apart ([`Wake`]; on that clock for a backend with no
//! signal), and passed on only when the view it gives changed. An idle manager wakes it not.
//!
//! The bus is the session bus of the process's environment (`DBUS_SESSION_BUS_ADDRESS`):
//! ksni 0.3.7 builds its own connection with `zbus::connection::Builder::session()` and takes
//! no address or connection of ours. Tests therefore run the tray in a process whose
//! environment names their private bus.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ksni::TrayMethods;

use super::item::{BgTray, Targets};
use super::menu::TrayView;
use crate::gui::backend::Backend;
use crate::gui::changes::Wake;
use crate::gui::closing::Resident;
use crate::manager::view::StatusDocument;

/// How often the tray reads the backend's newest document: four times a second at most.
pub const POLL: Duration = Duration::from_millis(250);

/// Why the tray item is not shown.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    /// No session bus to talk to.
    #[error("no tray: cannot use the D-Bus session bus ({0})")]
    Bus(String),
    /// No StatusNotifierWatcher took the item: no tray host is running.
    #[error("no tray: no tray host took the item (no StatusNotifierWatcher: {0})")]
    NoHost(String),
}

impl From<ksni::Error> for TrayError {
    fn from(error: ksni::Error) -> Self {
        match error {
            ksni::Error::Dbus(e) => Self::Bus(e.to_string()),
            ksni::Error::Watcher(e) => Self::NoHost(e.to_string()),
            ksni::Error::WontShow => Self::NoHost("no StatusNotifierHost is registered".into()),
            other => Self::NoHost(other.to_string()),
        }
    }
}

/// A tray item being shown and fed.
pub struct Tray {
    handle: ksni::Handle<BgTray>,
    feeder: tokio::task::JoinHandle<()>,
}

impl Tray {
    /// Registers the item and starts feeding it; on success a tray host shows it, and
    /// `targets.resident` says so until the host goes away. Needs a tokio runtime.
    pub async fn spawn(targets: Targets) -> Result<Self, TrayError> {
        let backend = targets.backend.clone();
        let resident = targets.resident.clone();
        let latest = backend.latest();
        let item = BgTray::new(TrayView::of(latest.as_deref()), targets);
        let rendered = item.rendered_setting();
        let handle = item.spawn().await.map_err(|error| {
            resident.set_tray_present(false);
            TrayError::from(error)
        })?;
        resident.set_tray_present(true);
        tracing::info!("the tray item is registered with the tray host");
        let feeder = tokio::spawn(feed(
            handle.clone(),
            backend,
            Setting { resident, rendered },
            latest,
        ));
        Ok(Self { handle, feeder })
    }

    /// Removes the item from the bus and stops feeding it.
    pub async fn shutdown(self) {
        self.feeder.abort();
        self.handle.shutdown().await;
    }
}

/// The close-to-tray setting, and what the menu last showed of it.
struct Setting {
    resident: Arc<Resident>,
    rendered: Arc<AtomicBool>,
}

impl Setting {
    /// Whether the menu shows another value than the setting's (the window changed it).
    fn is_stale(&self) -> bool {
        self.resident.close_to_tray() != self.rendered.load(Ordering::Relaxed)
    }
}

/// Passes each changed view to the item until it is shut down.
async fn feed(
    handle: ksni::Handle<BgTray>,
    backend: Arc<dyn Backend>,
    setting: Setting,
    mut last: Option<Arc<StatusDocument>>,
) {
    let mut shown = TrayView::of(last.as_deref());
    // Subscribed before the first read: a change after it wakes the loop.
    let mut wake = Wake::new(
        backend.changes(),
        Some(setting.resident.setting_changes()),
        POLL,
    );
    loop {
        wake.next(false).await;
        let latest = backend.latest();
        let stale = setting.is_stale();
        if same(&latest, &last) && !stale {
            continue;
        }
        last = latest;
        let view = TrayView::of(last.as_deref());
        if view == shown && !stale {
            continue;
        }
        shown = view.clone();
        if handle
            .update(move |tray| tray.set_view(view))
            .await
            .is_none()
        {
            return;
        }
    }
}

/// Whether two documents are the same one (not merely equal).
fn same(a: &Option<Arc<StatusDocument>>, b: &Option<Arc<StatusDocument>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}
