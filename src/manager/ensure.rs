//! `ensure` (`ensureLocalAvailability`): the pack is wanted by the app, resumed, retried, and
//! re-planned; and the `ensure`s that arrive together, planned together where the app's limits
//! allow. Part of the actor.

use std::collections::HashSet;

use super::actor::Actor;
use super::api::ApiError;
use super::state::{PackRecord, WantedBy};
use super::view::PackView;

impl Actor {
    /// `ensureLocalAvailability`: the pack is wanted (by the app) and, if the user had paused
    /// it, resumed; a failed pack is tried again. Answers with the pack's view.
    pub async fn ensure(&mut self, app: &str, pack: &str) -> Result<PackView, ApiError> {
        let localized = self.want(app, pack)?;
        let scope = [pack.to_string()];
        self.replan(app, (!localized).then_some(&scope[..])).await;
        self.pack_view(app, pack)
    }

    /// Many `ensure`s that arrived together, answered in their order. The packs of an app
    /// whose limits hold them all at once ([`super::limits::fit_together`]) change their intent
    /// as [`Actor::ensure`] changes it, then the app is re-planned once (the packs in the order
    /// asked, or the whole app when one of them bears on the others), and each request gets its
    /// pack's view; an app asking for thousands of packs at once re-planned its whole context
    /// once per pack before. Where the limits might not hold them all, each is ensured in turn,
    /// so the first asked gets the room.
    pub async fn ensure_many(
        &mut self,
        ensures: Vec<(String, String)>,
    ) -> Vec<Result<PackView, ApiError>> {
        let mut results: Vec<Option<Result<PackView, ApiError>>> = Vec::new();
        results.resize_with(ensures.len(), || None);
        let mut apps: Vec<(&str, Vec<usize>)> = Vec::new();
        for (index, (app, _)) in ensures.iter().enumerate() {
            match apps.iter_mut().find(|(a, _)| a == app) {
                Some((_, asked)) => asked.push(index),
                None => apps.push((app, vec![index])),
            }
        }
        for (app, asked) in apps {
            let packs: HashSet<&str> = asked.iter().map(|&i| ensures[i].1.as_str()).collect();
            let together = self
                .state
                .apps
                .get(app)
                .is_some_and(|record| super::limits::fit_together(record, &packs));
            if !together {
                for &i in &asked {
                    results[i] = Some(self.ensure(app, &ensures[i].1).await);
                }
                continue;
            }
            let mut scope: Option<Vec<String>> = Some(Vec::new());
            let mut seen = HashSet::new();
            let mut wanted = Vec::with_capacity(asked.len());
            for &i in &asked {
                let pack = &ensures[i].1;
                let want = self.want(app, pack);
                if let Ok(localized) = want {
                    match &mut scope {
                        Some(_) if localized => scope = None,
                        Some(packs) if seen.insert(pack.as_str()) => packs.push(pack.clone()),
                        _ => {}
                    }
                }
                wanted.push((i, want));
            }
            if scope.as_ref().is_none_or(|packs| !packs.is_empty()) {
                self.replan(app, scope.as_deref()).await;
            }
            for (i, want) in wanted {
                results[i] = Some(want.and_then(|_| self.pack_view(app, &ensures[i].1)));
            }
        }
        results
            .into_iter()
            .zip(&ensures)
            .map(|(result, (app, pack))| {
                result.unwrap_or_else(|| Err(ApiError::pack_not_found(app, pack)))
            })
            .collect()
    }

    /// The intent half of `ensure`: the pack is wanted by the app, resumed, retried, its
    /// extension asked again. Returns whether it is a language variant (its re-plan is the
    /// whole app's).
    fn want(&mut self, app: &str, pack: &str) -> Result<bool, ApiError> {
        self.listed_pack(app, pack)?;
        let paused_all = self.state.paused_all;
        let app_paused = self.state.apps.get(app).and_then(|r| r.paused);
        let Some(entry) = self.pack_mut(app, pack) else {
            return Err(ApiError::pack_not_found(app, pack));
        };
        let paused = entry.intent.paused.or(app_paused).unwrap_or(paused_all);
        if paused {
            entry.intent.paused = Some(false);
            entry.note("resumed", "the app asked for it (ensure)");
        }
        // Asked for by name: a language variant so asked is had whatever the languages choose.
        if matches!(entry.intent.wanted, None | Some(WantedBy::Policy)) {
            entry.intent.wanted = Some(WantedBy::App);
            entry.note("asked", "the app asked for it (ensure)");
        }
        if let Some(error) = entry.live.failed.take() {
            entry.note("retry", format!("asked again after: {}", error.message));
        }
        if entry.observed.verdict.as_ref().is_some_and(|v| !v.allowed) {
            // The app (or a person) asks by name: its extension is asked again.
            entry.observed.verdict = None;
            entry.note(
                "asked",
                "asked for again: the downloader extension is asked again",
            );
        }
        let localized = is_localized(entry);
        self.dirty = true;
        self.views.pack_changed(app, pack);
        Ok(localized)
    }
}

fn is_localized(pack: &PackRecord) -> bool {
    pack.observed
        .listed
        .as_ref()
        .is_some_and(|l| l.localization_group.is_some())
}
