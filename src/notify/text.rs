//! A notification's words, from an app's gathered news: one summary line naming the app and
//! what happened, a body with one line per pack (at most [`MAX_LINES`], then how many more).

use crate::manager::api::PackRef;
use crate::model::{ErrorKind, PackError};

use super::policy::Pending;

/// Pack lines in a body before "and N more".
pub const MAX_LINES: usize = 5;

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The app it is about (bundle id), or empty for bgassets' own announcements.
    pub app: String,
    /// The one-line summary.
    pub summary: String,
    /// The body, one line per pack.
    pub body: String,
    /// The pack a click shows.
    pub target: Option<PackRef>,
}

/// The notification telling `pending`'s news about `app`.
pub(super) fn compose(app: &str, pending: &Pending) -> Notification {
    let name = &pending.name;
    let failed = pending.attention.len();
    let attention = match failed {
        0 => None,
        1 => pending
            .attention
            .values()
            .next()
            .map(|(pack, error)| format!("{pack} {}", short(error))),
        n => Some(format!("{n} packs need attention")),
    };
    let summary = match (&pending.ready, attention) {
        (Some(_), None) => format!("{name} is ready"),
        (Some(_), Some(attention)) => format!("{name} is ready; {attention}"),
        (None, Some(attention)) => format!("{name}: {attention}"),
        (None, None) => name.clone(),
    };
    let mut lines = Vec::new();
    if let Some((_, missing)) = &pending.ready {
        lines.push(if missing.is_empty() {
            "Its essential packs are installed.".to_owned()
        } else {
            format!(
                "It launches without {} (the download failed).",
                missing.join(", ")
            )
        });
    }
    for (pack, error) in pending.attention.values().take(MAX_LINES) {
        lines.push(format!("{pack}: {}", error.explain()));
    }
    if failed > MAX_LINES {
        lines.push(format!("and {} more", failed - MAX_LINES));
    }
    let target = pending
        .attention
        .keys()
        .next()
        .cloned()
        .or_else(|| pending.ready.as_ref().and_then(|(pack, _)| pack.clone()))
        .map(|pack| PackRef::new(app, &pack));
    Notification {
        app: app.to_owned(),
        summary,
        body: lines.join("\n"),
        target,
    }
}

/// What an error means for a person, in a few words.
fn short(error: &PackError) -> &'static str {
    match error.kind {
        ErrorKind::DiskFull => "is out of disk space",
        ErrorKind::InstallSizeExceeded => "is too large to install",
        _ => "failed",
    }
}
