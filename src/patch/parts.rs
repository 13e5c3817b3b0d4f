//! The parts a delta's tasks share and how their ends are joined: the owned pieces of a
//! [`Stage`] the blocking tasks hold, a task's end turned into a [`PatchError`], the first
//! error that says why, and the staging folder dropped off the runtime's threads.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::stage::{self, Stage};
use super::{PatchError, PatchRequest, link, list, plan};

/// Whether a part of the delta stops: the user cancelled, or another part failed (the halt).
pub(super) fn stopped(cancel: &AtomicBool, halt: &AtomicBool) -> bool {
    cancel.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed)
}

/// The owned parts of a [`stage::Stage`], shared by the blocking tasks.
pub(super) struct StageParts {
    pub(super) folder: String,
    pub(super) list: Arc<list::FileList>,
    pub(super) archive: PathBuf,
    /// The archive's URL as shown.
    pub(super) url: String,
}

impl StageParts {
    pub(super) fn stage<'a>(&'a self, patch: &'a plan::Patch) -> Stage<'a> {
        Stage {
            folder: &self.folder,
            list: &self.list,
            patch,
            archive: &self.archive,
            url: &self.url,
        }
    }

    pub(super) fn inflate(
        &self,
        staging: &std::path::Path,
        which: &[(usize, usize)],
        stop: &dyn Fn() -> bool,
    ) -> Result<(), PatchError> {
        stage::inflate(&self.stage(&plan::Patch::default()), staging, which, stop)
    }
}

/// Drops `prepared` (deleting its staging folder) on a blocking thread, then fails with `error`.
pub(super) async fn discarded<T>(
    prepared: link::Prepared,
    error: PatchError,
) -> Result<T, PatchError> {
    let _ = tokio::task::spawn_blocking(move || drop(prepared)).await;
    Err(error)
}

/// The first error that says why (a failure stops the others, which then end cancelled).
pub(super) fn first_reason<const N: usize>(
    results: [Result<(), PatchError>; N],
) -> Result<(), PatchError> {
    let mut errors = results.into_iter().filter_map(Result::err);
    let first = errors.next();
    match first {
        Some(PatchError::Cancelled) => Err(errors
            .find(|e| !matches!(e, PatchError::Cancelled))
            .unwrap_or(PatchError::Cancelled)),
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// A blocking task's result, or the error of a task that could not finish (it panicked).
pub(super) fn joined_task<T>(
    joined: Result<T, tokio::task::JoinError>,
    request: &PatchRequest,
) -> Result<T, PatchError> {
    joined.map_err(|e| PatchError::Io {
        action: "build the new version of",
        path: request.container.join(&request.folder),
        error: std::io::Error::other(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_error_that_says_why_wins_over_the_cancels_it_caused() {
        let why = |reason: &str| {
            Err(PatchError::NotWorth {
                reason: reason.into(),
            })
        };
        let shown = |r: Result<(), PatchError>| r.map_err(|e| e.to_string());
        assert_eq!(shown(first_reason([Ok(()), Ok(())])), Ok(()));
        assert_eq!(
            shown(first_reason([
                Err(PatchError::Cancelled),
                why("a"),
                why("b")
            ])),
            shown(why("a"))
        );
        assert_eq!(
            shown(first_reason([why("b"), Err(PatchError::Cancelled)])),
            shown(why("b"))
        );
        assert!(matches!(
            first_reason([Ok(()), Err(PatchError::Cancelled)]),
            Err(PatchError::Cancelled)
        ));
    }
}
