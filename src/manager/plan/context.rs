//! What the plan decides once per app before looking at its packs: which language variant
//! each group uses (the manifest's first listed variant when no preferred language matches),
//! which groups are in use, which essential packs the launch waits for, whether the app may
//! launch and why, and where a pack's pause comes from.

use std::collections::{BTreeMap, BTreeSet};

use url::Url;

use super::Input;
use super::shown;
use crate::manager::languages::{choose_variants, is_chosen};
use crate::manager::state::{PackRecord, WantedBy};
use crate::model::{DownloadPolicy, ErrorKind, ManifestPack, PackError};

/// Whether the app may launch, and why (or why not).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Launch {
    /// Every wanted essential pack for the current event is installed or failed, and a
    /// manifest was read.
    pub ready: bool,
    /// Essential packs still to come.
    pub waiting_for: Vec<String>,
    /// Essential packs that failed (the app launches without them).
    pub essential_failed: Vec<String>,
    /// Why, in a sentence.
    pub reason: String,
}

/// Where a pack's pause comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseSource {
    /// The pack itself was paused.
    Pack,
    /// Its app was paused.
    App,
    /// Everything was paused.
    All,
}

/// Whether a pack is to be downloaded and kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Want {
    /// Its listed version is to be downloaded and installed.
    pub download: bool,
    /// Its installed files are to stay.
    pub keep: bool,
    /// Why not, when not downloaded.
    pub why_not: String,
}

/// Per-app facts the plan of each pack uses.
#[derive(Debug, Clone)]
pub struct Context {
    /// The chosen variant of each localization group.
    pub choices: BTreeMap<String, String>,
    /// Groups some variant of which is wanted.
    pub groups_wanted: BTreeSet<String>,
    /// Groups whose chosen variant is installed.
    pub chosen_installed: BTreeSet<String>,
    /// Essential packs waiting and not paused: the others wait behind them.
    pub essentials_holding: Vec<String>,
    /// Whether the app may launch.
    pub launch: Launch,
    app_paused: Option<bool>,
    paused_all: bool,
}

impl Context {
    /// The context of `input`'s app.
    pub fn new(input: &Input) -> Self {
        let record = input.record;
        // Only language variants take part in the choice: the others are never sorted.
        let mut listed: Vec<(usize, &ManifestPack)> = record
            .packs
            .values()
            .filter_map(|p| Some((p.observed.manifest_index, p.observed.listed.as_ref()?)))
            .filter(|(_, l)| l.localization_group.is_some())
            .collect();
        listed.sort_by_key(|(index, pack)| (*index, pack.id.to_string()));
        let choices = choose_variants(listed.iter().map(|(_, p)| *p), input.languages);
        let mut groups_wanted = BTreeSet::new();
        let mut chosen_installed = BTreeSet::new();
        for (id, pack) in &record.packs {
            let Some(group) = pack
                .observed
                .listed
                .as_ref()
                .and_then(|l| l.localization_group.clone())
            else {
                continue;
            };
            if choices.get(&group) == Some(id) && pack.observed.installed.is_some() {
                chosen_installed.insert(group.clone());
            }
            // The group is wanted through its chosen variant, or through its policy; a variant
            // the app or a person asked for by name is wanted alone (see `want`).
            let chosen = choices.get(&group) == Some(id);
            if pack.intent.wanted.is_some()
                && (chosen || pack.intent.wanted == Some(WantedBy::Policy))
            {
                groups_wanted.insert(group);
            }
        }
        let mut context = Self {
            choices,
            groups_wanted,
            chosen_installed,
            essentials_holding: Vec::new(),
            launch: Launch::default(),
            app_paused: record.paused,
            paused_all: input.paused_all,
        };
        let mut waiting = Vec::new();
        let mut failed = Vec::new();
        for (id, pack) in &record.packs {
            let Some(listed) = &pack.observed.listed else {
                continue;
            };
            let essential = matches!(listed.download_policy,
                DownloadPolicy::Essential(events) if events.contains(record.event));
            if !essential || !context.want(id, pack).download || is_vetoed(input, pack) {
                // A version the app's extension said no to does not hold launch: the app
                // decided, as with a removal.
                continue;
            }
            if pack.live.failed.is_some() {
                failed.push(id.clone());
            } else {
                if !context.is_paused(pack) {
                    context.essentials_holding.push(id.clone());
                }
                waiting.push(id.clone());
            }
        }
        let (downloads_waiting, downloads_failed) =
            crate::manager::downloads::essential_launch(record);
        waiting.extend(downloads_waiting);
        failed.extend(downloads_failed);
        let known = record.manifest_known();
        context.launch = Launch {
            ready: known && waiting.is_empty(),
            reason: shown::launch(known, record.manifest_error.as_ref(), &waiting, &failed),
            waiting_for: waiting,
            essential_failed: failed,
        };
        context
    }

    /// Whether `pack` is the chosen variant of its group (always, outside a group).
    pub fn is_chosen(&self, pack: &ManifestPack) -> bool {
        is_chosen(pack, &self.choices)
    }

    /// Whether `pack` is to be downloaded, and whether its installed files stay.
    pub fn want(&self, id: &str, pack: &PackRecord) -> Want {
        let Some(listed) = &pack.observed.listed else {
            return Want {
                download: false,
                keep: pack.intent.wanted.is_some(),
                why_not: shown::unlisted(),
            };
        };
        let current = pack.is_current();
        let installed = pack.observed.installed.is_some();
        match &listed.localization_group {
            // The app (or a person) asked for this variant by name: it is theirs to have, whatever
            // the preferred languages choose (Apple: the app asks for the pack that matches).
            Some(_) if !self.is_chosen(listed) && asked_by_name(pack) => Want {
                download: !current,
                keep: true,
                why_not: shown::not_wanted(listed.download_policy, pack, id),
            },
            Some(group) if !self.is_chosen(listed) => {
                let chosen = self.choices.get(group).cloned().unwrap_or_default();
                Want {
                    download: false,
                    keep: installed
                        && self.groups_wanted.contains(group)
                        && !self.chosen_installed.contains(group),
                    why_not: shown::other_variant(&chosen),
                }
            }
            Some(group) => {
                let wanted = self.groups_wanted.contains(group);
                Want {
                    download: wanted && !current,
                    keep: wanted,
                    why_not: shown::not_wanted(listed.download_policy, pack, id),
                }
            }
            None => {
                let wanted = pack.intent.wanted.is_some();
                Want {
                    download: wanted && !current,
                    keep: wanted,
                    why_not: shown::not_wanted(listed.download_policy, pack, id),
                }
            }
        }
    }

    /// Whether the user paused `pack` (itself, its app, or everything).
    pub fn is_paused(&self, pack: &PackRecord) -> bool {
        pack.intent
            .paused
            .or(self.app_paused)
            .unwrap_or(self.paused_all)
    }

    /// Whether `pack` is paused, and by what.
    pub fn pause_of(&self, pack: &PackRecord) -> Option<PauseSource> {
        self.is_paused(pack)
            .then(|| self.pause_source_of(pack.intent.paused))
    }

    /// Where a pause comes from, given the pack's own (`None` follows the app, then all).
    pub fn pause_source_of(&self, own: Option<bool>) -> PauseSource {
        match (own, self.app_paused) {
            (Some(_), _) => PauseSource::Pack,
            (None, Some(_)) => PauseSource::App,
            (None, None) => PauseSource::All,
        }
    }

    /// The URL to download `pack` from, checked against the app's allow list and HTTPS rule.
    pub fn check_url(&self, input: &Input, pack: &ManifestPack) -> Result<Url, PackError> {
        let record = input.record;
        let base = record
            .manifest_base
            .clone()
            .unwrap_or_else(|| record.app.manifest_url.clone());
        let url = pack
            .resolve_url(&base)
            .map_err(|m| PackError::new(ErrorKind::InvalidManifest, m))?;
        crate::manager::fetch::check_url(&record.app, &url, input.insecure_hosts)?;
        Ok(url)
    }

    /// [`Self::check_url`], after the app's size caps and allowances.
    pub fn check(&self, input: &Input, pack: &ManifestPack) -> Result<Url, PackError> {
        crate::manager::limits::check_limits(input.record, pack)?;
        self.check_url(input, pack)
    }
}

/// Whether the app or a person asked for `pack` itself (not its policy).
fn asked_by_name(pack: &PackRecord) -> bool {
    matches!(pack.intent.wanted, Some(WantedBy::App | WantedBy::Person))
}

/// Whether the app's downloader extension said no to the listed version of `pack` (and the
/// app still has an extension).
pub fn is_vetoed(input: &Input, pack: &PackRecord) -> bool {
    let listed = pack.observed.listed.as_ref().map(|l| l.version);
    input.extension.is_some()
        && pack
            .observed
            .verdict
            .as_ref()
            .is_some_and(|v| !v.allowed && Some(v.version) == listed)
}
