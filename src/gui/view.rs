//! What a pack row shows, derived from a [`PackView`]: one [`PackState`] out of the activity and
//! the status flags, its label, and which actions make sense. Pure functions, so the ring, the
//! row, the keyboard and the tests all agree on what "paused" or "update available" means.

use crate::manager::api::{Move, Request, Selection};
use crate::manager::view::PackView;
use crate::model::{Activity, DownloadPolicy};

/// The one state a pack is shown in: what is happening now, else what is installed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PackState {
    /// Waiting for a download slot.
    Queued,
    /// Opening the connection.
    Connecting,
    /// Bytes are arriving; the fraction done.
    Downloading(f32),
    /// The fraction done when it stopped.
    Paused(f32),
    /// The fraction done; the attempt about to be made.
    Retrying(f32, u32),
    /// Every byte arrived: the size and SHA-256 are being checked.
    Verifying,
    /// Extracting into the app's container.
    Installing,
    /// Failed; the error says why.
    Failed,
    /// The app's downloader extension said no to this version; Download asks it again.
    Vetoed,
    /// The listed version is installed.
    Installed,
    /// An older version is installed; the listed one is not yet.
    UpdateAvailable,
    /// Installed, but the manifest no longer lists it.
    Obsolete,
    /// Not installed and not downloading.
    NotDownloaded,
}

impl PackState {
    /// The state of `pack`: its activity first, then its installed and listed versions.
    pub fn of(pack: &PackView) -> Self {
        match &pack.activity {
            Activity::Queued => Self::Queued,
            Activity::Connecting => Self::Connecting,
            Activity::Downloading { progress } => Self::Downloading(progress.fraction()),
            Activity::Paused { progress } => Self::Paused(progress.fraction()),
            Activity::Retrying {
                attempt, progress, ..
            } => Self::Retrying(progress.fraction(), *attempt),
            Activity::Verifying => Self::Verifying,
            Activity::Installing => Self::Installing,
            Activity::Failed { .. } => Self::Failed,
            Activity::Vetoed { .. } => Self::Vetoed,
            Activity::Idle if pack.flags.obsolete => Self::Obsolete,
            Activity::Idle if pack.flags.out_of_date => Self::UpdateAvailable,
            Activity::Idle if pack.installed_version.is_some() => Self::Installed,
            Activity::Idle => Self::NotDownloaded,
        }
    }

    /// What people read next to the ring ("Downloading 42%", "Paused"…).
    pub fn label(self) -> String {
        match self {
            Self::Queued => "Queued".into(),
            Self::Connecting => "Connecting".into(),
            Self::Downloading(f) => format!("Downloading {}%", percent(f)),
            Self::Paused(_) => "Paused".into(),
            Self::Retrying(..) => "Retrying".into(),
            Self::Verifying => "Verifying".into(),
            Self::Installing => "Installing".into(),
            Self::Failed => "Failed".into(),
            Self::Vetoed => "Vetoed by the app".into(),
            Self::Installed => "Installed".into(),
            Self::UpdateAvailable => "Update available".into(),
            Self::Obsolete => "Obsolete".into(),
            Self::NotDownloaded => "Not downloaded".into(),
        }
    }

    /// The fraction done, for states that draw a determinate arc.
    pub fn fraction(self) -> Option<f32> {
        match self {
            Self::Downloading(f) | Self::Paused(f) | Self::Retrying(f, _) => Some(f),
            _ => None,
        }
    }

    /// Whether the ring spins: work is under way but its share is unknown.
    pub fn is_indeterminate(self) -> bool {
        matches!(self, Self::Connecting | Self::Verifying | Self::Installing)
    }

    /// Whether the row changes on its own (a spinner) and so needs periodic repaints.
    pub fn is_animated(self) -> bool {
        self.is_indeterminate()
    }

    /// Whether Space / the row's button pauses it.
    pub fn can_pause(self) -> bool {
        matches!(
            self,
            Self::Queued | Self::Connecting | Self::Downloading(_) | Self::Retrying(..)
        )
    }

    /// Whether Space / the row's button resumes it (a failed pack is retried).
    pub fn can_resume(self) -> bool {
        matches!(self, Self::Paused(_) | Self::Failed)
    }
}

/// A fraction as a whole percentage, never showing 100 before the end.
pub fn percent(fraction: f32) -> u32 {
    let p = (fraction.clamp(0.0, 1.0) * 100.0).floor() as u32;
    if fraction < 1.0 { p.min(99) } else { 100 }
}

/// The policy as its badge reads.
pub fn policy_label(policy: DownloadPolicy) -> &'static str {
    match policy {
        DownloadPolicy::Essential(_) => "Essential",
        DownloadPolicy::Prefetch(_) => "Prefetch",
        DownloadPolicy::OnDemand => "On demand",
    }
}

/// Bytes a removal frees: the installed files and any partial download.
pub fn space_freed(pack: &PackView) -> u64 {
    pack.installed_bytes + pack.partial_bytes
}

/// Whether there is anything to remove.
pub fn can_remove(pack: &PackView) -> bool {
    pack.installed_version.is_some() || pack.partial_bytes > 0 || PackState::of(pack).can_pause()
}

/// Whether "Download" (or "Update") applies: a listed version is not installed and nothing is
/// under way. A failed pack is retried instead.
pub fn can_download(pack: &PackView) -> bool {
    matches!(
        PackState::of(pack),
        PackState::NotDownloaded | PackState::UpdateAvailable | PackState::Vetoed
    ) && (pack.flags.download_available || pack.flags.out_of_date)
}

/// The request Space and the pause/resume button send, if any.
pub fn toggle_request(pack: &PackView) -> Option<Request> {
    let selection = Selection::pack(&pack.app, &pack.id);
    let state = PackState::of(pack);
    if state.can_pause() {
        Some(Request::Pause { selection })
    } else if state.can_resume() {
        Some(Request::Resume { selection })
    } else {
        None
    }
}

/// Downloads (or updates) the pack now.
pub fn download_request(pack: &PackView) -> Request {
    Request::Ensure {
        app: pack.app.clone(),
        pack: pack.id.clone(),
        require_latest: pack.flags.out_of_date,
    }
}

/// Which moves change a pack's place in its app's download order: order matters only for a
/// pack with a download to come or under way; a move never crosses what it cannot (an
/// essential pack and a non-essential one keep their sides; the pack moved to the top stays
/// first until moved down); "move to top" is for a pack not already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moves {
    /// "Move up" changes something.
    pub up: bool,
    /// "Move down" changes something.
    pub down: bool,
    /// "Move to top" changes something.
    pub top: bool,
}

/// The moves that change something for `pack`, between `previous` and `next` in its app's
/// download order.
pub fn moves(pack: &PackView, previous: Option<&PackView>, next: Option<&PackView>) -> Moves {
    let pending = pack.wanted && pack.installed_version != pack.listed_version;
    if !pending {
        return Moves::default();
    }
    let essential = |p: &PackView| p.policy.is_essential();
    Moves {
        up: !pack.pinned && previous.is_some_and(|p| !p.pinned && essential(p) == essential(pack)),
        down: next.is_some_and(|n| pack.pinned || essential(n) == essential(pack)),
        top: !pack.pinned,
    }
}

/// Moves the pack in its app's download order.
pub fn move_request(pack: &PackView, to: Move) -> Request {
    Request::Prioritize {
        app: pack.app.clone(),
        pack: pack.id.clone(),
        to,
    }
}

/// Removes the pack.
pub fn remove_request(pack: &PackView) -> Request {
    Request::Remove {
        app: pack.app.clone(),
        pack: pack.id.clone(),
    }
}

/// Whether `pack` matches the filter `needle` (already lower case): name, id, kind, state or
/// policy.
pub fn matches_filter(pack: &PackView, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let contains = |text: &str| text.to_lowercase().contains(needle);
    contains(&pack.name)
        || contains(&pack.id)
        || contains(pack.kind.name())
        || contains(&PackState::of(pack).label())
        || contains(policy_label(pack.policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture;
    use crate::model::{InstallationEvents, PackKind};

    fn pack(id: &str, policy: DownloadPolicy, versions: (Option<u64>, Option<u64>)) -> PackView {
        let mut pack = fixture::pack(id, id, PackKind::Data, policy, versions, Activity::Idle);
        pack.wanted = true;
        pack
    }

    const ESSENTIAL: DownloadPolicy = DownloadPolicy::Essential(InstallationEvents::ALL);

    #[test]
    fn a_vetoed_pack_says_so_and_can_be_asked_for_again() {
        let mut vetoed = pack("Upscaler", DownloadPolicy::OnDemand, (None, Some(1)));
        vetoed.activity = Activity::Vetoed {
            extension: "demo-extension".into(),
        };
        vetoed.flags.download_available = true;
        let state = PackState::of(&vetoed);
        assert_eq!(state, PackState::Vetoed);
        assert_eq!(state.label(), "Vetoed by the app");
        assert!(can_download(&vetoed), "Download asks the extension again");
        assert!(!state.can_pause() && !state.can_resume());
        assert_eq!(toggle_request(&vetoed), None);
    }

    #[test]
    fn order_controls_are_off_where_order_does_not_matter() {
        let installed = pack("Installed", DownloadPolicy::OnDemand, (Some(1), Some(1)));
        let waiting = pack("Waiting", DownloadPolicy::OnDemand, (None, Some(1)));
        assert_eq!(
            moves(&installed, Some(&waiting), Some(&waiting)),
            Moves::default(),
            "an installed pack has no place in the queue"
        );
        let mut unwanted = waiting.clone();
        unwanted.wanted = false;
        assert_eq!(moves(&unwanted, None, Some(&waiting)), Moves::default());
        let all = moves(&waiting, Some(&installed), Some(&installed));
        assert_eq!(
            all,
            Moves {
                up: true,
                down: true,
                top: true
            }
        );
    }

    #[test]
    fn a_move_never_crosses_what_it_cannot() {
        let essential = pack("Core", ESSENTIAL, (None, Some(1)));
        let waiting = pack("Maps", DownloadPolicy::OnDemand, (None, Some(1)));
        let below_essentials = moves(&waiting, Some(&essential), None);
        assert!(!below_essentials.up, "essential packs stay ahead");
        assert!(!below_essentials.down, "last in line");
        assert!(below_essentials.top, "the top is above essentials");
        let mut pinned = waiting.clone();
        pinned.pinned = true;
        let under_pinned = moves(&waiting, Some(&pinned), None);
        assert!(!under_pinned.up, "the pack moved to the top stays first");
        let top = moves(&pinned, None, Some(&essential));
        assert!(!top.top && !top.up, "already at the top");
        assert!(top.down, "moving down unpins it");
    }
}
