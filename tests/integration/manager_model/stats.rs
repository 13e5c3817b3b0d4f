//! What the sequences exercised, counted, so a run says how much of the manager it reached
//! (a model test that never catches a download in flight proves little about pausing one).

use std::collections::BTreeMap;

use super::adapter::Seen;
use super::checks::{Check, Violation};

/// Counters over one sequence or a whole run.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub sequences: u64,
    pub steps: u64,
    pub restarts: u64,
    pub settles: u64,
    /// Installs begun, as the events told.
    pub installs: u64,
    /// Packs a pause selected while they were busy.
    pub pauses_of_busy_packs: u64,
    /// Packs shown paused right after a pause.
    pub packs_seen_paused: u64,
    /// Documents showing a pack downloading, failed, or an app launch-ready.
    pub seen_downloading: u64,
    pub seen_failed: u64,
    pub seen_launch_ready: u64,
    /// Sequences that broke a check not enforced in this run, by check.
    pub unenforced: BTreeMap<Check, u64>,
    /// The first three such violations of each check, with their sequences.
    pub examples: BTreeMap<Check, Vec<String>>,
}

impl Stats {
    /// Counts what one document shows.
    pub fn observe(&mut self, seen: &Seen) {
        let Some(app) = seen.app() else { return };
        let any = |state: &str| app.packs.iter().any(|p| p.state == state);
        self.seen_downloading += u64::from(any("downloading"));
        self.seen_failed += u64::from(any("failed"));
        self.seen_launch_ready += u64::from(app.launch_ready);
    }

    /// Adds a sequence's counters and its violations of checks not enforced.
    pub fn add(
        &mut self,
        other: &Stats,
        violations: &[Violation],
        enforced: &[Check],
        sequence: &str,
    ) {
        self.sequences += 1;
        self.steps += other.steps;
        self.restarts += other.restarts;
        self.settles += other.settles;
        self.installs += other.installs;
        self.pauses_of_busy_packs += other.pauses_of_busy_packs;
        self.packs_seen_paused += other.packs_seen_paused;
        self.seen_downloading += other.seen_downloading;
        self.seen_failed += other.seen_failed;
        self.seen_launch_ready += other.seen_launch_ready;
        let checks: std::collections::BTreeSet<Check> =
            violations.iter().map(|v| v.check).collect();
        for check in checks.into_iter().filter(|c| !enforced.contains(c)) {
            *self.unenforced.entry(check).or_default() += 1;
        }
        for violation in violations.iter().filter(|v| !enforced.contains(&v.check)) {
            let examples = self.examples.entry(violation.check).or_default();
            if examples.len() < 3 {
                examples.push(format!(
                    "step {}: {}\n    in {sequence}",
                    violation.step, violation.what
                ));
            }
        }
    }
}
