//! The steps of a sequence that wait: a pause (until the selected transfers stop), a restart
//! (shut down, start again, compare), and a settle (until nothing is at work).

use std::time::Instant;

use bgassets::manager::Manager;
use bgassets::store::Paths;

use super::super::adapter::{self, Seen};
use super::super::checks::{Check, Still};
use super::super::observe::{self, selected};
use super::super::world::PACKS;
use super::super::{restart, settle};
use super::{PAUSE, QUEUED_QUIET, QUIET, Run, SETTLE, config};

impl Run {
    /// Pauses, waits for the selected transfers to stop, and records what each paused pack
    /// holds.
    pub(super) async fn pause(&mut self, sel: super::super::ops::Sel) {
        let packs = selected(sel);
        let before = adapter::status(&self.handle).await;
        let caught = packs
            .iter()
            .filter(|&&p| before.pack(PACKS[p].id).is_some_and(|s| s.busy()));
        self.stats.pauses_of_busy_packs += caught.count() as u64;
        if adapter::pause(&self.handle, sel).await.is_err() {
            return; // an unknown app or pack: nothing was paused
        }
        // Pausing an app (or all) is a standing pause: packs its manifest lists later start
        // paused too.
        let standing = !matches!(sel, super::super::ops::Sel::Pack(_));
        let still = |seen: &Seen| {
            packs
                .iter()
                .all(|&p| !seen.pack(PACKS[p].id).is_some_and(|s| s.transferring()))
        };
        let seen = match observe::until(&self.handle, PAUSE, still).await {
            Ok(seen) => seen,
            Err(seen) => {
                let what =
                    format!("a pause of {packs:?} did not stop its transfers within {PAUSE:?}");
                self.note(vec![(Check::PausedStaysPaused, what)]);
                seen
            }
        };
        for p in packs {
            let Some(pack) = seen.pack(PACKS[p].id) else {
                if standing {
                    self.intent.paused.insert(p, Still::default());
                }
                continue;
            };
            let still = Still {
                partial: pack.partial_bytes,
                listed: pack.listed,
            };
            self.intent.paused.insert(p, still);
            if pack.state == "paused" {
                self.stats.packs_seen_paused += 1;
                self.intent.seen_paused.insert(p, still);
            }
        }
    }

    /// Shuts the manager down, starts another on the same data dir, and compares.
    pub(super) async fn restart(&mut self) {
        self.stats.restarts += 1;
        let before = adapter::status(&self.handle).await;
        self.watcher.abort();
        if let Some(manager) = self.manager.take() {
            manager.shutdown().await;
        }
        let data = self.dir.path().join("data");
        if let Ok(text) = std::fs::read_to_string(data.join("state.json"))
            && let Err(error) = bgassets::manager::state::parse(&text)
        {
            self.note(vec![(
                Check::RestartKeepsState,
                format!("state.json does not load: {error}"),
            )]);
        }
        let manager = Manager::start(config(Paths::under(&data))).await.unwrap();
        self.handle = manager.handle();
        self.manager = Some(manager);
        self.drain_installs(true);
        self.watcher = observe::watch_installs(&self.handle, self.installs.clone());
        let after = adapter::status(&self.handle).await;
        let lost = restart::differences(
            &restart::stable(&before, &self.intent.listing, true),
            &restart::stable(&after, &self.intent.listing, false),
        );
        if !lost.is_empty() {
            self.note(vec![(Check::RestartKeepsState, lost.join("; "))]);
        }
    }

    /// Waits until the app's manifest was checked and nothing is at work for [`QUIET`] (or
    /// only queued downloads wait, behind a pause, for [`QUEUED_QUIET`]).
    pub(super) async fn settle(&mut self) {
        self.stats.settles += 1;
        let intent = self.intent.clone();
        let mut since: Option<Instant> = None;
        let result = observe::until(&self.handle, SETTLE, |seen| {
            let Some(idle) = settle::quiet(seen, &intent) else {
                since = None;
                return false;
            };
            let quiet_for = since.get_or_insert_with(Instant::now).elapsed();
            quiet_for >= if idle { QUIET } else { QUEUED_QUIET }
        })
        .await;
        match result {
            Ok(seen) => {
                let found = settle::settled(&seen, &self.intent);
                self.note(found);
            }
            Err(seen) => {
                let busy: Vec<String> = seen
                    .app()
                    .into_iter()
                    .flat_map(|a| &a.packs)
                    .filter(|p| p.busy())
                    .map(|p| {
                        format!(
                            "{} {}: {}",
                            p.id,
                            p.state,
                            p.reason.as_deref().unwrap_or("no reason")
                        )
                    })
                    .collect();
                self.note(vec![(
                    Check::Settles,
                    format!("still busy after {SETTLE:?}: {busy:?}"),
                )]);
            }
        }
    }
}
