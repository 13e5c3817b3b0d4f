//! [`ApiError`]: a refusal with a stable code and a sentence for people.

use serde::{Deserialize, Serialize};

use super::Mismatch;
use crate::model::ErrorKind;

/// A refusal: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct ApiError {
    /// The stable code (`assetPackNotFound`).
    pub kind: ErrorKind,
    /// A sentence for people.
    pub message: String,
}

impl From<Mismatch> for ApiError {
    fn from(mismatch: Mismatch) -> Self {
        Self::new(ErrorKind::Io, mismatch.to_string())
    }
}

impl ApiError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `assetPackNotFound` for `pack` of `app`.
    pub fn pack_not_found(app: &str, pack: &str) -> Self {
        Self::new(
            ErrorKind::AssetPackNotFound,
            format!("asset pack `{pack}` not found for app `{app}`"),
        )
    }

    /// An unknown app.
    pub fn app_not_found(app: &str) -> Self {
        Self::new(ErrorKind::AppNotFound, format!("no registered app `{app}`"))
    }
}
