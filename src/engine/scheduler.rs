//! Which downloads run: the one moved to the top first (the person's "first" wins), then
//! essential ones, then by priority (the foreground band, what a person or an app asked for now,
//! above background work), then by age; never more than the concurrency limit, nor more than the
//! per-host limit from one host. When every slot is busy and an urgent download waits (top,
//! essential or foreground), the lowest-ranked running download that is not urgent is paused to
//! make room (its partial file kept). A download whose bytes are all in (verifying: its file
//! synced, checked and renamed into place) gives its slot to the next one, so many small files
//! do not wait for each other's disk syncs; up to four times the concurrency limit of them are
//! free ([`verifying_allowance`]), more take slots again, so the syncs in flight stay bounded.
//! Pure functions of the downloads.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Limits;
use super::download::{Download, DownloadRequest, DownloadState, Priority};

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
    urgent(&download.request)
}

/// Whether a request may take a running download's slot: essential, or in the foreground
/// band (which holds the top).
pub fn urgent(request: &DownloadRequest) -> bool {
    request.essential || request.priority.is_foreground()
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
    /// The hosts at their cap while slots stay free: every queued download of theirs that was
    /// not started waits for its host, not for a slot. Empty once every slot is taken. Hosts,
    /// not downloads: with thousands queued behind one busy server (a segmented download holds
    /// its connections), naming each of them after every report cost milliseconds a pass.
    pub full_hosts: Vec<String>,
    /// Every slot is taken once these start: a download queued next that is not urgent cannot
    /// start until one is freed (`passes`).
    pub full: bool,
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
    // The hosts full at the start stay named below even if an urgent download's preemption
    // frees one of their connections in this pass: the downloads left out still wait for them.
    let full_at_start: Vec<&str> = per_host
        .iter()
        .filter(|(_, count)| **count >= max_host)
        .map(|(host, _)| *host)
        .collect();
    // Lowest ranked first: the downloads an urgent one may take a slot from.
    let mut victims: Vec<&Download> = running.iter().copied().filter(|d| !is_urgent(d)).collect();
    if active >= max_total && victims.is_empty() {
        // Every slot is taken by urgent work: nothing may start, and nothing is ranked (with
        // thousands of packs an app asked for queued, after every report).
        return Decision {
            full: true,
            ..Decision::default()
        };
    }
    // Left out of the heap, so that one pass does not pop thousands: with every slot taken,
    // all but the urgent downloads (only they may take a slot); else those of a host already
    // at its cap that are not urgent (a host fills up in a pass but never empties, except
    // when an urgent download takes a slot of the same host).
    if active >= max_total {
        queued.retain(|d| is_urgent(d));
    } else if !full_at_start.is_empty() {
        queued.retain(|d| is_urgent(d) || !full_at_start.contains(&d.host()));
    }
    // Best first, taken one at a time: usually a slot or two is free and the loop below stops
    // after a candidate or two, so the queue (thousands, after every report) is not sorted.
    let mut queued: BinaryHeap<Ranked<'_>> = queued.into_iter().map(Ranked).collect();
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
            if !is_urgent(candidate) {
                continue;
            }
            let Some(index) = victims
                .iter()
                .position(|v| rank(v) > rank(candidate) && (!host_full || v.host() == host))
            else {
                if !host_full {
                    // Every slot is taken and no running download ranks below this one: none
                    // ranks below the candidates after it either (they rank no better), so
                    // none of them may start. Stopping here keeps a pass short when thousands
                    // of urgent downloads (packs an app asked for) wait behind busy slots.
                    break;
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
    // Slots free to the end means no download was preempted for a slot: a host at its cap
    // now was at it when each of its queued downloads came up, which is why they wait.
    if active < max_total {
        let full_now = per_host.iter().filter(|(_, count)| **count >= max_host);
        let mut full: Vec<&str> = full_now.map(|(host, _)| *host).collect();
        full.extend(&full_at_start);
        full.sort_unstable();
        full.dedup();
        decision.full_hosts = full.into_iter().map(str::to_string).collect();
    }
    decision.full = active >= max_total;
    decision
}

/// The queued downloads that wait for their host rather than for a slot: those of the hosts
/// the scheduler found at their cap ([`Decision::full_hosts`]), and those whose start the host
/// refused (its connections, counted as they open, were all taken).
#[derive(Debug, Default)]
pub struct HostBound {
    /// From [`Decision::full_hosts`].
    pub full_hosts: Vec<String>,
    /// Downloads whose start their host refused.
    pub refused: HashSet<String>,
}

impl HostBound {
    fn holds(&self, download: &Download) -> bool {
        download.state == DownloadState::Queued
            && (self.refused.contains(&download.request.id)
                || self.full_hosts.iter().any(|h| h == download.host()))
    }
}

/// The downloads whose [`Wait`] is not what it should be now: a queued download waits for its
/// host when `bound` holds it (slots free, its host at the cap of `limit`), else for a slot; a
/// download that is not queued is back at [`Wait::Slot`] (so that, queued again, it waits for
/// a slot until told otherwise). Allocates only for a change, so the scheduler can run it
/// after every report.
pub fn changed_waits<'a>(
    downloads: impl IntoIterator<Item = &'a Download>,
    bound: &HostBound,
    limit: usize,
) -> Vec<(String, Wait)> {
    downloads
        .into_iter()
        .filter_map(|d| {
            let bound = bound.holds(d);
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
