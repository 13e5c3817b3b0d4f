//! Crashes at bad moments. `bgassets sync` (a real process) installs a three-pack app served by
//! the mock server, then updates it version after version, and is killed with SIGKILL at
//! chosen moments (downloading, verifying, extracting, swapping, saving state), restarted each
//! time. Throughout, a reader thread resolves each pack's current folder and checks that every
//! file set it sees is one whole version; after every kill both state files load; after each
//! round's clean run every pack is byte-identical to its source at the round's version and
//! nothing a crash left behind (staging folders, temporary links, replaced version folders,
//! archives and partials of retired versions) is left. A canary beside the data dir stays as it
//! was.
//!
//! `CRASH_LOOP_KILLS` sets the number of kills (6 here, so the test command stays quick;
//! `scripts/crash-loop` runs 50 and prints the figures), `CRASH_LOOP_SEED` the random seed.

mod leftovers;
mod races;
mod users;

use crate::support::crash::driver::{crash_loop, print};

#[test]
fn a_manager_killed_at_bad_moments_ends_whole_and_leaves_nothing_behind() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let kills = env("CRASH_LOOP_KILLS", 6) as u32;
    let seed = env("CRASH_LOOP_SEED", 11);
    let figures = crash_loop(kills, seed);
    print(&figures);
    assert_eq!(figures.kills.values().sum::<u32>(), kills);
    assert!(
        figures.seen.half.is_empty(),
        "the reader saw half a pack: {:#?}",
        figures.seen.half
    );
    assert!(
        figures.seen.looks > 0 && !figures.seen.whole.is_empty(),
        "the reader saw nothing"
    );
}
