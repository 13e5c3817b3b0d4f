//! The manager's one decision: from what the manifest lists, what was asked (intent), what was
//! seen (installed versions, the engine's downloads mirrored by key, running installs, failures),
//! the app's limits, the preferred languages and the launch phase, to the [`Action`]s that bring
//! each pack where it is asked to be, and the state each pack shows with its reason. Pure, like
//! `engine::scheduler::decide`: the actor gathers the input, calls [`plan`], applies the actions.
//!
//! - [`context`]: what is decided once per app (chosen variants, essentials, launch readiness).
//! - [`shown`]: the sentences that say why a pack is in its state.
//! - `transfer`: a wanted version's download: begun, or followed.

pub mod context;
pub mod shown;
#[cfg(test)]
pub(crate) mod tests;
mod transfer;

use url::Url;

use super::key::DownloadKey;
use super::mirror::Mirror;
use super::state::{AppRecord, PackRecord};
use crate::engine::DownloadState;
use crate::model::{Activity, PackError};
pub use context::{Context, Launch, PauseSource};
use transfer::{begin, follow};

/// What the actor is to do for one pack.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Hand the listed version to the engine, from `url`.
    Start {
        /// The download.
        key: DownloadKey,
        /// Where from.
        url: Url,
    },
    /// The same bytes are listed at another URL: continue there.
    Relocate {
        /// The download.
        key: DownloadKey,
        /// Where the same bytes are now.
        url: Url,
    },
    /// Pause the engine's download (the user paused the pack).
    Pause(DownloadKey),
    /// Resume the engine's download the user had paused.
    Resume(DownloadKey),
    /// Cancel and forget the engine's download (another version is wanted, or none).
    Cancel(DownloadKey),
    /// Install the finished download (swapping out the installed version).
    Install(DownloadKey),
    /// Stop the running install of `pack`: it is no longer wanted.
    CancelInstall {
        /// The pack.
        pack: String,
    },
    /// Delete `pack`'s installed files (removed by the user or the app, or another language
    /// variant of its group is now installed).
    Delete {
        /// The pack.
        pack: String,
    },
    /// Tell that `pack` is installed but no longer listed.
    MarkObsolete {
        /// The pack.
        pack: String,
    },
    /// Give the engine's download the pack's place in the order (`top`: ahead of all).
    Reprioritize {
        /// The download.
        key: DownloadKey,
        /// Its priority: higher first.
        priority: i64,
        /// Ahead of every other download.
        top: bool,
    },
    /// Ask the app's downloader extension whether `version` of `pack` may be downloaded
    /// (`shouldDownload`); the download waits for the answer.
    AskExtension {
        /// The pack.
        pack: String,
        /// The version listed.
        version: u64,
    },
    /// `pack` cannot be downloaded (a limit, a URL refused): it fails with `error`.
    Fail {
        /// The pack.
        pack: String,
        /// Why.
        error: PackError,
    },
}

/// `actions` as a log line may show them: a URL without its credentials (a signed URL's
/// query, a user name), as everything the manager shows ([`crate::model::url_shown`]).
pub fn logged(actions: &[Action]) -> String {
    use crate::model::url_shown::shown_url;
    let each: Vec<String> = actions
        .iter()
        .map(|action| match action {
            Action::Start { key, url } => format!("Start {{ {key}, {} }}", shown_url(url)),
            Action::Relocate { key, url } => {
                format!("Relocate {{ {key}, {} }}", shown_url(url))
            }
            other => format!("{other:?}"),
        })
        .collect();
    format!("[{}]", each.join(", "))
}

/// What the plan decided for one pack.
#[derive(Debug, Clone, PartialEq)]
pub struct PackPlan {
    /// What to do.
    pub actions: Vec<Action>,
    /// The state to show.
    pub activity: Activity,
    /// Why, in a sentence for people.
    pub reason: String,
    /// Whether the pack is to be installed (its intent resolved: a language group's chosen
    /// variant, not the others).
    pub wanted: bool,
}

/// The input for one app: its record (intent, observation, live state) and the manager's
/// settings that bear on it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The app's bundle id.
    pub app: &'a str,
    /// The app's record.
    pub record: &'a AppRecord,
    /// "Pause all" is on.
    pub paused_all: bool,
    /// The preferred languages, best first.
    pub languages: &'a [String],
    /// Hosts that may be reached over plain HTTP.
    pub insecure_hosts: &'a [String],
    /// The app's downloader extension, as people know it, when it has one: each version is
    /// asked about before it is downloaded.
    pub extension: Option<&'a str>,
}

/// Plans the packs `packs` of the app (every pack when `None`).
pub fn plan(input: &Input, packs: Option<&[String]>) -> (Launch, Vec<(String, PackPlan)>) {
    let context = Context::new(input);
    let plans = match packs {
        None => input
            .record
            .packs
            .iter()
            .map(|(id, pack)| (id.clone(), plan_pack(input, &context, id, pack)))
            .collect(),
        Some(ids) => ids
            .iter()
            .filter_map(|id| {
                let pack = input.record.packs.get(id)?;
                Some((id.clone(), plan_pack(input, &context, id, pack)))
            })
            .collect(),
    };
    (context.launch, plans)
}

/// Plans one pack.
pub fn plan_pack(input: &Input, context: &Context, id: &str, pack: &PackRecord) -> PackPlan {
    let mut planned = decide(input, context, id, pack);
    planned.wanted = context.want(id, pack).keep;
    planned
}

fn decide(input: &Input, context: &Context, id: &str, pack: &PackRecord) -> PackPlan {
    let mut actions = Vec::new();
    let installed = pack.observed.installed.as_ref().map(|i| i.version);
    let mirror = pack.live.download.as_ref();
    let Some(listed) = &pack.observed.listed else {
        if let Some(m) = mirror.filter(|m| is_live(m)) {
            actions.push(Action::Cancel(m.key.clone()));
        }
        if pack.live.installing.is_some() && pack.intent.wanted.is_none() {
            actions.push(Action::CancelInstall { pack: id.into() });
        }
        let (activity, reason) = match installed {
            Some(_) if pack.intent.wanted.is_none() => {
                actions.push(Action::Delete { pack: id.into() });
                (Activity::Idle, shown::removing())
            }
            Some(version) => {
                if !pack.observed.obsolete {
                    actions.push(Action::MarkObsolete { pack: id.into() });
                }
                (Activity::Idle, shown::obsolete(version))
            }
            None => (Activity::Idle, shown::unlisted()),
        };
        return PackPlan {
            wanted: false,
            actions,
            activity,
            reason,
        };
    };
    let want = context.want(id, pack);
    if let Some(version) = pack.live.installing {
        // A delta update fetches from the network: a pause stops it as a removal does (an
        // install from a downloaded archive is local and short, and finishes).
        let delta = pack.live.delta == Some(version);
        let paused = delta && context.pause_of(pack).is_some();
        if !want.keep || paused {
            actions.push(Action::CancelInstall { pack: id.into() });
        }
        let reason = if delta {
            shown::patching(version, !want.keep, paused)
        } else {
            shown::installing(version, !want.keep)
        };
        return PackPlan {
            wanted: false,
            actions,
            activity: Activity::Installing,
            reason,
        };
    }
    if installed.is_some() && !want.keep {
        actions.push(Action::Delete { pack: id.into() });
    }
    if !want.download {
        // A download of a newer version than listed (the manifest that listed it was not
        // saved before a crash) is kept for the next manifest check.
        let newer = |m: &&Mirror| m.key.version > listed.version && want.keep;
        if let Some(m) = mirror
            .filter(|m| is_live(m) || m.state == DownloadState::Finished)
            .filter(|m| !newer(m))
        {
            actions.push(Action::Cancel(m.key.clone()));
        }
        let reason = match installed {
            Some(version) if want.keep => shown::installed(version),
            Some(_) => shown::removing(),
            None => want.why_not.clone(),
        };
        return PackPlan {
            wanted: false,
            actions,
            activity: Activity::Idle,
            reason,
        };
    }
    let key = DownloadKey::new(input.app, id, listed.version);
    let paused = context.pause_of(pack);
    let progress = mirror.map(|m| m.progress).unwrap_or_default();
    if let Some(error) = &pack.live.failed {
        if let Some(m) = mirror.filter(|m| is_live(m)) {
            actions.push(Action::Cancel(m.key.clone()));
        }
        return PackPlan {
            wanted: false,
            actions,
            activity: Activity::Failed {
                error: error.clone(),
            },
            reason: shown::failed(error),
        };
    }
    match mirror {
        Some(m) if m.key == key => follow(
            input,
            context,
            listed,
            pack,
            m,
            paused,
            &mut actions,
            progress,
        ),
        Some(m) if m.key.version > key.version && m.state != DownloadState::Cancelled => {
            // A newer version than the manifest lists (the manifest that listed it was not
            // saved before a crash): kept, not cancelled, until the next manifest check.
            PackPlan {
                wanted: false,
                actions,
                activity: Activity::Queued,
                reason: shown::newer_than_listed(m.key.version, key.version),
            }
        }
        other => {
            if let Some(m) = other.filter(|m| m.state != DownloadState::Cancelled) {
                actions.push(Action::Cancel(m.key.clone()));
            }
            begin(input, context, listed, pack, key, paused, actions, id)
        }
    }
}

/// Whether the engine's download is still going (or could go on): not finished, failed or
/// cancelled.
pub fn is_live(m: &Mirror) -> bool {
    !m.state.is_terminal()
}
