//! The manager as the window process serves it on the socket: the manager's handle, plus an
//! answer to `showWindow` (the window is asked to show itself through its commands).

use tokio::sync::broadcast;

use crate::gui::{WindowCommand, WindowCommands};
use crate::ipc::{Service, WindowShown};
use crate::manager::ManagerHandle;
use crate::manager::api::{ApiError, ManagerApi, Request, Response};
use crate::manager::event::ManagerEvent;

/// The manager's handle with a window to show.
#[derive(Clone)]
pub struct Windowed {
    handle: ManagerHandle,
    commands: WindowCommands,
}

impl Windowed {
    /// Serves `handle`, showing the window through `commands`.
    pub fn new(handle: ManagerHandle, commands: WindowCommands) -> Self {
        Self { handle, commands }
    }
}

impl ManagerApi for Windowed {
    type Error = ApiError;

    fn call(
        &self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, ApiError>> + Send {
        self.handle.call(request)
    }
}

impl Service for Windowed {
    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent> {
        self.handle.subscribe()
    }

    fn show_window(&self) -> WindowShown {
        tracing::info!("another launch asked for the window: showing it");
        self.commands.send(WindowCommand::Show);
        WindowShown::shown()
    }
}
