//! The verbs that change what was asked: pause, resume, prioritize, remove (ensure is in
//! `ensure.rs`). Each changes intent and re-plans; none acts on its own. Each returns its typed
//! result. Part of the actor.

use std::collections::BTreeSet;

use super::actor::Actor;
use super::api::{ApiError, Move, Selection};
use super::event::ManagerEventKind;
use super::state::WantedBy;

impl Actor {
    /// Pauses the selected packs (kept across update checks and restarts); "all" also pauses
    /// downloads that become due later. Returns how many packs with a download under way or
    /// due changed.
    pub async fn pause(&mut self, selection: &Selection) -> Result<usize, ApiError> {
        self.set_paused(selection, true).await
    }

    /// Resumes the selected packs (one pack resumes even while everything is paused) and
    /// retries the failed ones. Returns how many packs changed.
    pub async fn resume(&mut self, selection: &Selection) -> Result<usize, ApiError> {
        let mut retried = 0;
        for (app, pack) in self.selected(selection)? {
            if let Some(entry) = self.pack_mut(&app, &pack)
                && let Some(error) = entry.live.failed.take()
            {
                entry.note("retry", format!("resumed after: {}", error.message));
                retried += 1;
            }
        }
        Ok(self.set_paused(selection, false).await? + retried)
    }

    async fn set_paused(&mut self, selection: &Selection, paused: bool) -> Result<usize, ApiError> {
        let selected = self.selected(selection)?;
        let before: Vec<bool> = selected.iter().map(|(a, p)| self.is_paused(a, p)).collect();
        match selection {
            Selection::All => {
                self.state.paused_all = paused;
                for record in self.state.apps.values_mut() {
                    record.paused = None;
                    record
                        .packs
                        .values_mut()
                        .for_each(|p| p.intent.paused = None);
                }
            }
            Selection::App(app) => {
                if let Some(record) = self.state.apps.get_mut(app) {
                    record.paused = Some(paused);
                    record
                        .packs
                        .values_mut()
                        .for_each(|p| p.intent.paused = None);
                }
            }
            Selection::Packs(packs) => {
                for pack in packs {
                    if let Some(entry) = self.pack_mut(&pack.app, &pack.pack) {
                        entry.intent.paused = Some(paused);
                    }
                }
            }
        }
        let mut changed = 0;
        let mut apps = BTreeSet::new();
        for ((app, pack), was) in selected.iter().zip(before) {
            if self.is_paused(app, pack) != was {
                let what = if paused { "paused" } else { "resumed" };
                if let Some(entry) = self.pack_mut(app, pack) {
                    // Counted when something is in play: a download, or one due.
                    let in_play =
                        entry.live.download.is_some() || (entry.live.wanted && !entry.is_current());
                    changed += usize::from(in_play);
                    entry.note(what, "by you");
                }
            }
            apps.insert(app.clone());
        }
        self.dirty = true;
        // An app's own downloads follow its pause and "pause all" (not a single pack's).
        let whole: Vec<String> = match selection {
            Selection::All => self.state.apps.keys().cloned().collect(),
            Selection::App(app) => vec![app.clone()],
            Selection::Packs(_) => Vec::new(),
        };
        changed += self.follow_app_pauses(&whole).await;
        for app in apps {
            self.views.app_changed(&app);
            self.replan(&app, None).await;
            self.emit(&app, None, ManagerEventKind::Changed);
        }
        Ok(changed)
    }

    fn is_paused(&self, app: &str, pack: &str) -> bool {
        self.state.apps.get(app).is_some_and(|record| {
            record
                .packs
                .get(pack)
                .is_some_and(|p| self.state.is_paused(record, p))
        })
    }

    /// The (app, pack) pairs `selection` names; an unknown app or pack is refused.
    fn selected(&self, selection: &Selection) -> Result<Vec<(String, String)>, ApiError> {
        if let Selection::Packs(packs) = selection {
            for p in packs {
                self.known_pack(&p.app, &p.pack)?;
            }
        }
        if let Selection::App(app) = selection
            && !self.state.apps.contains_key(app)
        {
            return Err(ApiError::app_not_found(app));
        }
        Ok(self
            .state
            .apps
            .iter()
            .flat_map(|(app, r)| r.packs.keys().map(move |p| (app, p)))
            .filter(|(app, pack)| selection.contains(app, pack))
            .map(|(app, pack)| (app.clone(), pack.clone()))
            .collect())
    }

    /// Moves a pack in its app's download order; to the top, it may take a running download's
    /// slot.
    pub async fn prioritize(&mut self, app: &str, pack: &str, to: Move) -> Result<(), ApiError> {
        self.known_pack(app, pack)?;
        let Some(record) = self.state.apps.get_mut(app) else {
            return Err(ApiError::app_not_found(app));
        };
        let order = super::snapshot::order(record);
        let position = order.iter().position(|p| p == pack).unwrap_or(0);
        let priority_of = |id: &str| record.packs.get(id).map_or(0, |p| p.intent.priority);
        let mut changes: Vec<(String, i64)> = Vec::new();
        match to {
            Move::Top => {
                let top = order
                    .first()
                    .map_or(0, |first| priority_of(first))
                    .saturating_add(1);
                changes.push((pack.to_string(), top));
                for entry in record.packs.values_mut() {
                    entry.intent.pinned = false;
                }
            }
            Move::Up | Move::Down => {
                let neighbour = match to {
                    Move::Up => position.checked_sub(1),
                    _ => Some(position + 1).filter(|i| *i < order.len()),
                };
                if let Some(other) = neighbour.and_then(|i| order.get(i).cloned()) {
                    let (mine, theirs) = (priority_of(pack), priority_of(&other));
                    let (mine, theirs) = match (mine == theirs, to) {
                        (true, Move::Up) => (mine.saturating_add(1), theirs),
                        (true, _) => (mine.saturating_sub(1), theirs),
                        (false, _) => (theirs, mine),
                    };
                    changes.push((pack.to_string(), mine));
                    changes.push((other, theirs));
                }
            }
        }
        for (id, priority) in changes {
            if let Some(entry) = record.packs.get_mut(&id) {
                entry.intent.priority = priority;
                entry.intent.pinned &= to != Move::Down;
                if to == Move::Top && id == pack {
                    entry.intent.pinned = true;
                }
            }
        }
        self.dirty = true;
        self.views.app_changed(app);
        self.replan(app, None).await;
        self.emit(app, Some(pack), ManagerEventKind::Changed);
        Ok(())
    }

    /// `remove(assetPackWithID:)`: the pack is no longer wanted (a language variant takes its
    /// group's policy with it, not the variants asked for by name); a running install is stopped, a download cancelled, the files deleted.
    /// Returns the bytes freed.
    pub async fn remove(&mut self, app: &str, pack: &str) -> Result<u64, ApiError> {
        self.known_pack(app, pack)?;
        let group = self
            .state
            .apps
            .get(app)
            .and_then(|r| r.packs.get(pack))
            .and_then(|p| p.observed.listed.as_ref())
            .and_then(|l| l.localization_group.clone());
        let Some(record) = self.state.apps.get_mut(app) else {
            return Err(ApiError::app_not_found(app));
        };
        let mut members = Vec::new();
        for (id, entry) in record.packs.iter_mut() {
            let same_group = group.is_some()
                && entry
                    .observed
                    .listed
                    .as_ref()
                    .and_then(|l| l.localization_group.as_ref())
                    == group.as_ref();
            // A variant the app or a person asked for by name is theirs: removing another
            // variant leaves it wanted.
            let by_name = matches!(entry.intent.wanted, Some(WantedBy::App | WantedBy::Person));
            if id == pack || (same_group && !by_name) {
                entry.intent.wanted = None;
                entry.intent.pinned = false;
                entry.live.failed = None;
                members.push(id.clone());
            }
        }
        for id in &members {
            self.cancel_install(app, id).await;
        }
        self.freed = 0;
        self.dirty = true;
        self.replan(app, Some(&members)).await;
        let mut freed = std::mem::take(&mut self.freed);
        let installed = self
            .pack_mut(app, pack)
            .is_some_and(|entry| entry.observed.installed.is_some());
        if !installed && freed == 0 {
            // Nothing recorded as installed: whatever bgassets left at the pack's place goes
            // too, and something of the user's there is named, never touched.
            let (container, folder) = self.pack_location(app, pack)?;
            freed = crate::install::remove(&container, &folder)
                .map_err(|e| ApiError::new(e.kind(), e.to_string()))?;
            if let Some(entry) = self.pack_mut(app, pack) {
                entry.note(
                    "removed",
                    format!("nothing was installed; {freed} bytes freed"),
                );
            }
            self.emit(app, Some(pack), ManagerEventKind::Removed);
        }
        self.views.pack_changed(app, pack);
        Ok(freed)
    }

    /// Deletes `pack`'s installed files; the bytes freed are added to `self.freed`.
    pub fn delete_files(&mut self, app: &str, pack: &str) {
        let Ok((container, folder)) = self.pack_location(app, pack) else {
            return;
        };
        match crate::install::remove(&container, &folder) {
            Ok(freed) => {
                self.freed = self.freed.saturating_add(freed);
                if let Some(entry) = self.pack_mut(app, pack) {
                    entry.observed.installed = None;
                    entry.observed.obsolete = false;
                    entry.note("removed", format!("{freed} bytes freed"));
                }
                self.emit(app, Some(pack), ManagerEventKind::Removed);
            }
            Err(error) => {
                let error = crate::model::PackError::new(error.kind(), error.to_string());
                self.fail(app, pack, error);
            }
        }
        self.dirty = true;
        self.views.pack_changed(app, pack);
    }
}
