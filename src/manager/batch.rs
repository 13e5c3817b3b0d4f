//! The pauses and resumes a re-plan asks of the engine, gathered while an app's packs are
//! planned and sent as one command each, instead of one command per pack: each command is
//! answered after a scheduler pass over every download, so pausing an app of 8,000 packs took
//! 15.6 s (docs/performance.md, "The manager's verbs at scale"). Part of the actor.

use std::collections::HashSet;

use super::actor::Actor;
use super::key::DownloadKey;
use crate::engine::{self, DownloadState, PauseReason};

/// Pauses and resumes not sent yet; a download is in one list at most.
#[derive(Debug, Default)]
pub struct Batch {
    pause: Vec<DownloadKey>,
    resume: Vec<DownloadKey>,
    keys: HashSet<DownloadKey>,
}

impl Batch {
    /// Adds a pause (`pause`) or resume of `key`; gives it back when `key` is already in the
    /// batch (the caller sends the batch first, so the engine sees both in their order).
    pub fn add(&mut self, key: DownloadKey, pause: bool) -> Result<(), DownloadKey> {
        if self.keys.contains(&key) {
            return Err(key);
        }
        self.keys.insert(key.clone());
        if pause {
            self.pause.push(key);
        } else {
            self.resume.push(key);
        }
        Ok(())
    }
}

impl Actor {
    /// Adds a pause (`pause`) or resume of `key` to `batch`, sending the batch first when it
    /// already holds `key`.
    pub async fn batch_verb(&mut self, batch: &mut Batch, key: DownloadKey, pause: bool) {
        if let Err(key) = batch.add(key, pause) {
            self.send_batch(batch).await;
            let _ = batch.add(key, pause);
        }
    }

    /// Sends the batch's pauses, then its resumes, one engine command each, and shows the
    /// downloads as paused (by request) or queued; leaves the batch empty.
    pub async fn send_batch(&mut self, batch: &mut Batch) {
        let Batch { pause, resume, .. } = std::mem::take(batch);
        if !pause.is_empty() {
            let ids = pause.iter().map(DownloadKey::id).collect();
            let _ = self.downloads.pause(engine::Targets::Ids(ids)).await;
            for key in &pause {
                if let Some(m) = self.mirror_mut(key) {
                    m.state = DownloadState::Paused {
                        reason: PauseReason::Requested,
                    };
                }
            }
        }
        if !resume.is_empty() {
            let ids = resume.iter().map(DownloadKey::id).collect();
            let _ = self.downloads.resume(engine::Targets::Ids(ids)).await;
            for key in &resume {
                if let Some(m) = self.mirror_mut(key) {
                    m.state = DownloadState::Queued;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pack: &str) -> DownloadKey {
        format!("org.example.app/{pack}@1").parse().unwrap()
    }

    #[test]
    fn a_download_is_batched_once_and_a_second_verb_for_it_waits_for_the_next_batch() {
        let mut batch = Batch::default();
        assert!(batch.add(key("A"), true).is_ok());
        assert!(batch.add(key("B"), false).is_ok());
        assert_eq!(batch.add(key("A"), false), Err(key("A")));
        assert_eq!(batch.add(key("B"), false), Err(key("B")));
        assert_eq!((batch.pause.len(), batch.resume.len()), (1, 1));
    }
}
