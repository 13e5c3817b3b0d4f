//! Handing a pack's listed version to the engine: the request (its URL, the mirrors the app's
//! allow list lets it use, size, SHA-256, priority), the manager's mirror of the download, and
//! a download the engine already had under that id. Part of the actor.

use super::actor::Actor;
use super::event::ManagerEventKind;
use super::key::DownloadKey;
use super::mirror::Mirror;
use crate::engine::{self, DownloadRequest, Priority};
use crate::model::PackError;

impl Actor {
    /// Hands `key` to the engine from `url`; true when it failed at once (the pack failed).
    pub(super) async fn start_download(&mut self, key: DownloadKey, url: url::Url) -> bool {
        let Some(record) = self.state.apps.get(&key.app) else {
            return false;
        };
        let Some(entry) = record.packs.get(&key.pack) else {
            return false;
        };
        let Some(listed) = entry.observed.listed.clone() else {
            return false;
        };
        let destination = self
            .paths
            .pack_archive(&record.app.bundle_id, &listed.id, key.version);
        let pinned = entry.intent.pinned;
        let (mirrors, refused) =
            super::origins::usable(record, &listed, &self.config.insecure_hosts);
        let request = DownloadRequest {
            id: key.id(),
            url: url.clone(),
            mirrors,
            destination: destination.clone(),
            expected_size: Some(listed.download_size),
            max_size: None,
            sha256: Some(listed.sha256),
            priority: Priority(super::queue::download_priority(entry)),
            essential: listed.download_policy.is_essential(),
            allowed_hosts: record.app.restrictions.domain_allow_list.clone(),
            headers: Vec::new(),
        };
        let partial = request.partial_path();
        match self.downloads.enqueue(request).await {
            Err(engine::EngineError::AlreadyScheduled(_)) => {
                self.adopt_scheduled(&key).await;
                false
            }
            Ok(()) => {
                let mut mirror = Mirror::queued(key.clone(), url, partial, listed.download_size);
                mirror.priority = super::queue::download_priority(entry);
                if let Some(pack) = self.pack_mut(&key.app, &key.pack) {
                    for refusal in refused {
                        pack.note("mirror", refusal);
                    }
                    pack.note("queued", format!("version {}", key.version));
                    pack.live.download = Some(mirror);
                }
                if pinned {
                    let _ = self.downloads.move_to_top(&key.id()).await;
                    if let Some(m) = self.mirror_mut(&key) {
                        (m.priority, m.top) = (i64::MAX, true);
                    }
                }
                self.emit(&key.app, Some(&key.pack), ManagerEventKind::Queued);
                false
            }
            Err(error) => {
                let error = PackError::new(error.kind(), error.to_string());
                self.fail(&key.app, &key.pack, error);
                true
            }
        }
    }
}
