//! What an app's downloader extension hears of the app's own downloads: `finished` (with the
//! verified file's path; its answer may move the file elsewhere in the container), `failed`
//! (with the typed error), and `authChallenge` when the server answers 401 or 403 (its answer's
//! headers or fresh URL are tried once). Calls run off the actor; an extension that gives no
//! answer is named on the app and changes nothing. Part of the actor.

use std::path::{Component, Path, PathBuf};

use url::Url;

use super::AppDownloadState;
use crate::engine;
use crate::extension::message::{AuthAnswer, DownloadRef};
use crate::extension::{Answer, ExtensionError, ExtensionRequest};
use crate::manager::actor::{Actor, Internal};
use crate::manager::key::AppDownloadKey;
use crate::model::{Header, PackError};

/// What came back from telling an extension about an app download.
#[derive(Debug)]
pub struct Told {
    /// The app.
    pub app: String,
    /// The download.
    pub identifier: String,
    /// The event told (`finished`, `failed`, `authChallenge`).
    pub event: &'static str,
    /// Its answer, or why there is none.
    pub outcome: Result<Answer, ExtensionError>,
}

/// Whether an error is a server's refusal of credentials, which an extension may fix.
pub fn is_auth_challenge(error: &PackError) -> bool {
    matches!(error.http_status, Some(401 | 403))
}

/// `relative` (checked by the answer's parser: relative, no `..`) inside `container`, if its
/// folder, once made, is still inside the container (no symlink leads out) and nothing is
/// there yet.
pub fn move_target(container: &Path, relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(format!("`{relative}` is not a plain relative path"));
    }
    let target = container.join(path);
    let parent = target.parent().unwrap_or(container);
    make_folders_inside(container, parent, relative)?;
    let (real_parent, real_container) = (parent.canonicalize(), container.canonicalize());
    match (real_parent, real_container) {
        (Ok(p), Ok(c)) if p.starts_with(&c) => {}
        _ => return Err(format!("`{relative}` leads out of the app's container")),
    }
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(format!(
            "{} already exists; the manager never replaces a file there",
            target.display()
        ));
    }
    Ok(target)
}

/// Makes the folders from `container` down to `parent` one at a time, never through a link:
/// `create_dir_all` would follow a link the extension left in the container and make folders
/// wherever it points before any check could refuse the move.
fn make_folders_inside(container: &Path, parent: &Path, relative: &str) -> Result<(), String> {
    let Ok(below) = parent.strip_prefix(container) else {
        return Err(format!("`{relative}` leads out of the app's container"));
    };
    let mut folder = container.to_path_buf();
    for part in below.components() {
        folder.push(part);
        match std::fs::symlink_metadata(&folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(format!(
                    "`{relative}` leads out of the app's container or through a file: {} is \
                     not a folder",
                    folder.display()
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&folder)
                .map_err(|e| format!("cannot make {}: {e}", folder.display()))?,
            Err(e) => return Err(format!("cannot read {}: {e}", folder.display())),
        }
    }
    Ok(())
}

impl Actor {
    /// Tells the app's extension (if it has one) that download `identifier` ended.
    pub(in crate::manager) fn tell_download_ended(&mut self, app: &str, identifier: &str) {
        let Some(download) = self.app_download(app, identifier) else {
            return;
        };
        let reference = DownloadRef {
            identifier: download.spec.identifier.clone(),
            url: download.spec.url.clone(),
        };
        let (request, event) = match &download.state {
            AppDownloadState::Finished { path } => (
                ExtensionRequest::Finished {
                    app: app.to_string(),
                    download: reference,
                    path: path.clone(),
                },
                "finished",
            ),
            AppDownloadState::Failed { error } => (
                ExtensionRequest::Failed {
                    app: app.to_string(),
                    download: reference,
                    error: error.clone(),
                },
                "failed",
            ),
            _ => return,
        };
        self.tell(app, identifier, request, event);
    }

    /// Asks the app's extension for credentials for download `identifier`, which the server
    /// refused with `error`; false when the app has no extension.
    pub(in crate::manager) fn ask_for_credentials(
        &mut self,
        app: &str,
        identifier: &str,
        error: &PackError,
    ) -> bool {
        if self.extension_for(app).is_none() {
            return false;
        }
        let Some(download) = self.app_download(app, identifier) else {
            return false;
        };
        let request = ExtensionRequest::AuthChallenge {
            app: app.to_string(),
            download: DownloadRef {
                identifier: download.spec.identifier.clone(),
                url: download.spec.url.clone(),
            },
            url: download.spec.url.clone(),
            status: error.http_status.unwrap_or(403),
            www_authenticate: None,
        };
        self.tell(app, identifier, request, "authChallenge");
        true
    }

    fn tell(
        &mut self,
        app: &str,
        identifier: &str,
        request: ExtensionRequest,
        event: &'static str,
    ) {
        let Some(extension) = self.extension_for(app) else {
            return;
        };
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        let container = self.paths.container(record.app.container_name());
        let limits = self.config.extension_limits;
        let internal = self.internal.clone();
        let (app, identifier) = (app.to_string(), identifier.to_string());
        self.extension_call_began(&app);
        tokio::spawn(async move {
            let outcome = extension.call(&container, &request, &limits).await;
            let told = Told {
                app,
                identifier,
                event,
                outcome,
            };
            let _ = internal.send(Internal::Told(told)).await;
        });
    }

    /// Takes an extension's answer about an app download.
    pub(in crate::manager) async fn on_told(&mut self, told: Told) {
        let Told {
            app,
            identifier,
            event,
            outcome,
        } = told;
        self.extension_call_ended(&app);
        match outcome {
            Err(error) => {
                self.extension_failed(&app, event, &error);
                if event == "authChallenge" {
                    self.give_up_auth(&app, &identifier).await;
                }
            }
            Ok(Answer::Finished(answer)) => {
                if let Some(relative) = answer.move_to {
                    self.move_finished(&app, &identifier, &relative);
                }
            }
            Ok(Answer::Auth(answer)) => self.retry_with(&app, &identifier, answer).await,
            Ok(_) => {}
        }
    }

    /// Moves a finished download where the extension asked, inside the container.
    fn move_finished(&mut self, app: &str, identifier: &str, relative: &str) {
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        let container = self.paths.container(record.app.container_name());
        let Some(AppDownloadState::Finished { path }) =
            record.downloads.get(identifier).map(|d| d.state.clone())
        else {
            return;
        };
        // A link, then the old name removed: a file that appeared at `to` since the check is
        // never replaced (a rename would).
        let moved = move_target(&container, relative).and_then(|to| {
            std::fs::hard_link(&path, &to)
                .and_then(|()| std::fs::remove_file(&path))
                .map(|()| to)
                .map_err(|e| e.to_string())
        });
        match moved {
            Ok(to) => {
                if let Some(download) = self.app_download_mut(app, identifier) {
                    download.state = AppDownloadState::Finished { path: to };
                    download.placed = None; // the app's own file now
                    download.placed_id = None;
                }
                self.dirty = true;
                self.app_downloads_changed(app, identifier);
            }
            Err(problem) => tracing::warn!(
                "{app}: download `{identifier}` stays at {}: the extension's moveTo `{relative}` \
                 was refused: {problem}",
                path.display()
            ),
        }
    }

    /// Tries download `identifier` once more with the extension's credentials; an answer
    /// with none gives up.
    async fn retry_with(&mut self, app: &str, identifier: &str, answer: AuthAnswer) {
        let headers = answer.headers.unwrap_or_default();
        if headers.is_empty() && answer.url.is_none() {
            return self.give_up_auth(app, identifier).await;
        }
        let url: Option<Url> = answer.url;
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        if let Some(url) = &url
            && let Err(error) =
                crate::manager::fetch::check_url(&record.app, url, &self.config.insecure_hosts)
        {
            tracing::warn!("{app}: the extension's URL for `{identifier}` is refused: {error}");
            return self.give_up_auth(app, identifier).await;
        }
        let Some(download) = self.app_download_mut(app, identifier) else {
            return;
        };
        if let Some(url) = url {
            if url.origin() != download.spec.url.origin() {
                // The app's headers (its token) were meant for the old origin only.
                download.spec.headers.clear();
            }
            download.spec.url = url;
        }
        merge_headers(&mut download.spec.headers, headers);
        download.state = AppDownloadState::Waiting;
        download.detail = Some("trying again with the extension's credentials".into());
        let download = download.clone();
        let Some(request) = self.app_download_request(app, &download) else {
            return;
        };
        let key = AppDownloadKey::new(app, download.spec.identifier.clone());
        let _ = self.downloads.forget(engine::Targets::one(key.id())).await;
        if let Err(error) = self.downloads.enqueue(request).await {
            tracing::warn!("{app}: cannot try `{identifier}` again: {error}");
        }
        self.dirty = true;
        self.app_downloads_changed(app, identifier);
    }

    /// The download keeps the failure the server gave it.
    async fn give_up_auth(&mut self, app: &str, identifier: &str) {
        let error = self
            .app_download(app, identifier)
            .and_then(|d| d.auth_error.clone());
        if let (Some(error), Ok(identifier)) =
            (error, crate::model::DownloadIdentifier::parse(identifier))
        {
            let key = AppDownloadKey::new(app, identifier);
            self.fail_app_download(&key, error).await;
        }
    }
}

/// `headers` with each of `fresh` replacing the one of the same name (case-insensitive).
fn merge_headers(headers: &mut Vec<Header>, fresh: Vec<Header>) {
    for header in fresh {
        headers.retain(|h| !h.name.eq_ignore_ascii_case(&header.name));
        headers.push(header);
    }
}

#[cfg(test)]
#[path = "told_tests.rs"]
mod tests;
