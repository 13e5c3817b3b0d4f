//! How long after a file's times were set a [`super::reuse::Stamp`] of it proves anything: a
//! write moves a file's change time only once the file system's clock has stepped past the
//! value it last set, so a stamp is taken only when its times lie more than this step in the
//! past, and a delta waits that long after its last link before it hashes.
//!
//! On Linux the step is the kernel tick, the resolution of `CLOCK_REALTIME_COARSE` (4 ms at
//! 250 Hz, 1 ms at 1000 Hz), which file times are taken from; twice it is used. Elsewhere, or
//! when the kernel does not say, 20 ms: longer than the slowest tick (10 ms at 100 Hz).

use std::sync::OnceLock;
use std::time::Duration;

/// The step assumed where the kernel does not say.
const UNKNOWN: Duration = Duration::from_millis(20);
/// The least step used, whatever the kernel says.
const LEAST: Duration = Duration::from_millis(2);

/// The step for a coarse clock of `resolution` (`None`: not known): twice it, at least
/// [`LEAST`]; [`UNKNOWN`] for no resolution, or one too large to be a tick.
pub fn step_for(resolution: Option<Duration>) -> Duration {
    match resolution {
        Some(tick) if !tick.is_zero() && tick <= UNKNOWN / 2 => (tick * 2).max(LEAST),
        _ => UNKNOWN,
    }
}

/// This machine's step, asked of the kernel once.
pub fn timestamp_tick() -> Duration {
    static STEP: OnceLock<Duration> = OnceLock::new();
    *STEP.get_or_init(|| step_for(coarse_resolution()))
}

#[cfg(target_os = "linux")]
fn coarse_resolution() -> Option<Duration> {
    let mut resolution = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_getres` writes one `timespec`, which we own, and reads nothing else.
    let done = unsafe { libc::clock_getres(libc::CLOCK_REALTIME_COARSE, &mut resolution) };
    let seconds = u64::try_from(resolution.tv_sec).ok()?;
    let nanos = u32::try_from(resolution.tv_nsec).ok()?;
    (done == 0 && nanos < 1_000_000_000).then(|| Duration::new(seconds, nanos))
}

#[cfg(not(target_os = "linux"))]
fn coarse_resolution() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_is_twice_the_kernel_tick_and_twenty_ms_where_unknown() {
        let ms = Duration::from_millis;
        assert_eq!(step_for(Some(ms(4))), ms(8), "250 Hz");
        assert_eq!(step_for(Some(ms(10))), ms(20), "100 Hz");
        assert_eq!(step_for(Some(ms(1))), ms(2), "1000 Hz");
        assert_eq!(step_for(Some(Duration::from_micros(1))), LEAST);
        assert_eq!(step_for(Some(Duration::ZERO)), UNKNOWN);
        assert_eq!(step_for(Some(ms(11))), UNKNOWN, "not a tick");
        assert_eq!(step_for(Some(Duration::from_secs(1))), UNKNOWN);
        assert_eq!(step_for(None), UNKNOWN);
        let here = timestamp_tick();
        assert!(LEAST <= here && here <= UNKNOWN, "{here:?}");
        #[cfg(target_os = "linux")]
        assert!(coarse_resolution().is_some(), "Linux tells its tick");
    }
}
