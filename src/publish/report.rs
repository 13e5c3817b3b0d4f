//! What a publish tells before it acts: each upload and why, what is kept, refused and
//! retired, and a summary line; worded as a plan for a dry run.

use super::plan::{ObjectKind, PublishPlan, Reason};
use super::{Destination, Reporter};
use crate::model::size::format_bytes;

/// Reports `plan` for `destination`, line by line.
pub(crate) fn report_plan(
    plan: &PublishPlan,
    destination: &Destination,
    dry_run: bool,
    reporter: &dyn Reporter,
) {
    let verb = if dry_run { "would upload" } else { "to upload" };
    for step in &plan.uploads {
        let why = match step.reason {
            Reason::Missing => "not in the store".to_string(),
            Reason::WrongSize { found } => format!("the store has {found} bytes under that name"),
            Reason::Changed => "changed since the last publish".to_string(),
        };
        let what = match step.object.kind {
            ObjectKind::Archive => "archive",
            ObjectKind::File => "file",
        };
        reporter.line(&format!(
            "{verb}: {} ({what}, {}; {why})",
            step.object.name,
            format_bytes(step.object.size)
        ));
    }
    for kept in &plan.kept {
        reporter.line(&format!("kept: {} (already in the store)", kept.name));
    }
    for name in &plan.foreign {
        reporter.line(&format!(
            "refused: {name} is in the store and no publish record names it: not overwritten"
        ));
    }
    for retired in &plan.retired {
        reporter.line(&format!(
            "retired: {retired} (no longer named; `bgassets pack prune` deletes it)"
        ));
    }
    let manifest = match (plan.write_manifest, dry_run) {
        (true, true) => "would write manifest.json last",
        (true, false) => "manifest.json is written last",
        (false, _) => "manifest.json unchanged",
    };
    reporter.line(&format!(
        "{destination}: {} to upload ({}), {} kept, {} retired; {manifest}",
        plan.uploads.len(),
        format_bytes(plan.upload_bytes()),
        plan.kept.len(),
        plan.retired.len()
    ));
}
