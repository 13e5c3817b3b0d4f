//! The file dialogs, the only I/O the window starts itself: "Add app" picks an Info.plist or an
//! app folder and sends `Register`; "Export state" picks a file and writes the status document
//! as JSON (what `ctl status --json` prints). Each dialog runs on its own thread so the window
//! keeps painting; its outcome comes back as a [`Notice`].
//!
//! rfd returns "nothing chosen" both when the person cancels and when no dialog can open (on
//! Linux: no desktop portal on the session bus and no `zenity`). So the window first looks for
//! one ([`native_dialog_available`]); where there is none it says so and asks for the path in
//! the window instead ([`PathPrompt`]): nothing is a silent no-op.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::backend::Backend;
use super::state::{Notice, UiState};
use crate::manager::api::Request;
use crate::manager::view::StatusDocument;

/// What a path typed in the window is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    /// An Info.plist or an app folder to register.
    AddApp,
    /// Where to write the status document.
    Export,
}

/// The in-window path field shown when no file dialog can open.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPrompt {
    /// What the path is for.
    pub purpose: PathPurpose,
    /// The path typed so far.
    pub text: String,
}

/// What a dialog thread reports.
enum Outcome {
    Notice(Notice),
    NoDialog(PathPurpose),
}

/// Starts dialogs and collects their outcomes.
pub struct Dialogs {
    backend: Arc<dyn Backend>,
    sender: Sender<Outcome>,
    receiver: Mutex<Receiver<Outcome>>,
    native: Option<bool>,
}

impl Dialogs {
    /// Dialogs whose results go to `backend`; whether a native dialog can open is looked up
    /// each time one is asked for.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let (sender, receiver) = channel();
        Self {
            backend,
            sender,
            receiver: Mutex::new(receiver),
            native: None,
        }
    }

    /// Uses native dialogs or not, without looking (tests; a desktop known to have none).
    pub fn set_native(&mut self, native: bool) {
        self.native = Some(native);
    }

    /// Asks for an Info.plist (or, with `folder`, an app folder) and registers it.
    pub fn add_app(&self, ctx: &egui::Context, folder: bool) {
        let backend = self.backend.clone();
        let ctx = ctx.clone();
        let known = self.native;
        spawn("add-app dialog", &self.sender, move || {
            if !known.unwrap_or_else(native_dialog_available) {
                ctx.request_repaint();
                return Some(Outcome::NoDialog(PathPurpose::AddApp));
            }
            let dialog = rfd::FileDialog::new().set_title("Add an app to bgassets");
            let path = if folder {
                dialog.pick_folder()
            } else {
                dialog.add_filter("Info.plist", &["plist"]).pick_file()
            };
            if let Some(path) = path {
                backend.send(Request::Register { path });
            }
            ctx.request_repaint();
            None
        });
    }

    /// Asks where to save the newest status document and writes it there.
    pub fn export(&self, ctx: &egui::Context) {
        let Some(document) = self.backend.latest() else {
            return;
        };
        let ctx = ctx.clone();
        let known = self.native;
        spawn("export dialog", &self.sender, move || {
            if !known.unwrap_or_else(native_dialog_available) {
                ctx.request_repaint();
                return Some(Outcome::NoDialog(PathPurpose::Export));
            }
            let path = rfd::FileDialog::new()
                .set_title("Export bgassets' state")
                .set_file_name("bgassets-status.json")
                .add_filter("JSON", &["json"])
                .save_file()?;
            let notice = write_document(&document, &path);
            ctx.request_repaint();
            Some(Outcome::Notice(notice))
        });
    }

    /// Acts on the path typed in the window for `purpose`.
    pub fn use_typed_path(&self, purpose: PathPurpose, path: &str) -> Notice {
        let path = PathBuf::from(path.trim());
        match purpose {
            PathPurpose::AddApp => {
                let notice = Notice {
                    text: format!("Adding the app at {}…", path.display()),
                    is_error: false,
                };
                self.backend.send(Request::Register { path });
                notice
            }
            PathPurpose::Export => match self.backend.latest() {
                Some(document) => write_document(&document, &path),
                None => Notice {
                    text: "nothing to export yet: the manager has not answered".into(),
                    is_error: true,
                },
            },
        }
    }

    /// Moves finished dialogs' outcomes into `state`.
    pub fn poll(&self, state: &mut UiState) {
        let receiver = self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
        while let Ok(outcome) = receiver.try_recv() {
            match outcome {
                Outcome::Notice(notice) => state.notice = Some(notice),
                Outcome::NoDialog(purpose) => {
                    state.path_prompt = Some(PathPrompt {
                        purpose,
                        text: String::new(),
                    });
                }
            }
        }
    }
}

/// Runs `work` on a named thread; its outcome, if any, is sent back.
fn spawn(
    name: &str,
    sender: &Sender<Outcome>,
    work: impl FnOnce() -> Option<Outcome> + Send + 'static,
) {
    let back = sender.clone();
    let started = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if let Some(outcome) = work() {
                let _ = back.send(outcome);
            }
        });
    if let Err(error) = started {
        let _ = sender.send(Outcome::Notice(Notice {
            text: format!("cannot open the dialog: {error}"),
            is_error: true,
        }));
    }
}

/// Whether a native file dialog can open: on Linux, a desktop portal on the session bus or
/// `zenity` on the `PATH` (what rfd uses); elsewhere the system's own dialogs always can.
pub fn native_dialog_available() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    zenity || portal_on_session_bus()
}

/// Whether the session bus has (or can start) `org.freedesktop.portal.Desktop`; false when
/// there is no bus or it does not answer within two seconds.
fn portal_on_session_bus() -> bool {
    const PORTAL: &str = "org.freedesktop.portal.Desktop";
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return false;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    let ask = async {
        let connection = zbus::Connection::session().await.ok()?;
        let bus = zbus::fdo::DBusProxy::new(&connection).await.ok()?;
        let names = bus.list_activatable_names().await.ok()?;
        let owned = bus.list_names().await.ok()?;
        Some(
            names
                .iter()
                .chain(owned.iter())
                .any(|name| name.as_str() == PORTAL),
        )
    };
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(2), ask).await })
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Writes `document` as pretty JSON to `path`, atomically; says how it went.
pub fn write_document(document: &StatusDocument, path: &Path) -> Notice {
    let written = serde_json::to_vec_pretty(document)
        .map_err(std::io::Error::other)
        .and_then(|mut bytes| {
            bytes.push(b'\n');
            crate::store::write_atomically(path, &bytes)
        });
    match written {
        Ok(()) => Notice {
            text: format!("Exported the state to {}", path.display()),
            is_error: false,
        },
        Err(error) => Notice {
            text: format!("cannot write {}: {error}", path.display()),
            is_error: true,
        },
    }
}
