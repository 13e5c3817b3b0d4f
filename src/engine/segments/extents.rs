//! Which byte ranges of a segmented partial file are written: a set of disjoint, merged
//! `[start, end)` intervals. Pure; the writer thread keeps one and the sidecar saves it.

use std::collections::BTreeMap;

/// The most intervals a saved set may have: more is not something bgassets writes (each
/// connection's bytes merge into one interval), so a sidecar claiming more is refused.
pub const MAX_INTERVALS: usize = 4096;

/// Disjoint, non-adjacent `[start, end)` intervals, keyed by start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extents {
    map: BTreeMap<u64, u64>,
}

impl Extents {
    /// Validated intervals within `[0, total)`; `None` when one is empty, reversed, past
    /// `total` or there are more than [`MAX_INTERVALS`].
    pub fn from_list(list: &[[u64; 2]], total: u64) -> Option<Self> {
        if list.len() > MAX_INTERVALS {
            return None;
        }
        let mut extents = Self::default();
        for &[start, end] in list {
            if start >= end || end > total {
                return None;
            }
            extents.insert(start, end);
        }
        Some(extents)
    }

    /// Marks `[start, end)` written, merging with what it touches.
    pub fn insert(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let touching: Vec<(u64, u64)> = self
            .map
            .range(..=end)
            .rev()
            .take_while(|(_, e)| **e >= start)
            .map(|(s, e)| (*s, *e))
            .collect();
        let (mut low, mut high) = (start, end);
        for (s, e) in touching {
            self.map.remove(&s);
            low = low.min(s);
            high = high.max(e);
        }
        self.map.insert(low, high);
    }

    /// The length of the written prefix `[0, n)`.
    pub fn prefix(&self) -> u64 {
        self.map.get(&0).copied().unwrap_or(0)
    }

    /// Bytes written in all.
    pub fn covered(&self) -> u64 {
        self.map
            .iter()
            .fold(0u64, |sum, (s, e)| sum.saturating_add(e - s))
    }

    /// The intervals, in order.
    pub fn list(&self) -> Vec<[u64; 2]> {
        self.map.iter().map(|(s, e)| [*s, *e]).collect()
    }

    /// What is missing of `[0, total)`, in order.
    pub fn holes(&self, total: u64) -> Vec<(u64, u64)> {
        let mut holes = Vec::new();
        let mut at = 0;
        for (&s, &e) in &self.map {
            if s > at {
                holes.push((at, s.min(total)));
            }
            at = at.max(e);
        }
        if at < total {
            holes.push((at, total));
        }
        holes.retain(|(s, e)| s < e);
        holes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_merge_and_the_prefix_grows_when_a_gap_closes() {
        let mut extents = Extents::default();
        extents.insert(100, 200);
        extents.insert(0, 50);
        assert_eq!(extents.prefix(), 50);
        extents.insert(200, 300);
        assert_eq!(extents.list(), [[0, 50], [100, 300]]);
        extents.insert(50, 100);
        assert_eq!(extents.list(), [[0, 300]]);
        assert_eq!((extents.prefix(), extents.covered()), (300, 300));
        extents.insert(10, 20); // inside: nothing changes
        assert_eq!(extents.list(), [[0, 300]]);
    }

    #[test]
    fn holes_are_what_is_missing() {
        let extents = Extents::from_list(&[[10, 20], [30, 40]], 50).unwrap();
        assert_eq!(extents.holes(50), [(0, 10), (20, 30), (40, 50)]);
        assert_eq!(extents.covered(), 20);
        assert_eq!(Extents::default().holes(7), [(0, 7)]);
        let full = Extents::from_list(&[[0, 7]], 7).unwrap();
        assert!(full.holes(7).is_empty());
    }

    #[test]
    fn saved_intervals_outside_the_file_or_reversed_are_refused() {
        assert!(Extents::from_list(&[[0, 51]], 50).is_none());
        assert!(Extents::from_list(&[[5, 5]], 50).is_none());
        assert!(Extents::from_list(&[[9, 3]], 50).is_none());
        let many: Vec<[u64; 2]> = (0..=MAX_INTERVALS as u64)
            .map(|i| [2 * i, 2 * i + 1])
            .collect();
        assert!(Extents::from_list(&many, u64::MAX).is_none());
    }
}
