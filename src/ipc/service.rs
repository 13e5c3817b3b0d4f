//! What the socket server serves: a [`Service`] answers the manager's requests with typed
//! results ([`ManagerApi`], refusals as [`ApiError`]) and hands out its events. The manager's
//! handle is one; the socket tests drive the server with a fake.

use tokio::sync::broadcast;

use crate::manager::ManagerHandle;
use crate::manager::api::{ApiError, ManagerApi};
use crate::manager::event::ManagerEvent;

use super::window::WindowShown;

/// The manager as the server sees it: the manager's handle, or a fake in tests.
pub trait Service: ManagerApi<Error = ApiError> + Clone + Send + Sync + 'static {
    /// Events from now on.
    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent>;

    /// Answers `showWindow`: a manager without a window says so (the default).
    fn show_window(&self) -> WindowShown {
        WindowShown::no_window()
    }
}

impl Service for ManagerHandle {
    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent> {
        ManagerHandle::subscribe(self)
    }
}
