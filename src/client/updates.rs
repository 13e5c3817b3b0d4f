//! Following a pack: its status-update stream (`statusUpdates(forAssetPackWithID:)`) and waiting
//! for its install (`ensureLocalAvailability`). Both ride on the connection's event
//! subscription; when events were missed, they re-read the pack's state instead of guessing.

use std::time::Duration;

use futures_util::Stream;

use super::{AssetPackManager, ClientError};
use crate::ipc::{Events, Notice};
use crate::manager::api::{ApiError, ManagerApi};
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::manager::view::PackView;
use crate::model::{Activity, ErrorKind, StatusUpdate};

/// How often a wait re-reads the pack's state even without events, as a safety net.
const RECHECK: Duration = Duration::from_secs(2);

/// A pack's status updates; see [`AssetPackManager::status_updates`]. Use [`Self::next`] or turn
/// it into a [`Stream`] with [`Self::into_stream`]. It ends when the connection closes.
#[derive(Debug)]
pub struct StatusUpdates {
    manager: AssetPackManager,
    pack: String,
    events: Events,
}

impl StatusUpdates {
    pub(super) fn new(manager: AssetPackManager, pack: &str, events: Events) -> Self {
        Self {
            manager,
            pack: pack.to_string(),
            events,
        }
    }

    /// The next update; `None` once the connection to the manager is closed.
    pub async fn next(&mut self) -> Option<StatusUpdate> {
        loop {
            match self.events.next().await? {
                Notice::Event(event) => {
                    if let Some(update) = self.update_in(event) {
                        return Some(update);
                    }
                }
                // Updates were lost: say where the pack is now.
                Notice::Missed(_) => match self.manager.view(&self.pack).await {
                    Ok(view) => {
                        if let Some(update) = update_from_view(&view) {
                            return Some(update);
                        }
                    }
                    Err(ClientError::Connection(_)) => return None,
                    Err(_) => {}
                },
            }
        }
    }

    /// The updates as a [`Stream`].
    pub fn into_stream(self) -> impl Stream<Item = StatusUpdate> + Send {
        futures_util::stream::unfold(self, |mut updates| async move {
            let update = updates.next().await?;
            Some((update, updates))
        })
    }

    fn update_in(&self, event: ManagerEvent) -> Option<StatusUpdate> {
        if event.app != self.manager.app || event.pack.as_deref() != Some(self.pack.as_str()) {
            return None;
        }
        match event.kind {
            ManagerEventKind::Status { update } => Some(update),
            _ => None,
        }
    }
}

/// The update that describes where a pack is, for a subscriber who missed some.
fn update_from_view(view: &PackView) -> Option<StatusUpdate> {
    match &view.activity {
        Activity::Idle => view.flags.downloaded.then_some(StatusUpdate::Finished),
        Activity::Queued | Activity::Connecting => Some(StatusUpdate::Began),
        Activity::Downloading { progress } | Activity::Retrying { progress, .. } => {
            Some(StatusUpdate::Downloading {
                progress: *progress,
            })
        }
        Activity::Verifying | Activity::Installing => Some(StatusUpdate::Downloading {
            progress: view.progress,
        }),
        Activity::Paused { .. } => Some(StatusUpdate::Paused),
        // Nothing began: the app's own extension said no; `ensure` reports it as an error.
        Activity::Vetoed { .. } => None,
        Activity::Failed { error } => Some(StatusUpdate::Failed {
            error: error.clone(),
        }),
    }
}

/// Whether a wait is over: installed as asked (`Ok`), failed for good (`Err`, when a failure is
/// to be believed), or not yet.
fn settled(
    view: &PackView,
    require_latest: bool,
    believe_failure: bool,
) -> Option<Result<(), ClientError>> {
    if view.flags.downloaded && !(require_latest && view.flags.out_of_date) {
        return Some(Ok(()));
    }
    match &view.activity {
        Activity::Failed { error } if believe_failure => {
            Some(Err(ClientError::from_pack(error, &view.id)))
        }
        Activity::Vetoed { extension } if believe_failure => {
            let error = crate::model::PackError::new(
                crate::model::ErrorKind::VetoedByExtension,
                format!("vetoed by the app's downloader extension ({extension})"),
            );
            Some(Err(ClientError::from_pack(&error, &view.id)))
        }
        _ => None,
    }
}

/// `ensureLocalAvailability`: asks for the pack, then follows its events (and re-reads its
/// state now and then) until it is installed or fails.
pub(super) async fn ensure(
    manager: &AssetPackManager,
    pack: &str,
    require_latest: bool,
) -> Result<(), ClientError> {
    // Subscribe before asking, so that the end cannot slip by unseen.
    let mut events = manager.events().await?;
    let view = manager
        .connection
        .ensure(&manager.app, pack, require_latest)
        .await
        .map_err(|e| ClientError::from_call(e, Some(pack), None))?;
    // A failure shown right after asking may be the previous attempt's, before the retry
    // begins: it counts only once the pack has moved (an event) or some time has passed.
    let mut believe_failure = false;
    if let Some(done) = settled(&view, require_latest, believe_failure) {
        return done;
    }
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.reset();
    loop {
        tokio::select! {
            notice = events.next() => match notice {
                None => return Err(lost(manager).await),
                Some(Notice::Missed(_)) => {}
                Some(Notice::Event(event)) => match verdict(&event, &manager.app, pack) {
                    Verdict::Unrelated => continue,
                    Verdict::Moved => {
                        believe_failure = true;
                        continue;
                    }
                    Verdict::Recheck => believe_failure = true,
                    Verdict::Done(result) => return result,
                },
            },
            _ = recheck.tick() => believe_failure = true,
        }
        let view = manager.view(pack).await?;
        if let Some(done) = settled(&view, require_latest, believe_failure) {
            return done;
        }
    }
}

/// What an event means for a wait on `pack` of `app`.
enum Verdict {
    /// Not about this pack.
    Unrelated,
    /// The pack is on its way (queued, began, downloading…).
    Moved,
    /// The pack may be installed: re-read it.
    Recheck,
    Done(Result<(), ClientError>),
}

fn verdict(event: &ManagerEvent, app: &str, pack: &str) -> Verdict {
    if event.app != app {
        return Verdict::Unrelated;
    }
    let stopped = |what: &str| {
        Verdict::Done(Err(ClientError::Manager(ApiError::new(
            ErrorKind::Cancelled,
            format!("asset pack `{pack}` {what} before it was installed"),
        ))))
    };
    if event.pack.is_none() {
        return match event.kind {
            ManagerEventKind::Unregistered => stopped("was unregistered with its app"),
            _ => Verdict::Unrelated,
        };
    }
    if event.pack.as_deref() != Some(pack) {
        return Verdict::Unrelated;
    }
    match &event.kind {
        ManagerEventKind::Status {
            update: StatusUpdate::Failed { error },
        } => Verdict::Done(Err(ClientError::from_pack(error, pack))),
        ManagerEventKind::Removed => stopped("was removed"),
        ManagerEventKind::Obsolete => stopped("became obsolete"),
        ManagerEventKind::Installed { .. }
        | ManagerEventKind::InstallCancelled
        | ManagerEventKind::ExtensionFailed { .. }
        | ManagerEventKind::Status {
            update: StatusUpdate::Finished,
        } => Verdict::Recheck,
        _ => Verdict::Moved,
    }
}

/// The error for a wait whose connection closed.
async fn lost(manager: &AssetPackManager) -> ClientError {
    // A call on a closed connection reports why it closed.
    match manager.connection.status().await {
        Err(error) => ClientError::from_call(error, None, None),
        Ok(_) => {
            ClientError::Protocol("the event stream ended while the connection is open".into())
        }
    }
}
