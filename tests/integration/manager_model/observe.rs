//! The checks that look beyond one document: installed files against the archives, nothing
//! left at a pack's place that the manager does not show, installs counted from the event
//! stream, and the one way this test waits (for a condition on the status document, woken by
//! the manager's events, with a timeout).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bgassets::manager::ManagerHandle;
use tokio::sync::broadcast::error::RecvError;

use super::adapter::{self, InstallSignal, Seen};
use super::checks::Check;
use super::world::{self, PACKS, index_of};

/// Waits until `done` holds for the status document (then `Ok` with it) or `timeout` passes
/// (then `Err` with the last one seen). Polls again on every manager event, at least every
/// 100 ms.
pub async fn until(
    handle: &ManagerHandle,
    timeout: Duration,
    mut done: impl FnMut(&Seen) -> bool,
) -> Result<Seen, Seen> {
    let mut events = handle.subscribe();
    let deadline = Instant::now() + timeout;
    loop {
        let seen = adapter::status(handle).await;
        if done(&seen) {
            return Ok(seen);
        }
        if Instant::now() >= deadline {
            return Err(seen);
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), events.recv()).await;
    }
}

/// The file checks of one document: each pack shown installed holds exactly its archive's
/// files of the version shown, and each pack shown not installed (and not installing) has
/// nothing at its place.
pub fn files(seen: &Seen) -> Vec<(Check, String)> {
    let Some(app) = seen.app() else { return vec![] };
    let mut found = Vec::new();
    for pack in &app.packs {
        let Some(index) = index_of(&pack.id) else {
            continue;
        };
        let place = app.container.join(&pack.id);
        let on_disk = world::files_under(&place);
        match (pack.installed, &on_disk) {
            (Some(version), Some(files)) if *files == world::built(index, version).files => {}
            (Some(version), _) => {
                let matches =
                    (1..=version + 3).find(|&v| on_disk == Some(world::built(index, v).files));
                let names = on_disk
                    .as_ref()
                    .map(|f| f.keys().cloned().collect::<Vec<_>>());
                let what = format!(
                    "{} shown installed at version {version}, but its place holds {names:?} \
                     (the files of version {matches:?})",
                    pack.id
                );
                found.push((Check::VerifiedBytes, what));
            }
            (None, _)
                if pack.state != "installing" && std::fs::symlink_metadata(&place).is_ok() =>
            {
                let what = format!(
                    "{} shown not installed ({}), but {} exists",
                    pack.id,
                    pack.state,
                    place.display()
                );
                found.push((Check::NoUntrackedFiles, what));
            }
            (None, _) => {}
        }
    }
    found
}

/// The file checks, allowing a moment for a swap that raced the document: what is wrong
/// for a whole second is reported.
pub async fn files_settled(handle: &ManagerHandle) -> Vec<(Check, String)> {
    match until(handle, Duration::from_secs(1), |seen| {
        files(seen).is_empty()
    })
    .await
    {
        Ok(_) => vec![],
        Err(seen) => files(&seen),
    }
}

/// Installs seen through the event stream of one manager: which packs have one running, and
/// what broke the rule.
#[derive(Debug, Default)]
pub struct Installs {
    running: BTreeSet<String>,
    pub began: u64,
    pub found: Vec<String>,
}

/// Follows `handle`'s events until aborted, counting installs into `installs`.
pub fn watch_installs(
    handle: &ManagerHandle,
    installs: Arc<Mutex<Installs>>,
) -> tokio::task::JoinHandle<()> {
    let mut events = handle.subscribe();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let Some((pack, signal)) = adapter::install_signal(&event) else {
                continue;
            };
            let mut installs = installs.lock().unwrap_or_else(|e| e.into_inner());
            match signal {
                InstallSignal::Began => {
                    installs.began += 1;
                    if !installs.running.insert(pack.clone()) {
                        installs
                            .found
                            .push(format!("a second install of {pack} began while one ran"));
                    }
                }
                InstallSignal::Ended => {
                    installs.running.remove(&pack);
                }
            }
        }
    })
}

/// The packs a selection reaches.
pub fn selected(sel: super::ops::Sel) -> Vec<usize> {
    match sel {
        super::ops::Sel::Pack(p) => vec![p],
        _ => (0..PACKS.len()).collect(),
    }
}
