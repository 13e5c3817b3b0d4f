//! What to notify, decided without I/O: [`observe`] compares two status documents and says what
//! happened that a person should hear of (an app became launch-ready after waiting; a pack's
//! download failed or ran out of space); [`Throttle`] groups those per app and rate-limits them:
//! an app's news waits [`GATHER`] for what happens at the same moment, and an app gets at most
//! one notification per [`INTERVAL`], which then tells everything that happened meanwhile.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::manager::view::{AppView, StatusDocument};
use crate::model::{Activity, PackError};

use super::text::{self, Notification};

/// How long an app's first news waits for more of the same moment (a burst of failures).
pub const GATHER: Duration = Duration::from_secs(2);
/// The least time between two notifications about one app.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Something a person should hear of.
#[derive(Debug, Clone, PartialEq)]
pub enum Happening {
    /// The app's essential packs are in (or failed for good): it may launch.
    Ready {
        /// The app's bundle id.
        app: String,
        /// The app's name.
        name: String,
        /// The pack a click shows: the first essential pack, else the first pack.
        pack: Option<String>,
        /// Essential packs whose download failed for good (the app launches without them).
        missing: Vec<String>,
    },
    /// A pack's download failed (or waits for disk space).
    Attention {
        /// The app's bundle id.
        app: String,
        /// The app's name.
        name: String,
        /// The pack's id.
        pack: String,
        /// The pack's name.
        pack_name: String,
        /// What went wrong.
        error: PackError,
    },
}

/// What happened between `previous` and `current`. The first document (`previous` is `None`)
/// is the baseline: what was already so when the notifier started is not news.
pub fn observe(previous: Option<&StatusDocument>, current: &StatusDocument) -> Vec<Happening> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    let mut happenings = Vec::new();
    for app in &current.apps {
        let before = previous.app(&app.bundle_id);
        if app.launch_ready && before.is_some_and(|b| !b.launch_ready) {
            happenings.push(ready(app));
        }
        for pack in &app.packs {
            let Activity::Failed { error } = &pack.activity else {
                continue;
            };
            let was = before.and_then(|b| b.packs.iter().find(|p| p.id == pack.id));
            let already = was.is_some_and(
                |p| matches!(&p.activity, Activity::Failed { error: e } if e.kind == error.kind),
            );
            if !already {
                happenings.push(Happening::Attention {
                    app: app.bundle_id.clone(),
                    name: app.name.clone(),
                    pack: pack.id.clone(),
                    pack_name: pack.name.clone(),
                    error: error.clone(),
                });
            }
        }
    }
    happenings
}

fn ready(app: &AppView) -> Happening {
    let target = app
        .packs
        .iter()
        .find(|p| p.policy.is_essential())
        .or_else(|| app.packs.first());
    let name_of = |id: &String| {
        app.packs
            .iter()
            .find(|p| &p.id == id)
            .map_or_else(|| id.clone(), |p| p.name.clone())
    };
    Happening::Ready {
        app: app.bundle_id.clone(),
        name: app.name.clone(),
        pack: target.map(|p| p.id.clone()),
        missing: app.essential_failed.iter().map(name_of).collect(),
    }
}

/// One app's news not yet told.
#[derive(Debug, Default)]
pub(super) struct Pending {
    pub(super) name: String,
    /// When the oldest untold news arrived.
    since: Option<Instant>,
    /// When the app's last notification went out.
    last_sent: Option<Instant>,
    /// The app became ready: the pack a click shows, and the essentials it lacks.
    pub(super) ready: Option<(Option<String>, Vec<String>)>,
    /// Packs needing attention: id → (name, error).
    pub(super) attention: BTreeMap<String, (String, PackError)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.ready.is_none() && self.attention.is_empty()
    }
}

/// Groups happenings per app and lets each app's through at most once per interval.
#[derive(Debug)]
pub struct Throttle {
    gather: Duration,
    interval: Duration,
    apps: BTreeMap<String, Pending>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(GATHER, INTERVAL)
    }
}

impl Throttle {
    /// A throttle waiting `gather` for a burst and `interval` between an app's notifications.
    pub fn new(gather: Duration, interval: Duration) -> Self {
        Self {
            gather,
            interval,
            apps: BTreeMap::new(),
        }
    }

    /// Takes in what happened at `now`.
    pub fn offer(&mut self, now: Instant, happenings: Vec<Happening>) {
        for happening in happenings {
            let (app, name) = match &happening {
                Happening::Ready { app, name, .. } | Happening::Attention { app, name, .. } => {
                    (app.clone(), name.clone())
                }
            };
            let pending = self.apps.entry(app).or_default();
            pending.name = name;
            pending.since.get_or_insert(now);
            match happening {
                Happening::Ready { pack, missing, .. } => pending.ready = Some((pack, missing)),
                Happening::Attention {
                    pack,
                    pack_name,
                    error,
                    ..
                } => {
                    pending.attention.insert(pack, (pack_name, error));
                }
            }
        }
    }

    /// Forgets untold news that `current` no longer bears out: a pack that recovered, an app
    /// that is no longer ready (or gone).
    pub fn retract(&mut self, current: &StatusDocument) {
        for (bundle_id, pending) in &mut self.apps {
            let app = current.app(bundle_id);
            if !app.is_some_and(|a| a.launch_ready) {
                pending.ready = None;
            }
            pending.attention.retain(|id, _| {
                app.and_then(|a| a.packs.iter().find(|p| &p.id == id))
                    .is_some_and(|p| p.activity.is_failed())
            });
            if pending.is_empty() {
                pending.since = None;
            }
        }
    }

    /// The notifications due at `now`, one per app at most; their news is then told.
    pub fn due(&mut self, now: Instant) -> Vec<Notification> {
        let mut due = Vec::new();
        for (app, pending) in &mut self.apps {
            let gathered = pending
                .since
                .is_some_and(|since| now.saturating_duration_since(since) >= self.gather);
            let rested = pending
                .last_sent
                .is_none_or(|last| now.saturating_duration_since(last) >= self.interval);
            if pending.is_empty() || !gathered || !rested {
                continue;
            }
            due.push(text::compose(app, pending));
            pending.ready = None;
            pending.attention.clear();
            pending.since = None;
            pending.last_sent = Some(now);
        }
        due
    }

    /// Whether some news waits to be told (gathering a burst, or an app resting between its
    /// notifications): the notifier then looks again on its clock.
    pub fn holds_news(&self) -> bool {
        self.apps.values().any(|pending| !pending.is_empty())
    }

    /// Drops every untold news (the quiet setting is on).
    pub fn clear(&mut self) {
        for pending in self.apps.values_mut() {
            pending.ready = None;
            pending.attention.clear();
            pending.since = None;
        }
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
