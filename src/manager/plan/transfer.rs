//! A wanted version's download: begun when there is none (unless paused or waiting for the
//! app's essential packs), or followed while the engine has it (paused, resumed, relocated,
//! reordered, installed when finished).

use super::{Action, Context, Input, PackPlan, PauseSource, is_live, shown};
use crate::engine::{DownloadState, PauseReason};
use crate::manager::key::DownloadKey;
use crate::manager::mirror::Mirror;
use crate::manager::state::PackRecord;
use crate::model::{Activity, Progress};

/// Whether a version may start, as far as the app's downloader extension is concerned.
#[derive(Debug, PartialEq)]
enum Gate<'a> {
    /// No extension, or it allowed this version.
    Open,
    /// The extension has not answered for this version yet.
    Ask(&'a str),
    /// The extension said no.
    Vetoed(&'a str),
}

fn gate<'a>(input: &Input<'a>, pack: &'a PackRecord, version: u64) -> Gate<'a> {
    let Some(extension) = input.extension else {
        return Gate::Open;
    };
    match &pack.observed.verdict {
        Some(v) if v.version == version && v.allowed => Gate::Open,
        Some(v) if v.version == version => Gate::Vetoed(&v.extension),
        _ => Gate::Ask(extension),
    }
}

/// A pack whose wanted version has no download yet: starts it, unless paused, waiting for
/// the app's essential packs, or not (yet) allowed by the app's downloader extension.
#[allow(clippy::too_many_arguments)]
pub(super) fn begin(
    input: &Input,
    context: &Context,
    listed: &crate::model::ManifestPack,
    pack: &PackRecord,
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
            Ok(url) => match gate(input, pack, key.version) {
                Gate::Open => {
                    actions.push(Action::Start { key, url });
                    (Activity::Queued, shown::waiting_for_slot())
                }
                Gate::Ask(extension) => {
                    if pack.live.asking != Some(key.version) {
                        actions.push(Action::AskExtension {
                            pack: id.into(),
                            version: key.version,
                        });
                    }
                    (Activity::Queued, shown::asking_extension(extension))
                }
                Gate::Vetoed(extension) => (
                    Activity::Vetoed {
                        extension: extension.to_string(),
                    },
                    shown::vetoed(extension),
                ),
            },
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
pub(super) fn follow(
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
    let priority = crate::manager::queue::download_priority(pack);
    let reorder = if pack.intent.pinned {
        !m.top
    } else {
        m.top || m.priority != priority
    };
    if is_live(m) && reorder {
        actions.push(Action::Reprioritize {
            key: m.key.clone(),
            priority,
            top: pack.intent.pinned,
        });
    }
    let (activity, reason) = match &m.state {
        // Asked again after a failure, but paused: it waits for Resume, failed in the engine.
        DownloadState::Failed { .. } if pack.live.failed.is_none() && paused.is_some() => {
            (Activity::Paused { progress }, shown::paused(paused))
        }
        DownloadState::Failed { .. } if pack.live.failed.is_none() => {
            // Asked again after a failure: the engine resumes it from its partial file.
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
                pack,
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
        DownloadState::Queued => (Activity::Queued, shown::waiting(&m.wait)),
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
