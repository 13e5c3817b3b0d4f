//! When the [`super::ramp::Ramp`] measures: over a window that opens only once every connection
//! opened so far has been answered, and lasts [`WINDOW`]. A connection still connecting (TCP,
//! TLS and the request: several round trips to a distant origin) brings nothing yet; measured
//! over a fixed tick, the step that opened it shows no growth and ends the ramp for good, at
//! two connections, on exactly the origins that need more. Pure: times and counts are given.

use std::time::Duration;

/// How long a measuring window lasts.
pub const WINDOW: Duration = Duration::from_millis(125);
/// How often the window is looked at while the ramp goes on (it opens at most this late).
pub const POLL: Duration = Duration::from_millis(10);

/// What a closed window saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// Bytes received in it, scaled to [`WINDOW`] (a late look makes it a little longer).
    pub bytes: u64,
    /// How long the connections waited for the writer in it (summed over them).
    pub waited: Duration,
    /// How long it lasted.
    pub elapsed: Duration,
}

/// The window: closed, or open since a time with the counts then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    open: Option<(Duration, u64, Duration)>,
}

impl Window {
    /// A look at `now` (since the attempt began) with `received` bytes and `waited` for the
    /// writer so far; `answered`: every connection opened so far has had its answer (or
    /// ended). Opens the window when it is closed and `answered`; closes it once [`WINDOW`] has
    /// passed, giving what it saw.
    pub fn look(
        &mut self,
        now: Duration,
        received: u64,
        waited: Duration,
        answered: bool,
    ) -> Option<Measured> {
        let Some((since, from, waited_from)) = self.open else {
            if answered {
                self.open = Some((now, received, waited));
            }
            return None;
        };
        let elapsed = now.saturating_sub(since);
        if elapsed < WINDOW {
            return None;
        }
        self.open = None;
        Some(Measured {
            bytes: scaled(received.saturating_sub(from), elapsed),
            waited: waited.saturating_sub(waited_from),
            elapsed,
        })
    }
}

/// `bytes` received in `elapsed` (at least [`WINDOW`]), as bytes per [`WINDOW`].
fn scaled(bytes: u64, elapsed: Duration) -> u64 {
    if elapsed <= WINDOW {
        return bytes;
    }
    let per = u128::from(bytes) * WINDOW.as_nanos() / elapsed.as_nanos();
    u64::try_from(per).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_window_opens_once_every_connection_is_answered_and_lasts_its_length() {
        let mut window = Window::default();
        // A connection still connecting: nothing measured, however long.
        assert_eq!(window.look(MS * 100, 0, Duration::ZERO, false), None);
        assert_eq!(window.look(MS * 300, 10, Duration::ZERO, false), None);
        // Answered at 310 ms: the window runs from there.
        assert_eq!(window.look(MS * 310, 10, MS, true), None);
        assert_eq!(window.look(MS * 400, 500, MS, true), None);
        let seen = window.look(MS * 435, 1010, MS * 3, true);
        assert_eq!(
            seen,
            Some(Measured {
                bytes: 1000,
                waited: MS * 2,
                elapsed: MS * 125
            })
        );
        // Closed: the next one opens at the next answered look.
        assert_eq!(window.look(MS * 440, 1100, MS * 3, false), None);
        assert_eq!(window.look(MS * 450, 1200, MS * 3, true), None);
        // Looked at late (250 ms): the bytes count per 125 ms.
        let late = window.look(MS * 700, 3200, MS * 3, true).unwrap();
        assert_eq!((late.bytes, late.elapsed), (1000, MS * 250));
    }

    #[test]
    fn scaling_never_wraps() {
        assert_eq!(scaled(u64::MAX, WINDOW), u64::MAX);
        assert_eq!(scaled(u64::MAX, WINDOW * 2), u64::MAX / 2);
        assert_eq!(scaled(7, WINDOW / 2), 7);
    }
}
