//! An install that ran out of disk space waits for space, then installs by itself. Part of the
//! actor.
//!
//! The engine already requeues a download that failed `diskFull` once space is freed. An
//! install that fails `diskFull` (its files did not fit beside the archive) would otherwise be
//! final: the archive deleted, the pack failed until someone retries by hand. Instead the pack
//! shows `diskFull`, its verified archive and finished download are kept, and a task looks at
//! the containers' disk every [`SPACE_CHECK_EVERY`]: once the pack's install size is free the
//! actor installs it again. A restart installs kept archives as it does any finished download.

use std::path::PathBuf;
use std::time::Duration;

use super::actor::{Actor, Internal};
use super::key::DownloadKey;
use crate::engine::DownloadState;
use crate::model::{ErrorKind, PackError};

/// How often a pack waiting for space looks at the free space.
pub const SPACE_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Whether an install that failed with `error` waits for space instead of failing for good.
pub fn waits_for_space(error: &PackError) -> bool {
    error.kind == ErrorKind::DiskFull
}

/// Whether the disk holding `dir` has `needed` bytes free.
fn has_room(dir: &std::path::Path, needed: u64) -> bool {
    fs4::available_space(dir).is_ok_and(|free| free >= needed)
}

/// Looks at the free space every [`SPACE_CHECK_EVERY`] until `needed` bytes are free on the disk
/// holding `containers`, then tells the actor (or stops when the actor has gone).
async fn watch_space(
    containers: PathBuf,
    needed: u64,
    internal: tokio::sync::mpsc::Sender<Internal>,
    app: String,
    pack: String,
    version: u64,
) {
    loop {
        tokio::time::sleep(SPACE_CHECK_EVERY).await;
        if internal.is_closed() {
            return;
        }
        let dir = containers.clone();
        let room = tokio::task::spawn_blocking(move || has_room(&dir, needed)).await;
        if room.unwrap_or(false) {
            let _ = internal
                .send(Internal::SpaceFreed { app, pack, version })
                .await;
            return;
        }
    }
}

impl Actor {
    /// The install of `key` failed for lack of space: the pack shows the error, keeps its
    /// archive and finished download, and is installed again once its install size is free.
    pub async fn wait_for_space(&mut self, key: &DownloadKey, error: PackError) {
        self.fail(&key.app, &key.pack, error);
        let needed = self
            .state
            .apps
            .get(&key.app)
            .and_then(|r| r.packs.get(&key.pack))
            .and_then(|p| p.observed.listed.as_ref())
            .map_or(0, |l| l.install_size);
        tokio::spawn(watch_space(
            self.paths.containers_dir(),
            needed,
            self.internal.clone(),
            key.app.clone(),
            key.pack.clone(),
            key.version,
        ));
    }

    /// Space was freed for `version` of `pack`: installs it from its kept archive, unless it was
    /// installed, removed or replaced meanwhile.
    pub async fn on_space_freed(&mut self, app: &str, pack: &str, version: u64) {
        let Some(entry) = self.state.apps.get(app).and_then(|r| r.packs.get(pack)) else {
            return;
        };
        let key = DownloadKey::new(app, pack, version);
        let waiting = entry.intent.wanted.is_some()
            && entry
                .observed
                .listed
                .as_ref()
                .is_some_and(|l| l.version == version)
            && entry
                .observed
                .installed
                .as_ref()
                .is_none_or(|i| i.version < version)
            && entry.live.installing.is_none()
            && entry
                .live
                .download
                .as_ref()
                .is_some_and(|m| m.key == key && m.state == DownloadState::Finished);
        if !waiting {
            return;
        }
        if let Some(entry) = self.pack_mut(app, pack) {
            entry.live.failed = None;
            entry.note("space freed", format!("installing version {version} again"));
        }
        self.replan(app, Some(&[pack.to_string()])).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_disk_waits_for_space() {
        assert!(waits_for_space(&PackError::new(ErrorKind::DiskFull, "x")));
        for kind in [
            ErrorKind::Io,
            ErrorKind::InvalidArchive,
            ErrorKind::InstallSizeExceeded,
        ] {
            assert!(!waits_for_space(&PackError::new(kind, "x")));
        }
    }
}
