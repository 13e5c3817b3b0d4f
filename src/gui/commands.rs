//! What the rest of the process asks of the window, and what the window tells it back.
//!
//! [`WindowCommands`] is a queue of [`WindowCommand`]s that any thread may fill (the tray's
//! "Show window", the socket's `showWindow` from a second launch, a notification's click):
//! sending wakes the window, which takes the commands on its next frame, hidden or not (eframe
//! keeps running [`eframe::App::logic`] for a hidden window). [`WindowEvents`] carries the
//! window's [`WindowEvent`]s out, e.g. to show a notification the first time it hid itself.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// Something asked of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowCommand {
    /// Show the window (un-hide, un-minimise) and bring it to the front.
    Show,
    /// Show the window with this pack selected in the list and the inspector.
    ShowPack {
        /// The app's bundle id.
        app: String,
        /// The pack's id.
        pack: String,
    },
    /// Quit: close the window and stop the manager (partial downloads are kept).
    Quit,
}

/// Something the window did that others may want to tell the person about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowEvent {
    /// The window was closed to the tray: the manager and its downloads keep running.
    /// `first` is true the first time ever (the remembered state says so), when a one-line
    /// notification should say where the window went.
    HiddenToTray {
        /// Whether it is the first time.
        first: bool,
    },
}

/// The sending half of the window's events: a channel that never blocks the window.
pub type WindowEvents = std::sync::mpsc::Sender<WindowEvent>;

/// A queue of commands for the window, shared by everyone who may send one.
#[derive(Clone, Default)]
pub struct WindowCommands {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<WindowCommand>>,
    ctx: Mutex<Option<egui::Context>>,
}

/// Locks, ignoring poisoning: the data is plain values, always whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for WindowCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowCommands")
            .field("queued", &lock(&self.inner.queue).len())
            .finish_non_exhaustive()
    }
}

impl WindowCommands {
    /// An empty queue, with no window attached yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `command` and wakes the window (once attached; until then the command waits
    /// for it).
    pub fn send(&self, command: WindowCommand) {
        lock(&self.inner.queue).push_back(command);
        self.wake();
    }

    /// Wakes the window without a command, to look again at what it shares with others (the
    /// tray host went away).
    pub fn wake(&self) {
        if let Some(ctx) = lock(&self.inner.ctx).as_ref() {
            ctx.request_repaint();
        }
    }

    /// The window's context, so that [`WindowCommands::send`] wakes it; wakes it once for
    /// what is already queued.
    pub fn attach(&self, ctx: &egui::Context) {
        *lock(&self.inner.ctx) = Some(ctx.clone());
        ctx.request_repaint();
    }

    /// Every command queued so far, oldest first, emptying the queue.
    pub fn take(&self) -> Vec<WindowCommand> {
        lock(&self.inner.queue).drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_from_any_thread_arrive_in_order() {
        let commands = WindowCommands::new();
        let sender = commands.clone();
        std::thread::spawn(move || {
            sender.send(WindowCommand::Show);
            sender.send(WindowCommand::ShowPack {
                app: "a".into(),
                pack: "p".into(),
            });
        })
        .join()
        .unwrap();
        assert_eq!(
            commands.take(),
            [
                WindowCommand::Show,
                WindowCommand::ShowPack {
                    app: "a".into(),
                    pack: "p".into()
                }
            ]
        );
        assert!(commands.take().is_empty(), "taking empties the queue");
    }

    #[test]
    fn sending_wakes_an_attached_window() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let ctx = egui::Context::default();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = wakes.clone();
        ctx.set_request_repaint_callback(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        let commands = WindowCommands::new();
        commands.send(WindowCommand::Show);
        assert_eq!(wakes.load(Ordering::Relaxed), 0, "no window to wake yet");
        commands.attach(&ctx);
        assert_eq!(
            wakes.load(Ordering::Relaxed),
            1,
            "attaching wakes it for the queue"
        );
        // The window runs its passes until it asks for no more.
        for _ in 0..5 {
            let mut output = ctx.run_ui(Default::default(), |_| {});
            output.textures_delta.clear();
            if !ctx.has_requested_repaint() {
                break;
            }
        }
        assert!(!ctx.has_requested_repaint(), "an idle window");
        let idle = wakes.load(Ordering::Relaxed);
        commands.send(WindowCommand::Quit);
        assert!(wakes.load(Ordering::Relaxed) > idle, "a command wakes it");
        assert!(ctx.has_requested_repaint());
        assert_eq!(commands.take(), [WindowCommand::Show, WindowCommand::Quit]);
    }
}
