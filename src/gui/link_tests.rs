//! Tests of the window's link to the manager: interleaved progress does not push state
//! changes out.

use super::*;
use crate::model::Progress;

fn event(pack: &str, kind: ManagerEventKind) -> ManagerEvent {
    ManagerEvent {
        at_ms: 0,
        app: "org.example.game".into(),
        pack: Some(pack.into()),
        kind,
    }
}

fn progress(pack: &str, done: u64) -> ManagerEvent {
    let progress = Progress {
        bytes_done: done,
        bytes_total: 100,
        bytes_per_second: 1,
    };
    event(
        pack,
        ManagerEventKind::Status {
            update: StatusUpdate::Downloading { progress },
        },
    )
}

#[test]
fn interleaved_progress_does_not_push_state_changes_out() {
    let shared = Shared::default();
    shared.push_event(event("a", ManagerEventKind::Queued));
    for done in 0..(EVENT_LOG_LEN as u64 * 2) {
        shared.push_event(progress("a", done));
        shared.push_event(progress("b", done));
    }
    let events = shared.events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0].kind, ManagerEventKind::Queued);
    assert_eq!(events[1], progress("a", EVENT_LOG_LEN as u64 * 2 - 1));
    assert_eq!(events[2], progress("b", EVENT_LOG_LEN as u64 * 2 - 1));
}
