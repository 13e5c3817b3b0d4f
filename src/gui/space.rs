//! The space planner: before a download that does not fit, or that takes much of what is free,
//! the window says what it needs and what is free (and what removing on-demand packs would
//! free) and asks first. Pure, so the row, the dialog and the tests agree.

use crate::manager::view::PackView;

/// A download asks first when it needs more than this share of the free space.
pub const LARGE_SHARE: u64 = 2; // more than half

/// What a download needs on disk against what is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceNeed {
    /// Bytes the download still needs: the archive's bytes not yet downloaded, plus the
    /// installed files (the archive stays until they are extracted).
    pub needed: u64,
    /// Bytes free on the data dir's disk.
    pub free: u64,
    /// Bytes removing every installed on-demand pack would free.
    pub on_demand: u64,
}

impl SpaceNeed {
    /// What downloading `pack` needs, when `free` bytes are free; `None` when the free space is
    /// not known.
    pub fn of(pack: &PackView, free: Option<u64>, on_demand: u64) -> Option<Self> {
        let needed = pack
            .download_size
            .saturating_sub(pack.partial_bytes)
            .saturating_add(pack.install_size);
        Some(Self {
            needed,
            free: free?,
            on_demand,
        })
    }

    /// Whether it does not fit in what is free.
    pub fn does_not_fit(&self) -> bool {
        self.needed > self.free
    }

    /// Whether the person is asked before it starts: it does not fit, or takes more than half
    /// of what is free.
    pub fn asks_first(&self) -> bool {
        self.needed > self.free / LARGE_SHARE
    }

    /// `"needs 90 MB, 100 MB free"`, with what on-demand packs would free when that helps.
    pub fn sentence(&self) -> String {
        use super::format::bytes;
        let mut text = format!("needs {}, {} free", bytes(self.needed), bytes(self.free));
        if self.on_demand > 0 {
            text.push_str(&format!(
                "; removing on-demand packs would free {}",
                bytes(self.on_demand)
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture;

    fn ondemand() -> PackView {
        let document = fixture::every_state();
        PackView::clone(&document.apps[0].packs[11])
    }

    #[test]
    fn a_small_download_goes_ahead() {
        let need = SpaceNeed::of(&ondemand(), Some(1_000_000_000), 0).unwrap();
        assert_eq!(need.needed, 90_000_000);
        assert!(!need.asks_first());
        assert!(!need.does_not_fit());
    }

    #[test]
    fn a_large_or_too_large_download_asks_and_says_why() {
        let need = SpaceNeed::of(&ondemand(), Some(100_000_000), 50_000_000).unwrap();
        assert!(need.asks_first() && !need.does_not_fit());
        assert_eq!(
            need.sentence(),
            "needs 90 MB, 100 MB free; removing on-demand packs would free 50 MB"
        );
        let need = SpaceNeed::of(&ondemand(), Some(60_000_000), 0).unwrap();
        assert!(need.does_not_fit());
        assert_eq!(need.sentence(), "needs 90 MB, 60 MB free");
    }

    #[test]
    fn unknown_free_space_asks_nothing_and_huge_sizes_saturate() {
        assert_eq!(SpaceNeed::of(&ondemand(), None, 0), None);
        let mut pack = ondemand();
        pack.download_size = u64::MAX;
        pack.install_size = u64::MAX;
        let need = SpaceNeed::of(&pack, Some(10), 0).unwrap();
        assert_eq!(need.needed, u64::MAX);
        assert!(need.does_not_fit());
    }
}
