//! The one place the model test speaks the manager's API: requests go out through
//! `ManagerHandle` (`ManagerApi`), and the status document is read as the JSON the socket carries
//! (its documented, add-only schema), decoded here into the few facts the checks read. When the
//! typed API lands, only this file changes.

use std::path::PathBuf;

use bgassets::manager::ManagerHandle;
use bgassets::manager::api::{ManagerApi, Move, Request, Selection};
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::model::StatusUpdate;
use serde_json::Value;

use super::ops::{Sel, To};
use super::world::{APP, PACKS};

/// The status document, as the checks read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub languages: Vec<String>,
    pub apps: Vec<AppSeen>,
}

/// One app of the document.
#[derive(Debug, Clone)]
pub struct AppSeen {
    pub bundle_id: String,
    pub bundle_version: String,
    /// The app is in its `subsequentUpdate` event (else `firstInstallation`).
    pub updating: bool,
    pub launch_ready: bool,
    pub waiting_for: Vec<String>,
    /// A manifest was read at least once (an ETag was kept, or a pack is listed).
    pub manifest_read: bool,
    pub manifest_error: Option<String>,
    pub checked: bool,
    pub container: PathBuf,
    pub packs: Vec<PackSeen>,
}

/// One pack of the document.
#[derive(Debug, Clone)]
pub struct PackSeen {
    pub id: String,
    pub installed: Option<u64>,
    pub listed: Option<u64>,
    /// The activity's `state`: `idle`, `queued`, `downloading`, `paused`, `failed`…
    pub state: String,
    /// The message of a `failed` activity's error, or of a `retrying` activity's reason.
    pub state_message: Option<String>,
    pub partial_bytes: u64,
    pub wanted: bool,
    pub order: usize,
    pub chosen_variant: bool,
    pub last_error: Option<String>,
    /// The reason shown with the pack's state, once the manager shows one (`reason` or `why`,
    /// a sentence or an object with a `message`).
    pub reason: Option<String>,
}

impl PackSeen {
    /// Work is under way or waiting its turn.
    pub fn busy(&self) -> bool {
        matches!(
            self.state.as_str(),
            "queued" | "connecting" | "downloading" | "retrying" | "verifying" | "installing"
        )
    }

    /// Bytes are moving (or about to).
    pub fn transferring(&self) -> bool {
        matches!(self.state.as_str(), "connecting" | "downloading")
    }

    pub fn failed(&self) -> bool {
        self.state == "failed"
    }

    /// The listed version is installed.
    pub fn current(&self) -> bool {
        matches!((self.installed, self.listed), (Some(i), Some(l)) if i >= l)
    }
}

impl Seen {
    /// The model's app, if registered.
    pub fn app(&self) -> Option<&AppSeen> {
        self.apps.iter().find(|a| a.bundle_id == APP)
    }

    /// Pack `id` of the model's app.
    pub fn pack(&self, id: &str) -> Option<&PackSeen> {
        self.app()?.packs.iter().find(|p| p.id == id)
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("message").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn decode_pack(v: &Value) -> Result<PackSeen, String> {
    let activity = &v["activity"];
    let state = activity["state"]
        .as_str()
        .ok_or("a pack without activity.state")?;
    let reason = ["reason", "why"]
        .iter()
        .find_map(|k| v.get(*k).or_else(|| activity.get(*k)).and_then(text));
    Ok(PackSeen {
        id: v["id"].as_str().ok_or("a pack without id")?.to_string(),
        installed: v["installedVersion"].as_u64(),
        listed: v["listedVersion"].as_u64(),
        state: state.to_string(),
        state_message: text(&activity["error"]).or_else(|| text(&activity["reason"])),
        partial_bytes: v["partialBytes"].as_u64().unwrap_or(0),
        wanted: v["wanted"].as_bool().ok_or("a pack without wanted")?,
        order: v["order"].as_u64().unwrap_or(0) as usize,
        chosen_variant: v["chosenVariant"].as_bool().unwrap_or(false),
        last_error: v.get("lastError").and_then(text),
        reason,
    })
}

fn decode_app(v: &Value) -> Result<AppSeen, String> {
    let packs = v["packs"]
        .as_array()
        .ok_or("an app without packs")?
        .iter()
        .map(decode_pack)
        .collect::<Result<Vec<_>, _>>()?;
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(AppSeen {
        bundle_id: v["bundleId"]
            .as_str()
            .ok_or("an app without bundleId")?
            .into(),
        bundle_version: v["bundleVersion"].as_str().unwrap_or_default().into(),
        updating: v["installationEvent"] == "subsequentUpdate",
        launch_ready: v["launchReady"]
            .as_bool()
            .ok_or("an app without launchReady")?,
        waiting_for: strings("waitingFor"),
        manifest_read: v["manifestEtag"].is_string() || packs.iter().any(|p| p.listed.is_some()),
        manifest_error: v.get("manifestError").and_then(text),
        checked: v["lastCheckedMs"].is_u64(),
        container: PathBuf::from(v["container"].as_str().ok_or("an app without container")?),
        packs,
    })
}

/// Decodes a status document (the JSON `ctl status --json` prints).
pub fn decode(document: &Value) -> Result<Seen, String> {
    Ok(Seen {
        languages: document["languages"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        apps: document["apps"]
            .as_array()
            .ok_or("a document without apps")?
            .iter()
            .map(decode_app)
            .collect::<Result<_, _>>()?,
    })
}

/// The status document now.
pub async fn status(handle: &ManagerHandle) -> Seen {
    let document = handle
        .status()
        .await
        .unwrap_or_else(|e| panic!("status refused: {e}"));
    let document = serde_json::to_value(document).expect("a status document is JSON");
    decode(&document).unwrap_or_else(|e| panic!("status document: {e}\n{document:#}"))
}

/// A refusal, as `kind: message`.
pub type Refusal = String;

async fn send(handle: &ManagerHandle, request: Request) -> Result<(), Refusal> {
    handle
        .call(request)
        .await
        .map(drop)
        .map_err(|e| format!("{:?}: {}", e.kind, e.message))
}

fn selection(sel: Sel) -> Selection {
    match sel {
        Sel::Pack(p) => Selection::pack(APP, PACKS[p].id),
        Sel::App => Selection::App(APP.into()),
        Sel::All => Selection::All,
    }
}

pub async fn register(handle: &ManagerHandle, path: PathBuf) -> Result<(), Refusal> {
    send(handle, Request::Register { path }).await
}

/// `ensure`; `require_latest` asks for the version the server lists now.
pub async fn ensure(
    handle: &ManagerHandle,
    pack: usize,
    require_latest: bool,
) -> Result<(), Refusal> {
    let (app, pack) = (APP.into(), PACKS[pack].id.into());
    send(
        handle,
        Request::Ensure {
            app,
            pack,
            require_latest,
        },
    )
    .await
}

pub async fn pause(handle: &ManagerHandle, sel: Sel) -> Result<(), Refusal> {
    send(
        handle,
        Request::Pause {
            selection: selection(sel),
        },
    )
    .await
}

pub async fn resume(handle: &ManagerHandle, sel: Sel) -> Result<(), Refusal> {
    send(
        handle,
        Request::Resume {
            selection: selection(sel),
        },
    )
    .await
}

pub async fn prioritize(handle: &ManagerHandle, pack: usize, to: To) -> Result<(), Refusal> {
    let to = match to {
        To::Top => Move::Top,
        To::Up => Move::Up,
        To::Down => Move::Down,
    };
    let (app, pack) = (APP.into(), PACKS[pack].id.into());
    send(handle, Request::Prioritize { app, pack, to }).await
}

pub async fn remove(handle: &ManagerHandle, pack: usize) -> Result<(), Refusal> {
    let (app, pack) = (APP.into(), PACKS[pack].id.into());
    send(handle, Request::Remove { app, pack }).await
}

pub async fn check_updates(handle: &ManagerHandle) -> Result<(), Refusal> {
    send(
        handle,
        Request::CheckUpdates {
            app: Some(APP.into()),
        },
    )
    .await
}

pub async fn set_language(handle: &ManagerHandle, tag: &str) -> Result<(), Refusal> {
    let languages = vec![tag.to_string()];
    send(handle, Request::SetLanguages { languages }).await
}

/// What an event says about a pack's install: it began, or it ended (installed, cancelled,
/// failed, removed, obsolete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallSignal {
    Began,
    Ended,
}

/// The pack and install signal an event carries, if any.
pub fn install_signal(event: &ManagerEvent) -> Option<(String, InstallSignal)> {
    let pack = event.pack.clone()?;
    let signal = match &event.kind {
        ManagerEventKind::Installing => InstallSignal::Began,
        ManagerEventKind::Installed { .. }
        | ManagerEventKind::InstallCancelled
        | ManagerEventKind::Removed
        | ManagerEventKind::Obsolete => InstallSignal::Ended,
        ManagerEventKind::Status {
            update: StatusUpdate::Failed { .. },
        } => InstallSignal::Ended,
        _ => return None,
    };
    Some((pack, signal))
}
