//! The manager's one decision: from what the manifest lists, what was asked (intent), what was
//! seen (installed versions, the engine's downloads mirrored by key, running installs, failures),
//! the app's limits, the preferred languages and the launch phase, to the [`Action`]s that bring
//! each pack where it is asked to be, and the state each pack shows with its reason. Pure, like
//! `engine::scheduler::decide`: the actor gathers the input, calls [`plan`], applies the actions.
//!
//! - [`context`]: what is decided once per app (chosen variants, essentials, launch readiness).
//! - [`shown`]: the sentences that say why a pack is in its state.

pub mod context;
pub mod shown;
#[cfg(test)]
mod tests;

use url::Url;

use super::key::DownloadKey;
use super::mirror::Mirror;
use super::state::{AppRecord, PackRecord};
use crate::engine::{DownloadState, PauseReason};
use crate::model::{Activity, PackError, Progress};
pub use context::{Context, Launch, PauseSource};

/// What the actor is to do for one pack.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Hand the listed version to the engine, from `url`.
    Start { key: DownloadKey, url: Url },
    /// The same bytes are listed at another URL: continue there.
    Relocate { key: DownloadKey, url: Url },
    /// Pause the engine's download (the user paused the pack).
    Pause(DownloadKey),
    /// Resume the engine's download the user had paused.
    Resume(DownloadKey),
    /// Cancel and forget the engine's download (another version is wanted, or none).
    Cancel(DownloadKey),
    /// Install the finished download (swapping out the installed version).
    Install(DownloadKey),
    /// Stop the running install of `pack`: it is no longer wanted.
    CancelInstall { pack: String },
    /// Delete `pack`'s installed files (removed by the user or the app, or another language
    /// variant of its group is now installed).
    Delete { pack: String },
    /// Tell that `pack` is installed but no longer listed.
    MarkObsolete { pack: String },
    /// Give the engine's download the pack's place in the order (`top`: ahead of all).
    Reprioritize {
        key: DownloadKey,
        priority: i64,
        top: bool,
    },
    /// `pack` cannot be downloaded (a limit, a URL refused): it fails with `error`.
    Fail { pack: String, error: PackError },
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
        if !want.keep {
            actions.push(Action::CancelInstall { pack: id.into() });
        }
        return PackPlan {
            wanted: false,
            actions,
            activity: Activity::Installing,
            reason: shown::installing(version, !want.keep),
        };
    }
    if installed.is_some() && !want.keep {
        actions.push(Action::Delete { pack: id.into() });
    }
    if !want.download {
        if let Some(m) = mirror.filter(|m| is_live(m) || m.state == DownloadState::Finished) {
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
            begin(input, context, listed, key, paused, actions, id)
        }
    }
}

/// A pack whose wanted version has no download yet: starts it, unless paused or waiting for
/// the app's essential packs.
fn begin(
    input: &Input,
    context: &Context,
    listed: &crate::model::ManifestPack,
    key: DownloadKey,
    paused: Option<PauseSource>,
    mut actions: Vec<Action>,
    id: &str,
) -> PackPlan {
    let (activity, reason) = if let Some(source) = paused {
        (
            Activity::Paused {
                progress: Progress::default(),
            },
            shown::paused_before_start(source),
        )
    } else if !listed.download_policy.is_essential() && !context.essentials_holding.is_empty() {
        (
            Activity::Queued,
            shown::behind_essentials(&context.essentials_holding),
        )
    } else {
        match context.check(input, listed) {
            Ok(url) => {
                actions.push(Action::Start { key, url });
                (Activity::Queued, shown::waiting_for_slot())
            }
            Err(error) => {
                let reason = shown::failed(&error);
                actions.push(Action::Fail {
                    pack: id.into(),
                    error: error.clone(),
                });
                (Activity::Failed { error }, reason)
            }
        }
    };
    PackPlan {
        wanted: false,
        actions,
        activity,
        reason,
    }
}

/// A pack whose wanted version is in the engine: follows it, pausing, resuming, relocating or
/// installing as asked.
#[allow(clippy::too_many_arguments)]
fn follow(
    input: &Input,
    context: &Context,
    listed: &crate::model::ManifestPack,
    pack: &PackRecord,
    m: &Mirror,
    paused: Option<PauseSource>,
    actions: &mut Vec<Action>,
    progress: Progress,
) -> PackPlan {
    let id = m.key.pack.as_str();
    let version = m.key.version;
    if is_live(m)
        && let Ok(url) = context.check_url(input, listed)
        && url != m.url
    {
        actions.push(Action::Relocate {
            key: m.key.clone(),
            url,
        });
    }
    let reorder = if pack.intent.pinned {
        !m.top
    } else {
        m.top || m.priority != pack.intent.priority
    };
    if is_live(m) && reorder {
        actions.push(Action::Reprioritize {
            key: m.key.clone(),
            priority: pack.intent.priority,
            top: pack.intent.pinned,
        });
    }
    let (activity, reason) = match &m.state {
        DownloadState::Failed { error } if pack.live.failed.is_none() => {
            // Asked again after a failure: the engine resumes it from its partial file.
            let _ = error;
            actions.push(Action::Resume(m.key.clone()));
            (Activity::Queued, shown::resuming())
        }
        DownloadState::Finished => {
            actions.push(Action::Install(m.key.clone()));
            (Activity::Installing, shown::installing(version, false))
        }
        DownloadState::Failed { error } => (
            Activity::Failed {
                error: error.clone(),
            },
            shown::failed(error),
        ),
        DownloadState::Cancelled => {
            return begin(
                input,
                context,
                listed,
                m.key.clone(),
                paused,
                std::mem::take(actions),
                id,
            );
        }
        DownloadState::Paused {
            reason: PauseReason::Requested,
        } if paused.is_some() => (Activity::Paused { progress }, shown::paused(paused)),
        DownloadState::Paused {
            reason: PauseReason::Requested,
        } => {
            actions.push(Action::Resume(m.key.clone()));
            (Activity::Queued, shown::resuming())
        }
        _ if paused.is_some() => {
            actions.push(Action::Pause(m.key.clone()));
            (Activity::Paused { progress }, shown::paused(paused))
        }
        DownloadState::Paused {
            reason: PauseReason::Preempted,
        } => (Activity::Queued, shown::preempted()),
        DownloadState::Queued => (Activity::Queued, shown::waiting_for_slot()),
        DownloadState::Connecting => (Activity::Connecting, shown::connecting(&m.url, m.attempts)),
        DownloadState::Downloading => (
            Activity::Downloading { progress },
            shown::downloading(version, pack.observed.installed.as_ref().map(|i| i.version)),
        ),
        DownloadState::Verifying => (Activity::Verifying, shown::verifying()),
        DownloadState::Retrying {
            attempt,
            reason,
            delay_ms,
            ..
        } => (
            Activity::Retrying {
                attempt: *attempt,
                reason: reason.clone(),
                delay_ms: *delay_ms,
                progress,
            },
            shown::retrying(reason, *attempt, *delay_ms),
        ),
    };
    PackPlan {
        wanted: false,
        actions: std::mem::take(actions),
        activity,
        reason,
    }
}

/// Whether the engine's download is still going (or could go on): not finished, failed or
/// cancelled.
pub fn is_live(m: &Mirror) -> bool {
    !m.state.is_terminal()
}
