//! The client's errors: Apple's `ManagedBackgroundAssetsError` cases (`assetPackNotFound`,
//! `fileNotFound`), then what can go wrong between an app and the manager.

use std::io;
use std::path::PathBuf;

use crate::ipc::protocol::kind_name;
use crate::ipc::{CallError, ConnectionError};
use crate::manager::api::ApiError;
use crate::model::{ErrorKind, ManagedError, PackError};

/// Why an [`super::AssetPackManager`] call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No pack with this id in the app's manifest (`assetPackNotFound`).
    #[error("asset pack `{id}` not found")]
    AssetPackNotFound {
        /// The pack id asked for.
        id: String,
    },
    /// No such file in the pack (or in any installed pack when `pack` is `None`), or the pack is
    /// not installed (`fileNotFound`).
    #[error("file `{path}` not found in {}", .pack.as_deref().map_or_else(|| "any installed asset pack".to_string(), |p| format!("asset pack `{p}`")))]
    FileNotFound {
        /// The file's path inside the pack.
        path: String,
        /// The pack looked in; `None` for every installed pack.
        pack: Option<String>,
    },
    /// The manager could not be reached, or the connection broke.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The manager answered something this client does not understand.
    #[error("unexpected answer from the bgassets manager: {0}")]
    Protocol(String),
    /// The app's name cannot be a bundle id or App Group id.
    #[error("the app name is not a valid bundle id or App Group id: {problem}")]
    InvalidApp {
        /// The name as given.
        app: String,
        /// What makes it invalid.
        problem: String,
    },
    /// The manager refused, or the pack failed (its error kind and message).
    #[error("{}: {}", kind_name(.0.kind), .0.message)]
    Manager(ApiError),
    /// A file of an installed pack could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

impl ClientError {
    /// The stable error code, when the manager gave one (or the Apple case maps to one).
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Self::AssetPackNotFound { .. } => Some(ErrorKind::AssetPackNotFound),
            Self::FileNotFound { .. } => Some(ErrorKind::FileNotFound),
            Self::Manager(error) => Some(error.kind),
            Self::Connection(_)
            | Self::Protocol(_)
            | Self::InvalidApp { .. }
            | Self::Read { .. } => None,
        }
    }

    /// The error as Apple's `ManagedBackgroundAssetsError`, for the two cases it has.
    pub fn managed(&self) -> Option<ManagedError> {
        match self {
            Self::AssetPackNotFound { id } => {
                Some(ManagedError::AssetPackNotFound { id: id.clone() })
            }
            Self::FileNotFound { path, pack } => Some(ManagedError::FileNotFound {
                id: pack.clone().unwrap_or_default(),
                path: path.clone(),
            }),
            _ => None,
        }
    }

    /// A call about `pack` (and `path` in it) failed: Apple's cases get their own variants.
    pub(super) fn from_call(error: CallError, pack: Option<&str>, path: Option<&str>) -> Self {
        match error {
            CallError::Connection(error) => Self::Connection(error),
            CallError::Protocol(message) => Self::Protocol(message),
            // Only controllers read the capability; an app's calls never get here.
            CallError::Capability(error) => Self::Protocol(error.to_string()),
            CallError::Refused(error) => Self::from_api(error, pack, path),
        }
    }

    /// A refusal or a pack's failure, about `pack` (and `path` in it).
    pub(super) fn from_api(error: ApiError, pack: Option<&str>, path: Option<&str>) -> Self {
        match (error.kind, pack, path) {
            (ErrorKind::AssetPackNotFound, Some(pack), _) => Self::AssetPackNotFound {
                id: pack.to_string(),
            },
            (ErrorKind::FileNotFound, pack, Some(path)) => Self::FileNotFound {
                path: path.to_string(),
                pack: pack.map(str::to_string),
            },
            _ => Self::Manager(error),
        }
    }

    /// A pack's failure (`failed(error)` in its status updates).
    pub(super) fn from_pack(error: &PackError, pack: &str) -> Self {
        Self::from_api(
            ApiError::new(error.kind, error.message.clone()),
            Some(pack),
            None,
        )
    }
}
