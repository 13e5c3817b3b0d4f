//! The app's downloader extension's say on each pack version (`shouldDownload`): asked off the
//! actor, the answer kept as the pack's verdict, the pack planned again. An extension that
//! fails (hangs, crashes, answers garbage) counts as no extension for that question: the pack
//! goes ahead, and the error is recorded. Part of the actor.

use super::actor::{Actor, Internal};
use super::event::ManagerEventKind;
use super::state::{ExtensionFailure, Verdict, now_ms};
use crate::extension::{Answer, ExtensionError, ExtensionRequest, message::PackInfo};
use crate::model::{ErrorKind, PackError, StatusUpdate};

/// The answer to one `shouldDownload`, as the actor takes it back.
#[derive(Debug)]
pub struct Asked {
    /// The app.
    pub app: String,
    /// The pack.
    pub pack: String,
    /// The version asked about.
    pub version: u64,
    /// The extension, as people know it.
    pub extension: String,
    /// Its answer, or why there is none.
    pub answer: Result<bool, ExtensionError>,
}

impl Actor {
    /// Asks the app's downloader extension whether `version` of `pack` may be downloaded;
    /// true when the question went out (the pack now waits for the answer).
    pub fn ask_extension(&mut self, app: &str, pack: &str, version: u64) -> bool {
        let Some(extension) = self.extension_for(app) else {
            return false;
        };
        let Some(record) = self.state.apps.get(app) else {
            return false;
        };
        let Some(listed) = record
            .packs
            .get(pack)
            .and_then(|p| p.observed.listed.as_ref())
            .filter(|l| l.version == version)
        else {
            return false;
        };
        let request = ExtensionRequest::ShouldDownload {
            app: app.to_string(),
            pack: PackInfo {
                id: pack.to_string(),
                version,
                policy: listed.download_policy.into(),
                download_size: listed.download_size,
                install_size: listed.install_size,
                user_info: listed.user_info.clone(),
            },
        };
        let container = self.paths.container(record.app.container_name());
        let limits = self.config.extension_limits;
        let internal = self.internal.clone();
        let name = extension.name();
        self.extension_call_began(app);
        if let Some(entry) = self.pack_mut(app, pack) {
            entry.live.asking = Some(version);
            entry.note(
                "asking",
                format!("version {version}: asking the downloader extension ({name})"),
            );
        }
        let (app, pack) = (app.to_string(), pack.to_string());
        tokio::spawn(async move {
            let answer = match extension.call(&container, &request, &limits).await {
                Ok(Answer::ShouldDownload(answer)) => Ok(answer.should_download),
                // `call` reads the answer of the event asked; another cannot come back.
                Ok(_) => Ok(true),
                Err(error) => Err(error),
            };
            let asked = Asked {
                app,
                pack,
                version,
                extension: name,
                answer,
            };
            let _ = internal.send(Internal::Asked(asked)).await;
        });
        true
    }

    /// Records that the app's extension gave no answer to `event`: kept on the app (the
    /// inspector and `ctl status` show it), told to observers (the event log), logged.
    pub fn extension_failed(&mut self, app: &str, event: &str, error: &ExtensionError) {
        tracing::warn!("{error}");
        let failure = ExtensionFailure {
            extension: error.extension.clone(),
            event: event.to_string(),
            kind: error.kind().as_str().to_string(),
            message: error.to_string(),
            at_ms: now_ms(),
        };
        if let Some(record) = self.state.apps.get_mut(app) {
            record.extension_error = Some(failure.clone());
            self.dirty = true;
            self.views.app_changed(app);
        }
        let kind = ManagerEventKind::ExtensionFailed {
            asked: failure.event,
            kind: failure.kind,
            message: failure.message,
        };
        self.emit(app, None, kind);
    }

    /// Keeps the extension's answer and plans the pack again.
    pub async fn on_asked(&mut self, asked: Asked) {
        let Asked {
            app,
            pack,
            version,
            extension,
            answer,
        } = asked;
        self.extension_call_ended(&app);
        let Some(entry) = self.pack_mut(&app, &pack) else {
            return;
        };
        if entry.live.asking == Some(version) {
            entry.live.asking = None;
        }
        let allowed = match &answer {
            Ok(true) => {
                let detail = format!("version {version}: the downloader extension said yes");
                entry.note("allowed", detail);
                true
            }
            Ok(false) => {
                let detail =
                    format!("version {version}: the downloader extension ({extension}) said no");
                entry.note("vetoed", detail);
                false
            }
            Err(error) => {
                let detail = format!("{error}; it goes ahead as if the app had no extension");
                entry.note("extension failed", detail);
                true
            }
        };
        let failed = answer.as_ref().err().cloned();
        entry.observed.verdict = Some(Verdict {
            version,
            allowed,
            extension: extension.clone(),
        });
        self.dirty = true;
        self.views.pack_changed(&app, &pack);
        if let Some(error) = failed {
            self.extension_failed(&app, "shouldDownload", &error);
        }
        if !allowed {
            let error = PackError::new(
                ErrorKind::VetoedByExtension,
                format!("vetoed by the app's downloader extension ({extension})"),
            );
            let update = StatusUpdate::Failed { error };
            self.emit(&app, Some(&pack), ManagerEventKind::Status { update });
        }
        let scope = [pack.clone()];
        let whole = self.bears_on_app(&app, &pack);
        self.replan(&app, (!whole).then_some(&scope[..])).await;
    }
}
