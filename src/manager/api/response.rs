//! The manager's answers, typed: one [`Response`] variant per [`Request`] verb, carrying that
//! verb's result (pueue's `Request`/`Response` pair). On the socket a result is the variant's
//! content alone, as `docs/protocol.md` documents it (`"result": 3072` for `remove`); a client
//! knows which verb it sent and reads the result back with [`Request::decode_result`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{PackRef, Request};
use crate::engine::Limits;
use crate::manager::delta::StatusDelta;
use crate::manager::downloads::AppDownloadView;
use crate::manager::view::{AppView, PackView, StatusDocument};

/// What `checkUpdates` started: the packs now being updated and the packs removed because their
/// manifest no longer lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Updates {
    /// Packs whose newer version is now downloading.
    #[serde(default)]
    pub updating: Vec<PackRef>,
    /// Packs removed because the manifest no longer lists them.
    #[serde(default)]
    pub removed: Vec<PackRef>,
}

/// The result of one request: the variant is named after the [`Request`] it answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// `status`: the whole state (shared: the manager's published document).
    Status(std::sync::Arc<StatusDocument>),
    /// `statusChanges`: what changed since a generation.
    StatusChanges(Box<StatusDelta>),
    /// `allAssetPacks`: every pack of the app, in download order.
    AllAssetPacks(Vec<PackView>),
    /// `assetPack`: one pack.
    AssetPack(Box<PackView>),
    /// `register`: the app's view, with its packs.
    Register(Box<AppView>),
    /// `unregister`: bytes freed.
    Unregister(u64),
    /// `ensure`: the pack's view at once, before its download ends.
    Ensure(Box<PackView>),
    /// `pause`: how many downloads changed.
    Pause(u64),
    /// `resume`: how many downloads changed.
    Resume(u64),
    /// `prioritize`: nothing (`null`).
    Prioritize,
    /// `remove`: bytes freed.
    Remove(u64),
    /// `checkUpdates`: the packs updating and removed.
    CheckUpdates(Updates),
    /// `setLimits`: the limits now in force.
    SetLimits(Limits),
    /// `setLanguages`: the languages now in force, best first.
    SetLanguages(Vec<String>),
    /// `filePath`: the file's absolute path.
    FilePath(PathBuf),
    /// `scheduleDownload`: the download as scheduled.
    ScheduleDownload(Box<AppDownloadView>),
    /// `currentDownloads`: the app's downloads.
    CurrentDownloads(Vec<AppDownloadView>),
    /// `cancelDownload`: nothing (`null`).
    CancelDownload,
    /// `startForegroundDownload`: the download, now in the foreground band.
    StartForegroundDownload(Box<AppDownloadView>),
    /// `acquireExclusiveControl`: the lease.
    AcquireExclusiveControl(LeaseView),
    /// `releaseExclusiveControl`: nothing (`null`).
    ReleaseExclusiveControl,
    /// `registerExtension`: `{"registered": true}`.
    RegisterExtension(Registered),
    /// `extensionAnswer`: nothing (`null`).
    ExtensionAnswer,
}

/// `registerExtension`'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// Always true: a refusal is an error.
    pub registered: bool,
}

impl Response {
    /// The method this answers, as the socket spells it: the same as its [`Request`]'s.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Status(_) => "status",
            Self::StatusChanges(_) => "statusChanges",
            Self::AllAssetPacks(_) => "allAssetPacks",
            Self::AssetPack(_) => "assetPack",
            Self::Register(_) => "register",
            Self::Unregister(_) => "unregister",
            Self::Ensure(_) => "ensure",
            Self::Pause(_) => "pause",
            Self::Resume(_) => "resume",
            Self::Prioritize => "prioritize",
            Self::Remove(_) => "remove",
            Self::CheckUpdates(_) => "checkUpdates",
            Self::SetLimits(_) => "setLimits",
            Self::SetLanguages(_) => "setLanguages",
            Self::FilePath(_) => "filePath",
            Self::RegisterExtension(_) => "registerExtension",
            Self::ExtensionAnswer => "extensionAnswer",
            Self::ScheduleDownload(_) => "scheduleDownload",
            Self::CurrentDownloads(_) => "currentDownloads",
            Self::CancelDownload => "cancelDownload",
            Self::StartForegroundDownload(_) => "startForegroundDownload",
            Self::AcquireExclusiveControl(_) => "acquireExclusiveControl",
            Self::ReleaseExclusiveControl => "releaseExclusiveControl",
        }
    }

    /// The JSON the socket carries as `result`.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
}

impl Request {
    /// Reads `result`, the JSON answer to this request, as the [`Response`] this verb has.
    pub fn decode_result(&self, result: Value) -> serde_json::Result<Response> {
        use serde_json::from_value;
        Ok(match self {
            Self::Status => Response::Status(from_value(result)?),
            Self::StatusChanges { .. } => Response::StatusChanges(from_value(result)?),
            Self::AllAssetPacks { .. } => Response::AllAssetPacks(from_value(result)?),
            Self::AssetPack { .. } => Response::AssetPack(from_value(result)?),
            Self::Register { .. } => Response::Register(from_value(result)?),
            Self::Unregister { .. } => Response::Unregister(from_value(result)?),
            Self::Ensure { .. } => Response::Ensure(from_value(result)?),
            Self::Pause { .. } => Response::Pause(from_value(result)?),
            Self::Resume { .. } => Response::Resume(from_value(result)?),
            Self::Prioritize { .. } => {
                from_value::<()>(result)?;
                Response::Prioritize
            }
            Self::Remove { .. } => Response::Remove(from_value(result)?),
            Self::CheckUpdates { .. } => Response::CheckUpdates(from_value(result)?),
            Self::SetLimits { .. } => Response::SetLimits(from_value(result)?),
            Self::SetLanguages { .. } => Response::SetLanguages(from_value(result)?),
            Self::FilePath { .. } => Response::FilePath(from_value(result)?),
            Self::RegisterExtension { .. } => Response::RegisterExtension(from_value(result)?),
            Self::ExtensionAnswer { .. } => {
                from_value::<()>(result)?;
                Response::ExtensionAnswer
            }
            Self::ScheduleDownload { .. } => Response::ScheduleDownload(from_value(result)?),
            Self::CurrentDownloads { .. } => Response::CurrentDownloads(from_value(result)?),
            Self::CancelDownload { .. } => {
                from_value::<()>(result)?;
                Response::CancelDownload
            }
            Self::StartForegroundDownload { .. } => {
                Response::StartForegroundDownload(from_value(result)?)
            }
            Self::AcquireExclusiveControl { .. } => {
                Response::AcquireExclusiveControl(from_value(result)?)
            }
            Self::ReleaseExclusiveControl { .. } => {
                from_value::<()>(result)?;
                Response::ReleaseExclusiveControl
            }
        })
    }
}

/// A [`Response`] of another verb than the one asked: a bug on the answering side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the manager answered `{answered}` to `{asked}`")]
pub struct Mismatch {
    /// The method sent.
    pub asked: &'static str,
    /// The method the answer belongs to.
    pub answered: &'static str,
}

macro_rules! response_from {
    ($($inner:ty => $variant:ident),* $(,)?) => {$(
        impl From<$inner> for Response {
            fn from(value: $inner) -> Self {
                Self::$variant(value.into())
            }
        }
    )*};
}

response_from! {
    StatusDocument => Status,
    Vec<PackView> => AllAssetPacks,
    AppView => Register,
    Updates => CheckUpdates,
    Limits => SetLimits,
}

/// A granted exclusive-control lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseView {
    /// The lease's number, to release it and to pass with queue changes.
    pub lease: u64,
    /// When it ends by itself (Unix time in milliseconds).
    pub expires_at_ms: u64,
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
