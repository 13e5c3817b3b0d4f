//! What follows the first round of a delta, while the reused files are still hashed: each
//! installed file found not to hold its bytes (or that could not be linked) is fetched instead
//! as soon as it is known. The delta is planned again, the ranges not fetched yet are fetched
//! into the scratch copy and the entries not inflated yet are inflated into staging, so the
//! changed files are in by the time the last reused file is hashed.
//!
//! The first failure (the delta no longer worth it, a fetch or an inflate failing) raises the
//! `halt` flag, which stops the hashing too: the fallback to the whole archive never waits for
//! hashes that no longer matter.

use std::collections::HashSet;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedReceiver;

use super::parts::{StageParts, joined_task, stopped};
use super::rounds::Fetched;
use super::{PatchError, PatchRequest, http, plan, scratch};
use crate::store::positioned::write_at;

/// The plan as refusals come in, and what of it is fetched and inflated.
pub struct FollowUp<'a> {
    request: &'a PatchRequest,
    origin: &'a http::Origin<'a>,
    fetched: &'a Fetched,
    stage: Arc<StageParts>,
    staging: PathBuf,
    cancel: Arc<AtomicBool>,
    /// Raised at the first failure of any part of the delta: stops the hashing, the inflating
    /// and this.
    halt: Arc<AtomicBool>,
    /// Which listed files may still be reused.
    reusable: Vec<bool>,
    /// The ranges fetched so far.
    ranges: Vec<Range<u64>>,
    /// The entries inflated so far, or being inflated by the first round's task.
    inflated: HashSet<(usize, usize)>,
    /// The plan as it stands.
    patch: plan::Patch,
    /// The scratch copy, opened at the first range fetched here.
    copy: Option<std::fs::File>,
}

impl<'a> FollowUp<'a> {
    /// Starts from the first round: `candidates` reusable, its ranges fetched, its entries
    /// being inflated into `staging`. It stops once `cancel` (the user's) or `halt` (the
    /// delta's) is set.
    pub fn new(
        request: &'a PatchRequest,
        origin: &'a http::Origin<'a>,
        fetched: &'a Fetched,
        candidates: &[bool],
        stage: Arc<StageParts>,
        staging: PathBuf,
        (cancel, halt): (Arc<AtomicBool>, Arc<AtomicBool>),
    ) -> Self {
        FollowUp {
            request,
            origin,
            fetched,
            stage,
            staging,
            cancel,
            halt,
            reusable: candidates.to_vec(),
            // The tail (central directory and probe) is fetched too: never again.
            ranges: fetched
                .patch
                .ranges
                .iter()
                .cloned()
                .chain(std::iter::once(
                    request.download_size.saturating_sub(fetched.tail)..request.download_size,
                ))
                .collect(),
            inflated: fetched.patch.fetch.iter().copied().collect(),
            patch: fetched.patch.clone(),
            copy: None,
        }
    }

    /// Takes the refused files as they come until `refusals` ends (the hashing is over), and
    /// fetches and inflates each batch; at its first failure raises the halt and stops. Ends
    /// at once when another part raised it (that part says why).
    pub async fn follow(
        &mut self,
        refusals: &mut UnboundedReceiver<usize>,
    ) -> Result<(), PatchError> {
        while let Some(first) = refusals.recv().await {
            if self.halt.load(Ordering::Relaxed) {
                return Ok(());
            }
            let mut batch = vec![first];
            while let Ok(more) = refusals.try_recv() {
                batch.push(more);
            }
            if let Err(error) = self.refuse(&batch).await {
                self.halt.store(true, Ordering::Relaxed);
                return Err(error);
            }
        }
        Ok(())
    }

    /// Plans again with the files `refused` (indexes into the list) fetched instead of reused,
    /// fetches the ranges not fetched yet and inflates the entries not inflated yet. The delta
    /// must still be worth it. Files refused before change nothing.
    pub async fn refuse(&mut self, refused: &[usize]) -> Result<(), PatchError> {
        let mut changed = false;
        for &at in refused {
            if let Some(reusable) = self.reusable.get_mut(at) {
                changed |= std::mem::replace(reusable, false);
            }
        }
        if !changed {
            return Ok(());
        }
        let (fetched, size) = (self.fetched, self.request.download_size);
        plan::worth_trying(&fetched.list, &self.reusable)
            .map_err(|reason| PatchError::NotWorth { reason })?;
        let patch = plan::plan(
            &fetched.list,
            &self.reusable,
            &fetched.entries,
            fetched.central,
            size,
            fetched.tail,
        )
        .map_err(|problem| PatchError::Archive {
            url: self.stage.url.clone(),
            problem,
        })?;
        let wanted = plan::missing(&patch.ranges, &self.ranges);
        if !wanted.is_empty() {
            let copy = match self.copy.take() {
                Some(copy) => copy,
                None => scratch::reopen(&self.request.scratch)?,
            };
            let copy = &*self.copy.insert(copy);
            let mut write = |at: u64, bytes: &[u8]| write_at(copy, bytes, at);
            for range in wanted {
                self.origin
                    .get_range(&self.request.archive_url, range.clone(), size, &mut write)
                    .await?;
                self.ranges.push(range);
            }
        }
        let extra: Vec<(usize, usize)> = patch
            .fetch
            .iter()
            .filter(|entry| !self.inflated.contains(entry))
            .copied()
            .collect();
        if !extra.is_empty() {
            let (stage, staging) = (self.stage.clone(), self.staging.clone());
            let (cancel, halt, which) = (self.cancel.clone(), self.halt.clone(), extra.clone());
            let inflated = tokio::task::spawn_blocking(move || {
                let stop = || stopped(&cancel, &halt);
                stage.inflate(&staging, &which, &stop)
            })
            .await;
            joined_task(inflated, self.request)??;
            self.inflated.extend(extra);
        }
        self.patch = patch;
        Ok(())
    }

    /// The plan as it stands: what to reuse and what was fetched.
    pub fn into_patch(self) -> plan::Patch {
        self.patch
    }
}
