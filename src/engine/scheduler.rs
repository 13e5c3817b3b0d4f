//! Which downloads run: the one moved to the top first (the person's "first" wins), then
//! essential ones, then by priority (the foreground band, what a person or an app asked for now,
//! above background work), then by age; never more than the concurrency limit, nor more than the
//! per-host limit from one host. When every slot is busy and an urgent download waits (top,
//! essential or foreground), the lowest-ranked running download that is not urgent is paused to
//! make room (its partial file kept). A download whose bytes are all in (verifying: its file
//! synced, checked and renamed into place) gives its slot to the next one, so many small files
//! do not wait for each other's disk syncs; up to four times the concurrency limit of them are
//! free ([`verifying_allowance`]), more take slots again, so the syncs in flight stay bounded. Pure functions of the downloads.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use super::Limits;
use super::download::{Download, DownloadState, Priority};

/// Why a queued download has not started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "camelCase")]
pub enum Wait {
    /// Every transfer slot is busy (or it was only just queued).
    #[default]
    Slot,
    /// Slots are free, but its server already has `limit` connections open (the per-host
    /// limit), some of them perhaps a segmented download's.
    Host {
        /// The server.
        host: String,
        /// The per-host limit.
        limit: usize,
    },
}

/// The sort key: smaller runs first.
pub fn rank(download: &Download) -> (Reverse<bool>, Reverse<bool>, Reverse<Priority>, u64) {
    (
        Reverse(download.request.priority == Priority::MAX),
        Reverse(download.request.essential),
        Reverse(download.request.priority),
        download.sequence,
    )
}

/// Whether a download in `state` holds a transfer slot (a connection): connecting or
/// downloading. A verifying download has every byte and holds none.
pub fn transfers(state: &DownloadState) -> bool {
    matches!(
        state,
        DownloadState::Connecting | DownloadState::Downloading
    )
}

/// How many downloads may be verifying (syncing, checking, renaming: no connection held) at
/// once without taking transfer slots: [`VERIFYING_PER_SLOT`] per slot. Small files arrive
/// faster than one `fdatasync` each completes (a 256 KiB file in well under a millisecond on
/// loopback, its sync 3-5 ms here), so with one verifying download per slot the syncs, not the
/// network, set the pace; beyond the allowance they take slots again, which bounds the syncs
/// and open files in flight.
pub fn verifying_allowance(max_total: usize) -> usize {
    max_total.saturating_mul(VERIFYING_PER_SLOT)
}

/// See [`verifying_allowance`].
const VERIFYING_PER_SLOT: usize = 4;

/// Whether `download` may take a running download's slot.
/// The connections a transferring download holds on its host: what its attempt reported (a
/// segmented one may hold several), at least one.
fn held(download: &Download) -> usize {
    download.connections.max(1)
}

/// What the other downloads claim of `host` when download `id` starts there: the connections
/// the running ones hold, and one for each queued one (so that a segmented download leaves
/// them room). A segmented download may open the rest, up to the per-host cap
/// (`segments::connection_cap`).
pub fn host_claims<'a>(
    downloads: impl IntoIterator<Item = &'a Download>,
    id: &str,
    host: &str,
) -> usize {
    downloads
        .into_iter()
        .filter(|d| d.request.id != id && d.host() == host)
        .map(|d| match d.state {
            ref state if transfers(state) => held(d),
            DownloadState::Queued => 1,
            _ => 0,
        })
        .fold(0usize, usize::saturating_add)
}

fn is_urgent(download: &Download) -> bool {
    download.request.essential || download.request.priority.is_foreground()
}

/// A queued download in a max-heap that pops the best-ranked (smallest [`rank`]) first.
struct Ranked<'a>(&'a Download);

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        rank(other.0).cmp(&rank(self.0))
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked<'_> {}

/// What the scheduler decided.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Queued downloads to start now, best first.
    pub start: Vec<String>,
    /// Running downloads to pause so urgent ones can start.
    pub preempt: Vec<String>,
    /// Queued downloads left waiting while slots are free: their host is at its cap.
    pub host_full: Vec<String>,
}

/// Decides what to start and what to preempt.
pub fn decide<'a>(downloads: impl IntoIterator<Item = &'a Download>, limits: &Limits) -> Decision {
    let mut queued = Vec::new();
    let mut running = Vec::new();
    let mut verifying = 0usize;
    for download in downloads {
        match download.state {
            DownloadState::Queued => queued.push(download),
            ref state if transfers(state) => running.push(download),
            ref state if state.is_active() => verifying += 1,
            _ => {}
        }
    }
    // Best first, taken one at a time: usually a slot or two is free and the loop below stops
    // after a candidate or two, so the queue (thousands, after every report) is not sorted.
    let mut queued: BinaryHeap<Ranked<'_>> = queued.into_iter().map(Ranked).collect();
    running.sort_by_key(|d| Reverse(rank(d)));

    let max_total = limits.max_concurrent.max(1);
    let max_host = limits.max_per_host.max(1);
    let mut per_host: HashMap<&str, usize> = HashMap::new();
    for download in &running {
        *per_host.entry(download.host()).or_default() += held(download);
    }
    // Verifying downloads beyond their allowance take slots again.
    let mut active = running
        .len()
        .saturating_add(verifying.saturating_sub(verifying_allowance(max_total)));
    // Lowest ranked first: the downloads an urgent one may take a slot from.
    let mut victims: Vec<&Download> = running.iter().copied().filter(|d| !is_urgent(d)).collect();
    let mut decision = Decision::default();
    while let Some(Ranked(candidate)) = queued.pop() {
        if active >= max_total && !is_urgent(candidate) {
            // Every urgent download ranks above every other one, so no candidate after this
            // one may take a slot either: stop here (with thousands queued, the scheduler
            // runs after every report).
            break;
        }
        let host = candidate.host();
        let host_full = per_host.get(host).copied().unwrap_or(0) >= max_host;
        if host_full || active >= max_total {
            // Only an urgent download may take a slot, from a lower-ranked, non-urgent one (on
            // the same host when that host is at its cap).
            let slot_free = active < max_total;
            if !is_urgent(candidate) {
                if slot_free {
                    decision.host_full.push(candidate.request.id.clone());
                }
                continue;
            }
            let Some(index) = victims
                .iter()
                .position(|v| rank(v) > rank(candidate) && (!host_full || v.host() == host))
            else {
                if host_full && slot_free {
                    decision.host_full.push(candidate.request.id.clone());
                }
                continue;
            };
            let victim = victims.remove(index);
            decision.preempt.push(victim.request.id.clone());
            if let Some(count) = per_host.get_mut(victim.host()) {
                *count = count.saturating_sub(held(victim));
            }
            active -= 1;
        }
        *per_host.entry(host).or_default() += 1;
        active += 1;
        decision.start.push(candidate.request.id.clone());
    }
    if active >= max_total {
        // A later start took the last free slot: the ones named earlier wait for a slot too,
        // as the next pass (which stops at once) would say.
        decision.host_full.clear();
    }
    decision
}

/// The downloads whose [`Wait`] is not what it should be now: a queued download waits for its
/// host when `host_bound` names it (slots free, its host at the cap of `limit`), else for a
/// slot; a download that is not queued is back at [`Wait::Slot`] (so that, queued again, it
/// waits for a slot until told otherwise). Allocates only for a change, so the scheduler can
/// run it after every report.
pub fn changed_waits<'a>(
    downloads: impl IntoIterator<Item = &'a Download>,
    host_bound: &std::collections::HashSet<String>,
    limit: usize,
) -> Vec<(String, Wait)> {
    downloads
        .into_iter()
        .filter_map(|d| {
            let bound = d.state == DownloadState::Queued && host_bound.contains(&d.request.id);
            let right = match &d.wait {
                Wait::Slot => !bound,
                Wait::Host { host, limit: l } => bound && host == d.host() && *l == limit,
            };
            (!right).then(|| {
                let wait = match bound {
                    true => Wait::Host {
                        host: d.host().to_string(),
                        limit,
                    },
                    false => Wait::Slot,
                };
                (d.request.id.clone(), wait)
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
