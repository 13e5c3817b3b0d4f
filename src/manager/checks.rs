//! Manifest checks and watched folders: fetching manifests off the actor (all apps, or one)
//! and taking their results back, and registering apps that appear in watched folders. Part of
//! the actor.

use std::path::PathBuf;

use super::actor::{Actor, AfterFetch, Internal};
use super::api::Response;
use super::watched::{self, Fingerprint, Outcome};

impl Actor {
    /// Fetches manifests (all apps, or one) in the background; `reply` gets the result.
    pub fn start_update_check(&mut self, app: Option<String>, reply: Option<AfterFetch>) {
        let targets: Vec<(String, crate::model::App, Option<String>, PathBuf)> = self
            .state
            .apps
            .iter()
            .filter(|(id, _)| app.as_ref().is_none_or(|a| a == *id))
            .map(|(id, record)| {
                let cache = self.paths.manifest_cache(&record.app.bundle_id);
                let etag = record.manifest_etag.clone();
                (id.clone(), record.app.clone(), etag, cache)
            })
            .collect();
        let client = self.client.clone();
        let internal = self.internal.clone();
        let insecure = self.config.insecure_hosts.clone();
        tokio::spawn(async move {
            let mut results = Vec::new();
            for (id, app, etag, cache) in targets {
                let result =
                    super::fetch::fetch(&client, &app, etag.as_deref(), &cache, &insecure).await;
                results.push((id, result));
            }
            let _ = internal.send(Internal::Manifests { results, reply }).await;
        });
    }

    pub(super) async fn on_internal(&mut self, work: Internal) {
        match work {
            Internal::Manifests { results, reply } => {
                let mut found = super::api::Updates::default();
                for (app, result) in results {
                    let more = self.apply_manifest(&app, result).await;
                    found.updating.extend(more.updating);
                    found.removed.extend(more.removed);
                }
                match reply {
                    Some(AfterFetch::Updates(reply)) => {
                        self.reply_later(reply, Ok(Response::CheckUpdates(found)));
                    }
                    Some(AfterFetch::App(app, reply)) => {
                        let value = self.app_view(&app).map(|v| Response::Register(Box::new(v)));
                        self.reply_later(reply, value);
                    }
                    Some(AfterFetch::Ensure(app, pack, reply)) => {
                        let value = self
                            .ensure(&app, &pack)
                            .await
                            .map(|v| Response::Ensure(Box::new(v)));
                        self.reply_later(reply, value);
                    }
                    None => {}
                }
            }
            Internal::Replan { app, pack } => self.replan(&app, Some(&[pack])).await,
            Internal::Asked(asked) => self.on_asked(asked).await,
            Internal::Content(done) => self.on_content(done).await,
            Internal::Told(told) => self.on_told(told).await,
            Internal::ContentDue { app, kind } => {
                self.request_content(&app, kind);
            }
            Internal::SpaceFreed { app, pack, version } => {
                self.on_space_freed(&app, &pack, version).await
            }
        }
    }

    /// Registers apps found in watched folders (new ones, and ones whose version changed),
    /// reading only entries whose Info.plist is new or changed ([`super::watched`]), then
    /// watches what is there now ([`super::folder_watch`]); true when a watch was added (one
    /// more scan then catches what arrived before it).
    pub(super) async fn scan_watched_folders(&mut self) -> bool {
        let mut folders = vec![self.paths.apps_dir()];
        folders.extend(self.settings.watched_folders.iter().cloned());
        let known: std::collections::BTreeMap<PathBuf, String> = self
            .state
            .apps
            .values()
            .map(|r| (r.source.clone(), r.app.bundle_version.clone()))
            .collect();
        let mut present = std::collections::HashSet::new();
        for folder in folders.iter() {
            for path in super::registry::scan(folder) {
                present.insert(path.clone());
                let fingerprint = Fingerprint::of(&path);
                let previous = self.watched.get(&path);
                if !watched::must_read(previous, fingerprint, |p| known.contains_key(p)) {
                    continue;
                }
                let outcome = self.register_watched(&path, &known).await;
                if let Some(fingerprint) = fingerprint {
                    self.watched.remember(path, fingerprint, outcome);
                }
            }
        }
        self.watched.keep_only(&present);
        let missing = folders.iter().any(|folder| !folder.is_dir());
        self.folder_watch
            .sync(super::folder_watch::wanted(&folders), missing)
    }

    /// Reads the watched-folder entry `path` and registers its app if it is new or its
    /// version changed; a refusal is said in the log (once: it is read again only when it
    /// changes).
    async fn register_watched(
        &mut self,
        path: &std::path::Path,
        known: &std::collections::BTreeMap<PathBuf, String>,
    ) -> Outcome {
        let (app, plist) = match super::registry::read_app(path) {
            Ok((app, plist, _)) => (app, plist),
            Err(error) => {
                tracing::warn!(
                    "cannot read the app at {} in a watched folder: {error}",
                    path.display()
                );
                return Outcome::Refused;
            }
        };
        if known.get(&plist) == Some(&app.bundle_version) {
            return Outcome::Registered(plist);
        }
        match self.register(path).await {
            Ok(app) => {
                self.start_update_check(Some(app), None);
                Outcome::Registered(plist)
            }
            Err(error) => {
                tracing::warn!(
                    "cannot register {} from a watched folder: {error}",
                    path.display()
                );
                Outcome::Refused
            }
        }
    }
}
