//! The steps of a sequence that wait: a pause (until the selected transfers stop), a restart
//! (shut down, start again, compare), and a settle (until nothing is at work).

use std::path::Path;
use std::time::{Duration, Instant};

use bgassets::manager::Manager;
use bgassets::model::FolderName;
use bgassets::store::Paths;

use super::super::adapter::{self, PackSeen, Seen};
use super::super::checks::{Check, Still};
use super::super::observe::{self, selected};
use super::super::world::{APP, PACKS};
use super::super::{restart, settle};
use super::{PAUSE, QUEUED_QUIET, QUIET, Run, SETTLE, config};

impl Run {
    /// Pauses, waits for the selected transfers to stop and for the document to show what
    /// their partial files hold on disk (for [`HOLDS`]: progress is reported at most every
    /// 100 ms, and once more when a stopped worker ends), and records what each paused pack
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
        let data = self.dir.path().join("data");
        let mut since: Option<Instant> = None;
        let still = |seen: &Seen| {
            let stopped = packs.iter().all(|&p| {
                seen.pack(PACKS[p].id)
                    .is_none_or(|s| !s.transferring() && shows_disk(&data, s))
            });
            if !stopped {
                since = None;
                return false;
            }
            since.get_or_insert_with(Instant::now).elapsed() >= HOLDS
        };
        let seen = match observe::until(&self.handle, PAUSE, still).await {
            Ok(seen) => seen,
            Err(seen) => {
                let what = format!(
                    "a pause of {packs:?} did not stop its transfers (and show the bytes its \
                     partial files hold) within {PAUSE:?}: {:?}",
                    packs
                        .iter()
                        .filter_map(|&p| seen.pack(PACKS[p].id))
                        .map(|s| (
                            &s.id,
                            &s.state,
                            s.partial_bytes,
                            partial_sizes(&data, &s.id)
                        ))
                        .collect::<Vec<_>>()
                );
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

/// How long a paused pack must show what its partial file holds before the pause counts as
/// taken (a last progress report could match the file by chance while the worker still writes).
const HOLDS: Duration = Duration::from_millis(300);

/// Whether `pack` shows as partial bytes the size of one of its partial files (0 with none).
fn shows_disk(data: &Path, pack: &PackSeen) -> bool {
    let sizes = partial_sizes(data, &pack.id);
    if sizes.is_empty() {
        return pack.partial_bytes == 0;
    }
    sizes.contains(&pack.partial_bytes)
}

/// The sizes of `pack`'s partial files (one per version downloading) in the app's downloads.
fn partial_sizes(data: &Path, pack: &str) -> Vec<u64> {
    let app = FolderName::parse(APP).unwrap();
    let Ok(entries) = std::fs::read_dir(Paths::under(data).app_downloads_dir(&app)) else {
        return vec![];
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&format!("{pack}@")) && name.ends_with(".partial")
        })
        .filter_map(|e| e.metadata().ok().map(|m| m.len()))
        .collect()
}
