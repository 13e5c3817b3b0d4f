//! When the actor runs a scheduling pass ([`super::scheduler::decide`], the waits, the starts).
//! A pass looks at every download, so with hundreds queued it is tens of microseconds; running
//! one after every command and report was an eighth of the actor's thread on 500 small files
//! (931 to 1,547 passes a run, 25 to 45 ms). Most of those could change nothing: a server's
//! answer moves a download from connecting to downloading (both hold their slot), progress
//! moves bytes, and a new download that is not urgent cannot start while every slot is taken.
//! Everything else (a slot freed, a limit, a priority, a pause, a retry falling due) runs one.

use super::command::Command;
use super::job::Report;
use super::scheduler;

/// Whether applying `report` may change what the scheduler decides. While a download waits
/// because its host refused its start (`host_refused`: a segmented download's connections,
/// counted as they open, took the cap), every report runs a pass, so that it starts as soon as
/// one of them closes, which no report may name.
pub(super) fn after_report(report: &Report, host_refused: bool) -> bool {
    match report {
        Report::Response { .. } | Report::Progress { .. } => host_refused,
        Report::Connections { .. } | Report::Verifying { .. } | Report::Done { .. } => true,
    }
}

/// Whether applying `command` may change what the scheduler decides, when the last pass left
/// every slot taken (`slots_taken`) or not.
pub(super) fn after_command(command: &Command, slots_taken: bool) -> bool {
    match command {
        Command::Enqueue(request, _) => !slots_taken || scheduler::urgent(request),
        Command::Snapshot(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::download::{DownloadRequest, Priority};
    use std::path::PathBuf;

    fn enqueue(essential: bool, priority: Priority) -> Command {
        let url = "http://127.0.0.1:1/a.zip".parse().unwrap();
        let mut request = DownloadRequest::new("a", url, PathBuf::from("/tmp/a.zip"));
        request.essential = essential;
        request.priority = priority;
        Command::Enqueue(Box::new(request), tokio::sync::oneshot::channel().0)
    }

    #[test]
    fn a_new_download_runs_a_pass_when_a_slot_is_free_or_it_is_urgent() {
        let plain = enqueue(false, Priority::default());
        assert!(after_command(&plain, false), "a slot is free");
        assert!(!after_command(&plain, true), "nothing can start");
        assert!(after_command(&enqueue(true, Priority::default()), true));
        assert!(after_command(&enqueue(false, Priority::MAX), true));
    }

    #[test]
    fn every_other_verb_runs_a_pass_and_a_snapshot_none() {
        let (reply, _) = tokio::sync::oneshot::channel();
        let pause = Command::Pause(crate::engine::Targets::All, reply);
        assert!(after_command(&pause, true));
        let (reply, _) = tokio::sync::oneshot::channel();
        assert!(!after_command(&Command::Snapshot(reply), false));
    }

    #[test]
    fn only_reports_that_free_a_slot_or_open_connections_run_a_pass() {
        let id = "a".to_string();
        let response = Report::Response {
            id: id.clone(),
            validator: Default::default(),
            total: Some(1),
            from: 0,
        };
        assert!(!after_report(&response, false));
        let progress = Report::Progress {
            id: id.clone(),
            bytes_done: 1,
        };
        assert!(!after_report(&progress, false));
        assert!(
            after_report(&progress, true),
            "a start its host refused is tried again"
        );
        assert!(after_report(&Report::Verifying { id: id.clone() }, false));
        assert!(after_report(&Report::Connections { id, open: 2 }, false));
    }
}
