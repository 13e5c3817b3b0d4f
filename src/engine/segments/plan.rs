//! Who fetches which bytes: the spans of a segmented download, each fetched by at most one
//! connection. A connection takes a span nobody fetches, or splits the biggest one being
//! fetched (the upper half becomes its own once the server has answered for it). Pure: the
//! connections share one `Plan` behind a lock.

/// Bytes `[pos, end)` still to fetch of one span, and the connection fetching them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The next byte to write.
    pub pos: u64,
    /// One past the span's last byte; a split moves it down.
    pub end: u64,
    /// The connection fetching it, if any.
    pub owner: Option<usize>,
}

/// A proposed split: the span `donor` would keep `[pos, at)` and give `[at, end)` away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The span split.
    pub donor: usize,
    /// The first byte given away.
    pub at: u64,
    /// One past the last byte given away, as the donor's end was when proposed.
    pub end: u64,
}

/// The spans of one download.
#[derive(Debug, Clone)]
pub struct Plan {
    spans: Vec<Span>,
    min_split: u64,
}

impl Plan {
    /// A plan fetching `holes`, never splitting off less than `min_split` bytes.
    pub fn new(holes: &[(u64, u64)], min_split: u64) -> Self {
        let spans = holes
            .iter()
            .filter(|(s, e)| s < e)
            .map(|&(pos, end)| Span {
                pos,
                end,
                owner: None,
            })
            .collect();
        Self {
            spans,
            min_split: min_split.max(1),
        }
    }

    /// Gives connection `owner` a span nobody fetches: its index.
    pub fn take(&mut self, owner: usize) -> Option<usize> {
        let index = self
            .spans
            .iter()
            .position(|s| s.owner.is_none() && s.pos < s.end)?;
        self.spans[index].owner = Some(owner);
        Some(index)
    }

    /// The biggest span being fetched split in two, when its rest is at least twice the
    /// smallest split.
    pub fn propose_split(&self) -> Option<Split> {
        let (donor, span) = self
            .spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.owner.is_some())
            .max_by_key(|(_, s)| s.end.saturating_sub(s.pos))?;
        let rest = span.end.saturating_sub(span.pos);
        (rest >= self.min_split.saturating_mul(2)).then(|| Split {
            donor,
            at: span.pos + rest / 2,
            end: span.end,
        })
    }

    /// Makes `split` real for connection `owner`, whose server now sends `[split.at,
    /// split.end)`: the new span's index, or `None` when the donor has meanwhile passed
    /// `split.at` (or been split beyond what was asked for).
    pub fn commit(&mut self, split: Split, owner: usize) -> Option<usize> {
        let donor = self.spans.get_mut(split.donor)?;
        if !(donor.pos < split.at && split.at < donor.end && donor.end <= split.end) {
            return None;
        }
        let end = donor.end;
        donor.end = split.at;
        self.spans.push(Span {
            pos: split.at,
            end,
            owner: Some(owner),
        });
        Some(self.spans.len() - 1)
    }

    /// Where span `index` is: `(pos, end)`.
    pub fn span(&self, index: usize) -> Option<(u64, u64)> {
        self.spans.get(index).map(|s| (s.pos, s.end))
    }

    /// Accounts `bytes` arriving for span `index`: the offset they go to and how many of them
    /// belong to the span (fewer when it was split meanwhile; the rest is dropped).
    pub fn advance(&mut self, index: usize, bytes: u64) -> (u64, u64) {
        let Some(span) = self.spans.get_mut(index) else {
            return (0, 0);
        };
        let taken = bytes.min(span.end.saturating_sub(span.pos));
        let offset = span.pos;
        span.pos += taken;
        (offset, taken)
    }

    /// Span `index` is fetched by nobody now (its connection failed or stopped).
    pub fn release(&mut self, index: usize) {
        if let Some(span) = self.spans.get_mut(index) {
            span.owner = None;
        }
    }

    /// Whether every byte is fetched.
    pub fn is_complete(&self) -> bool {
        self.spans.iter().all(|s| s.pos >= s.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_gives_the_upper_half_of_the_biggest_span_away() {
        let mut plan = Plan::new(&[(0, 1000)], 100);
        assert_eq!(plan.take(0), Some(0));
        assert_eq!(plan.take(1), None);
        let split = plan.propose_split().unwrap();
        assert_eq!(
            split,
            Split {
                donor: 0,
                at: 500,
                end: 1000
            }
        );
        assert_eq!(plan.commit(split, 1), Some(1));
        assert_eq!(
            (plan.span(0), plan.span(1)),
            (Some((0, 500)), Some((500, 1000)))
        );
        // The donor's bytes stop at the split.
        assert_eq!(plan.advance(0, 600), (0, 500));
        assert_eq!(plan.advance(0, 1), (500, 0));
        assert!(!plan.is_complete());
        assert_eq!(plan.advance(1, 500), (500, 500));
        assert!(plan.is_complete());
    }

    #[test]
    fn a_split_the_donor_has_passed_is_not_committed() {
        let mut plan = Plan::new(&[(0, 1000)], 100);
        plan.take(0);
        let split = plan.propose_split().unwrap();
        plan.advance(0, 700);
        assert_eq!(plan.commit(split, 1), None);
        assert_eq!(plan.span(0), Some((700, 1000)));
    }

    #[test]
    fn small_rests_are_not_split_and_released_spans_are_taken_again() {
        let mut plan = Plan::new(&[(0, 150), (300, 400)], 100);
        assert_eq!(plan.take(0), Some(0));
        assert_eq!(plan.propose_split(), None);
        assert_eq!(plan.take(1), Some(1));
        plan.advance(1, 30);
        plan.release(1);
        assert_eq!(plan.take(2), Some(1));
        assert_eq!(plan.span(1), Some((330, 400)));
    }

    #[test]
    fn a_split_of_a_span_split_meanwhile_takes_what_is_left_of_it() {
        let mut plan = Plan::new(&[(0, 1000)], 10);
        plan.take(0);
        let wide = plan.propose_split().unwrap(); // [500, 1000)
        let narrow = Split {
            donor: 0,
            at: 700,
            end: 1000,
        };
        assert_eq!(plan.commit(narrow, 2), Some(1));
        // The first asked for [500, 1000) and gets [500, 700).
        assert_eq!(plan.commit(wide, 1), Some(2));
        assert_eq!(plan.span(2), Some((500, 700)));
        assert_eq!(plan.span(0), Some((0, 500)));
    }
}
