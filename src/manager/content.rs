//! Content requests (`contentRequest`): the app's downloader extension is asked which
//! downloads of its own to schedule, at the app's installation and at each update (once per
//! `CFBundleVersion`, after a manifest was read) and periodically. The call runs off the actor,
//! holding the app's exclusive control on the extension's behalf (an app connection that holds
//! it first makes the request wait); the downloads it answers are scheduled as the
//! extension's, with Apple's rules (essential only at install and update). Part of the actor.

use std::time::Duration;

use super::actor::{Actor, Internal};
use super::downloads::Scheduler;
use super::state::{AppRecord, ExtensionFailure, now_ms};
use crate::extension::{Answer, ExtensionError, ExtensionRequest};
use crate::model::{ContentKind, DownloadSpec, InstallationEvent};

/// How long to wait before trying again a content request whose app's exclusive control is
/// held by someone else.
const LOCKED_RETRY: Duration = Duration::from_millis(250);

/// What came back from one content request.
#[derive(Debug)]
pub struct ContentDone {
    /// The app.
    pub app: String,
    /// Why it was asked.
    pub kind: ContentKind,
    /// The exclusive-control lease taken for it.
    pub lease: u64,
    /// The downloads the extension asked for, or why it gave no answer.
    pub result: Result<Vec<DownloadSpec>, ExtensionError>,
}

/// The content request an app is due after a manifest was read: `install` at its first
/// installation, `update` after a new `CFBundleVersion`, once per version.
pub fn due(record: &AppRecord) -> Option<ContentKind> {
    if record.content_asked_for.as_deref() == Some(record.app.bundle_version.as_str()) {
        return None;
    }
    Some(match record.event {
        InstallationEvent::FirstInstallation => ContentKind::Install,
        InstallationEvent::SubsequentUpdate => ContentKind::Update,
    })
}

impl Actor {
    /// Asks `app`'s extension for content if its installation or update was not asked yet.
    pub fn request_due_content(&mut self, app: &str) {
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        if let Some(kind) = due(record)
            && self.request_content(app, kind)
            && let Some(record) = self.state.apps.get_mut(app)
        {
            record.content_asked_for = Some(record.app.bundle_version.clone());
            self.dirty = true;
        }
    }

    /// The periodic content request, to every app with an extension and a manifest read,
    /// but one whose last periodic request is still running or waiting: periods missed meanwhile
    /// (a slow extension, exclusive control held) make one request, not one each.
    pub fn request_periodic_content(&mut self) {
        let apps: Vec<String> = self
            .state
            .apps
            .iter()
            .filter(|(id, r)| r.manifest_known() && !self.periodic_pending.contains(*id))
            .map(|(id, _)| id.clone())
            .collect();
        for app in apps {
            if self.request_content(&app, ContentKind::Periodic) {
                self.periodic_pending.insert(app);
            }
        }
    }

    /// Asks `app`'s extension for content of `kind`, off the actor; true when asked (or to be
    /// asked once the app's exclusive control is free), false when it has no extension.
    pub fn request_content(&mut self, app: &str, kind: ContentKind) -> bool {
        let (Some(extension), Some(record)) = (self.extension_for(app), self.state.apps.get(app))
        else {
            if kind == ContentKind::Periodic {
                self.periodic_pending.remove(app); // a retry whose app or extension is gone
            }
            return false;
        };
        let limits = self.config.extension_limits;
        let hold_ms = u64::try_from(limits.time.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(5_000);
        let Some(lease) = self.exclusive.try_acquire(app, hold_ms, now_ms()) else {
            // An app connection holds the app's downloads: asked once it lets go.
            let (internal, app) = (self.internal.clone(), app.to_string());
            tokio::spawn(async move {
                tokio::time::sleep(LOCKED_RETRY).await;
                let _ = internal.send(Internal::ContentDue { app, kind }).await;
            });
            return true;
        };
        let manifest = self.cached_manifest(record);
        let request = ExtensionRequest::ContentRequest {
            app: app.to_string(),
            kind,
            manifest_url: record.app.manifest_url.clone(),
            manifest,
            allowance: super::downloads::rules::allowance_left(record),
        };
        let container = self.paths.container(record.app.container_name());
        let internal = self.internal.clone();
        self.extension_call_began(app);
        let app = app.to_string();
        tracing::info!(
            "{app}: asking {} for content ({})",
            extension.name(),
            kind.as_str()
        );
        tokio::spawn(async move {
            let result = match extension.call(&container, &request, &limits).await {
                Ok(Answer::Content(answer)) => Ok(answer.downloads),
                // `call` reads the answer of the event asked; another cannot come back.
                Ok(_) => Ok(Vec::new()),
                Err(error) => Err(error),
            };
            let done = ContentDone {
                app,
                kind,
                lease: lease.id,
                result,
            };
            let _ = internal.send(Internal::Content(done)).await;
        });
        true
    }

    /// The manifest the app last read, as JSON (null when its cache cannot be read).
    fn cached_manifest(&self, record: &AppRecord) -> serde_json::Value {
        let path = self.paths.manifest_cache(&record.app.bundle_id);
        let small = std::fs::metadata(&path)
            .is_ok_and(|m| m.len() <= super::fetch::MAX_MANIFEST_BYTES as u64);
        small
            .then(|| std::fs::read(&path).ok())
            .flatten()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// Schedules the downloads a content request answered, then lets go of the app's
    /// exclusive control. A download the rules refuse is named on the app, as an extension's
    /// error; the others go ahead.
    pub async fn on_content(&mut self, done: ContentDone) {
        let ContentDone {
            app,
            kind,
            lease,
            result,
        } = done;
        self.extension_call_ended(&app);
        if kind == ContentKind::Periodic {
            self.periodic_pending.remove(&app);
        }
        match result {
            Err(error) => self.extension_failed(&app, "contentRequest", &error),
            Ok(downloads) => {
                let mut refused = Vec::new();
                for spec in downloads {
                    let id = spec.identifier.to_string();
                    let by = Scheduler::Extension { content: kind };
                    if let Err(error) = self.schedule_app_download(&app, spec, by).await {
                        refused.push(format!("`{id}`: {} — {}", error.kind, error.message));
                    }
                }
                if !refused.is_empty() {
                    self.extension_refused(&app, &refused);
                }
            }
        }
        self.exclusive.release(&app, lease);
        self.wake_exclusive();
    }

    /// Downloads an extension asked for that the rules refused: kept on the app and logged.
    fn extension_refused(&mut self, app: &str, refused: &[String]) {
        let extension = self
            .extension_for(app)
            .map(|e| e.name())
            .unwrap_or_default();
        let message = format!(
            "extension `{extension}` of {app} asked for downloads that were refused: {}",
            refused.join("; ")
        );
        tracing::warn!("{message}");
        if let Some(record) = self.state.apps.get_mut(app) {
            record.extension_error = Some(ExtensionFailure {
                extension,
                event: "contentRequest".into(),
                kind: "refused".into(),
                message,
                at_ms: now_ms(),
            });
            self.dirty = true;
            self.views.app_changed(app);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(version: &str, event: InstallationEvent) -> AppRecord {
        let plist = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>org.example.game</string>
<key>CFBundleVersion</key><string>{version}</string>
<key>BAManifestURL</key><string>http://127.0.0.1:9/manifest.json</string>
<key>BAHasManagedAssetPacks</key><true/></dict></plist>"#
        );
        let mut record: AppRecord = serde_json::from_value(serde_json::json!({
            "app": crate::model::App::parse("test", plist.as_bytes()).unwrap(),
            "source": "/tmp/Info.plist",
            "event": "firstInstallation",
        }))
        .unwrap();
        record.event = event;
        record
    }

    #[test]
    fn install_and_update_are_asked_once_per_version() {
        let mut first = record("1", InstallationEvent::FirstInstallation);
        assert_eq!(due(&first), Some(ContentKind::Install));
        first.content_asked_for = Some("1".into());
        assert_eq!(due(&first), None);
        let mut update = record("2", InstallationEvent::SubsequentUpdate);
        update.content_asked_for = Some("1".into());
        assert_eq!(due(&update), Some(ContentKind::Update));
    }
}
