//! The file dialogs, the only I/O the window starts itself: "Add app" picks an Info.plist or an
//! app folder and sends `Register`; "Export state" picks a file and writes the status document
//! as JSON (what `ctl status --json` prints). Each dialog runs on its own thread so the window
//! keeps painting; its outcome comes back as a [`Notice`].

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use super::backend::Backend;
use super::state::{Notice, UiState};
use crate::manager::api::Request;
use crate::manager::view::StatusDocument;

/// Starts dialogs and collects their outcomes.
pub struct Dialogs {
    backend: Arc<dyn Backend>,
    sender: Sender<Notice>,
    receiver: Mutex<Receiver<Notice>>,
}

impl Dialogs {
    /// Dialogs whose results go to `backend`.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        let (sender, receiver) = channel();
        Self {
            backend,
            sender,
            receiver: Mutex::new(receiver),
        }
    }

    /// Asks for an Info.plist (or, with `folder`, an app folder) and registers it.
    pub fn add_app(&self, ctx: &egui::Context, folder: bool) {
        let backend = self.backend.clone();
        let ctx = ctx.clone();
        spawn("add-app dialog", &self.sender, move || {
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
        spawn("export dialog", &self.sender, move || {
            let path = rfd::FileDialog::new()
                .set_title("Export bgassets' state")
                .set_file_name("bgassets-status.json")
                .add_filter("JSON", &["json"])
                .save_file()?;
            let notice = write_document(&document, &path);
            ctx.request_repaint();
            Some(notice)
        });
    }

    /// Moves finished dialogs' notices into `state`.
    pub fn poll(&self, state: &mut UiState) {
        let receiver = self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
        while let Ok(notice) = receiver.try_recv() {
            state.notice = Some(notice);
        }
    }
}

/// Runs `work` on a named thread; its notice, if any, is sent back.
fn spawn(
    name: &str,
    sender: &Sender<Notice>,
    work: impl FnOnce() -> Option<Notice> + Send + 'static,
) {
    let back = sender.clone();
    let started = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if let Some(notice) = work() {
                let _ = back.send(notice);
            }
        });
    if let Err(error) = started {
        let _ = sender.send(Notice {
            text: format!("cannot open the dialog: {error}"),
            is_error: true,
        });
    }
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
