//! Status deltas (`statusChanges`): what changed in the status document since a generation the
//! caller holds, so a client following the state of thousands of packs receives the few packs
//! that changed, not the whole document each time. Each publication of the document gets a
//! generation and records what it changed (apps as a whole, or single packs) in a bounded
//! [`ChangeLog`]; [`delta`] is a pure function from the published document and its log to the
//! answer, and [`StatusDelta::apply_to`] brings a client's copy up to date.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::view::{AppView, PackView, STATUS_SCHEMA, StatusDocument};
use crate::engine::Limits;

/// How many publications the log remembers (at ten a second, about 25 s): a client further
/// behind gets the whole document.
pub const LOG_LEN: usize = 256;

/// What one publication changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Apps changed as a whole (added, removed, their order, readiness or manifest).
    pub apps: BTreeSet<String>,
    /// Apps whose own fields changed (the disk they use) but not their packs' order.
    pub headers: BTreeSet<String>,
    /// Single packs whose view changed, `(app, pack)`.
    pub packs: BTreeSet<(String, String)>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty() && self.headers.is_empty() && self.packs.is_empty()
    }

    fn absorb(&mut self, other: &Changes) {
        self.apps.extend(other.apps.iter().cloned());
        self.headers.extend(other.headers.iter().cloned());
        self.packs.extend(other.packs.iter().cloned());
    }
}

/// The last [`LOG_LEN`] publications' changes, oldest first. Shared read-only with every
/// reader of the publication; a new publication makes a new log.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    entries: VecDeque<(u64, Arc<Changes>)>,
}

impl ChangeLog {
    /// This log with `changes` recorded as `generation`'s (the oldest entry dropped when full).
    pub fn with(&self, generation: u64, changes: Changes) -> Self {
        let mut entries = self.entries.clone();
        if entries.len() >= LOG_LEN {
            entries.pop_front();
        }
        entries.push_back((generation, Arc::new(changes)));
        Self { entries }
    }

    /// Everything changed after `since` up to and including `upto`; `None` when the log does
    /// not reach back to `since` (too old, or a generation this manager never published).
    pub fn between(&self, since: u64, upto: u64) -> Option<Changes> {
        if since == upto {
            return Some(Changes::default());
        }
        let start = self.entries.iter().position(|(g, _)| *g == since)?;
        let mut all = Changes::default();
        for (generation, changes) in self.entries.iter().skip(start + 1) {
            if *generation > upto {
                break;
            }
            all.absorb(changes);
        }
        Some(all)
    }
}

/// A publication: the document and the log of what each recent publication changed.
#[derive(Debug, Clone)]
pub struct Published {
    /// The document (its `generation` is the newest in `log`).
    pub document: Arc<StatusDocument>,
    /// What the recent publications changed.
    pub log: Arc<ChangeLog>,
    /// What building the publications took so far, this one included (for the benchmarks).
    pub effort: PublishEffort,
}

/// What building the manager's publications has taken since it started: how many, the time
/// spent rebuilding changed views and assembling each document, the longest one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishEffort {
    /// Publications made.
    pub publications: u64,
    /// Time spent building them, in all.
    pub total: std::time::Duration,
    /// The longest one.
    pub longest: std::time::Duration,
}

impl PublishEffort {
    /// This effort with one more publication that took `took`.
    pub fn with(self, took: std::time::Duration) -> Self {
        Self {
            publications: self.publications.saturating_add(1),
            total: self.total.saturating_add(took),
            longest: self.longest.max(took),
        }
    }
}

impl Published {
    /// The state before the manager's first publication.
    pub fn empty(limits: Limits) -> Self {
        Self {
            document: Arc::new(StatusDocument::empty(limits)),
            log: Arc::default(),
            effort: PublishEffort::default(),
        }
    }
}

/// The answer to `statusChanges`: what changed since `since`, or (`since` null) the whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDelta {
    /// The document's schema version.
    pub schema: u32,
    /// The generation this delta applies to; `null`: not a delta, `apps` holds every app and
    /// replaces what the client had.
    pub since: Option<u64>,
    /// The generation the client holds once it applied this.
    pub generation: u64,
    /// Unix time in milliseconds of that generation.
    pub generated_at_ms: u64,
    /// The download limits in force.
    pub limits: Limits,
    /// The preferred languages in force.
    pub languages: Vec<String>,
    /// Bytes free on the data dir's disk (the document's `freeBytes`).
    #[serde(default)]
    pub free_bytes: Option<u64>,
    /// Apps changed as a whole (or, `since` null, every app): replace or add each.
    pub apps: Vec<AppView>,
    /// Apps whose own fields changed, with no packs (`packs` is empty): replace each app's
    /// fields, keeping its packs.
    pub headers: Vec<AppView>,
    /// Packs whose view changed, in apps not in `apps`: replace each.
    pub packs: Vec<PackView>,
    /// Apps no longer registered.
    pub removed_apps: Vec<String>,
}

/// What changed in `published` since the generation `since` (the whole state when the log does
/// not reach back to it).
pub fn delta(published: &Published, since: u64) -> StatusDelta {
    let document = &published.document;
    let mut answer = StatusDelta {
        schema: STATUS_SCHEMA,
        since: Some(since),
        generation: document.generation,
        generated_at_ms: document.generated_at_ms,
        limits: document.limits,
        languages: document.languages.clone(),
        free_bytes: document.free_bytes,
        apps: Vec::new(),
        headers: Vec::new(),
        packs: Vec::new(),
        removed_apps: Vec::new(),
    };
    let Some(changes) = published.log.between(since, document.generation) else {
        answer.since = None;
        answer.apps = document.apps.clone();
        return answer;
    };
    for app in &changes.apps {
        match document.app(app) {
            Some(view) => answer.apps.push(view.clone()),
            None => answer.removed_apps.push(app.clone()),
        }
    }
    for app in changes.headers.difference(&changes.apps) {
        if let Some(view) = document.app(app) {
            answer.headers.push(AppView {
                packs: Vec::new(),
                ..view.clone()
            });
        }
    }
    for (app, pack) in &changes.packs {
        if changes.apps.contains(app) {
            continue;
        }
        match document.pack(app, pack) {
            Some(view) => answer.packs.push(view.clone()),
            // A pack gone without its app changing cannot be said as a pack: send its app.
            None => match document.app(app) {
                Some(view) if !answer.apps.iter().any(|a| a.bundle_id == *app) => {
                    answer.apps.push(view.clone());
                }
                Some(_) => {}
                None if !answer.removed_apps.contains(app) => answer.removed_apps.push(app.clone()),
                None => {}
            },
        }
    }
    answer
        .packs
        .retain(|p| !answer.apps.iter().any(|a| a.bundle_id == p.app));
    answer
}

/// Why a delta could not be applied: the client must ask for the whole state again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the status delta does not apply: {0}")]
pub struct DeltaGap(pub String);

impl StatusDelta {
    /// Brings `document` (at generation `since`) to this delta's generation.
    pub fn apply_to(self, document: &mut StatusDocument) -> Result<(), DeltaGap> {
        match self.since {
            None => document.apps = self.apps,
            Some(since) if since != document.generation => {
                return Err(DeltaGap(format!(
                    "it follows generation {since}, the document is at {}",
                    document.generation
                )));
            }
            Some(_) => {
                document
                    .apps
                    .retain(|a| !self.removed_apps.contains(&a.bundle_id));
                for app in self.apps {
                    match document
                        .apps
                        .binary_search_by(|a| a.bundle_id.cmp(&app.bundle_id))
                    {
                        Ok(at) => document.apps[at] = app,
                        Err(at) => document.apps.insert(at, app),
                    }
                }
                for header in self.headers {
                    let app = document
                        .apps
                        .iter_mut()
                        .find(|a| a.bundle_id == header.bundle_id)
                        .ok_or_else(|| {
                            DeltaGap(format!("no app {} to update", header.bundle_id))
                        })?;
                    let packs = std::mem::take(&mut app.packs);
                    *app = AppView { packs, ..header };
                }
                for pack in self.packs {
                    let slot = document
                        .apps
                        .iter_mut()
                        .find(|a| a.bundle_id == pack.app)
                        .and_then(|a| a.packs.iter_mut().find(|p| p.id == pack.id))
                        .ok_or_else(|| {
                            DeltaGap(format!("no pack {} of {} to update", pack.id, pack.app))
                        })?;
                    *slot = Arc::new(pack);
                }
            }
        }
        document.schema = self.schema;
        document.generation = self.generation;
        document.generated_at_ms = self.generated_at_ms;
        document.limits = self.limits;
        document.languages = self.languages;
        document.free_bytes = self.free_bytes;
        Ok(())
    }
}

#[cfg(test)]
#[path = "delta_tests.rs"]
mod tests;
