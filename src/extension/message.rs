//! The messages between the manager and an extension (`docs/extensions.md`): one JSON request
//! in, one JSON answer out, camelCase. A request carries `"event"` and `"app"` plus its event's
//! fields ([`ExtensionRequest`]); each event has its own answer type ([`answer`]), read back
//! within bounds by [`parse_answer`].

mod answer;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::model::{ContentKind, DownloadIdentifier, DownloadPolicy, PackError};

pub use answer::{
    Answer, AuthAnswer, ContentAnswer, EmptyAnswer, FinishedAnswer, MAX_ANSWER_BYTES,
    MAX_DOWNLOADS, MAX_MOVE_TO, ShouldDownloadAnswer, parse_answer,
};

/// The events an extension is asked about (Apple's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Event {
    /// May this managed pack download?
    ShouldDownload,
    /// Which downloads to schedule at install, update, or periodically?
    ContentRequest,
    /// An app download finished: its verified file.
    Finished,
    /// An app download failed.
    Failed,
    /// An app download met a 401 or 403: which headers or URL to retry with?
    AuthChallenge,
    /// The manager is stopping.
    WillTerminate,
}

impl Event {
    /// The name JSON and `BGASSETS_EVENT` use (`shouldDownload`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShouldDownload => "shouldDownload",
            Self::ContentRequest => "contentRequest",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::AuthChallenge => "authChallenge",
            Self::WillTerminate => "willTerminate",
        }
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A download policy by name, as a request shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyName {
    /// `essential`.
    Essential,
    /// `prefetch`.
    Prefetch,
    /// `onDemand`.
    OnDemand,
}

impl From<DownloadPolicy> for PolicyName {
    fn from(policy: DownloadPolicy) -> Self {
        match policy {
            DownloadPolicy::Essential(_) => Self::Essential,
            DownloadPolicy::Prefetch(_) => Self::Prefetch,
            DownloadPolicy::OnDemand => Self::OnDemand,
        }
    }
}

/// The pack a `shouldDownload` asks about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackInfo {
    /// The pack's id.
    pub id: String,
    /// The version about to download.
    pub version: u64,
    /// Its download policy.
    pub policy: PolicyName,
    /// Bytes to download.
    pub download_size: u64,
    /// Bytes once installed.
    pub install_size: u64,
    /// The manifest's `userInfo` for it, or `null`.
    #[serde(default)]
    pub user_info: Option<Value>,
}

/// What the app's budget still allows (`null`: no cap).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allowance {
    /// `BADownloadAllowance` left.
    pub download_bytes_left: Option<u64>,
    /// `BAEssentialDownloadAllowance` left.
    pub essential_bytes_left: Option<u64>,
}

/// The app download a `finished`, `failed` or `authChallenge` is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadRef {
    /// The app's identifier for it.
    pub identifier: DownloadIdentifier,
    /// The URL it was scheduled with.
    pub url: Url,
}

/// One request to an extension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ExtensionRequest {
    /// May `pack` download? Answer: [`ShouldDownloadAnswer`].
    #[serde(rename_all = "camelCase")]
    ShouldDownload {
        /// The app's bundle id.
        app: String,
        /// The pack about to download.
        pack: PackInfo,
    },
    /// Which downloads to schedule? Answer: [`ContentAnswer`].
    #[serde(rename_all = "camelCase")]
    ContentRequest {
        /// The app's bundle id.
        app: String,
        /// Why it is asked.
        kind: ContentKind,
        /// The app's `BAManifestURL`.
        manifest_url: Url,
        /// The server manifest as fetched, as JSON.
        manifest: Value,
        /// What the allowances still allow.
        allowance: Allowance,
    },
    /// An app download finished. Answer: [`FinishedAnswer`].
    #[serde(rename_all = "camelCase")]
    Finished {
        /// The app's bundle id.
        app: String,
        /// The download.
        download: DownloadRef,
        /// The verified file, inside the app's container.
        path: PathBuf,
    },
    /// An app download failed. Answer: `{}`.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The app's bundle id.
        app: String,
        /// The download.
        download: DownloadRef,
        /// Why.
        error: PackError,
    },
    /// An app download was answered 401 or 403. Answer: [`AuthAnswer`].
    #[serde(rename_all = "camelCase")]
    AuthChallenge {
        /// The app's bundle id.
        app: String,
        /// The download.
        download: DownloadRef,
        /// The URL that was refused.
        url: Url,
        /// 401 or 403.
        status: u16,
        /// The `WWW-Authenticate` header, if any.
        www_authenticate: Option<String>,
    },
    /// The manager is stopping. Answer: `{}`.
    #[serde(rename_all = "camelCase")]
    WillTerminate {
        /// The app's bundle id.
        app: String,
    },
}

impl ExtensionRequest {
    /// Its event.
    pub fn event(&self) -> Event {
        match self {
            Self::ShouldDownload { .. } => Event::ShouldDownload,
            Self::ContentRequest { .. } => Event::ContentRequest,
            Self::Finished { .. } => Event::Finished,
            Self::Failed { .. } => Event::Failed,
            Self::AuthChallenge { .. } => Event::AuthChallenge,
            Self::WillTerminate { .. } => Event::WillTerminate,
        }
    }

    /// The app it is about.
    pub fn app(&self) -> &str {
        match self {
            Self::ShouldDownload { app, .. }
            | Self::ContentRequest { app, .. }
            | Self::Finished { app, .. }
            | Self::Failed { app, .. }
            | Self::AuthChallenge { app, .. }
            | Self::WillTerminate { app } => app,
        }
    }

    /// The request as one JSON line, newline included (a process's stdin).
    pub fn to_line(&self) -> Vec<u8> {
        // Our types always serialize (string keys only); an empty object is the fallback.
        let mut line = serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec());
        line.push(b'\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_the_documented_json_and_read_back() {
        let request = ExtensionRequest::ShouldDownload {
            app: "org.example.game".into(),
            pack: PackInfo {
                id: "Levels".into(),
                version: 3,
                policy: PolicyName::OnDemand,
                download_size: 1000,
                install_size: 2000,
                user_info: Some(json!({"tier": "gold"})),
            },
        };
        let value = serde_json::to_value(&request).unwrap();
        assert_eq!(
            value,
            json!({"event": "shouldDownload", "app": "org.example.game", "pack": {
                "id": "Levels", "version": 3, "policy": "onDemand", "downloadSize": 1000,
                "installSize": 2000, "userInfo": {"tier": "gold"}}})
        );
        let line = request.to_line();
        assert_eq!(line.last(), Some(&b'\n'));
        let back: ExtensionRequest = serde_json::from_slice(&line).unwrap();
        assert_eq!(back, request);
        assert_eq!(back.event().as_str(), "shouldDownload");

        let request = ExtensionRequest::ContentRequest {
            app: "a.b".into(),
            kind: ContentKind::Install,
            manifest_url: Url::parse("https://cdn.example.com/m.json").unwrap(),
            manifest: json!({"assetPacks": []}),
            allowance: Allowance {
                download_bytes_left: Some(5),
                essential_bytes_left: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"event": "contentRequest", "app": "a.b", "kind": "install",
                "manifestUrl": "https://cdn.example.com/m.json", "manifest": {"assetPacks": []},
                "allowance": {"downloadBytesLeft": 5, "essentialBytesLeft": null}})
        );
        let request = ExtensionRequest::AuthChallenge {
            app: "a.b".into(),
            download: DownloadRef {
                identifier: DownloadIdentifier::parse("config").unwrap(),
                url: Url::parse("https://cdn.example.com/c").unwrap(),
            },
            url: Url::parse("https://cdn.example.com/c").unwrap(),
            status: 403,
            www_authenticate: Some("Bearer".into()),
        };
        let value = serde_json::to_value(&request).unwrap();
        assert_eq!(value["wwwAuthenticate"], "Bearer");
        assert_eq!(value["download"]["identifier"], "config");
        let will = serde_json::to_value(ExtensionRequest::WillTerminate { app: "a.b".into() });
        assert_eq!(
            will.unwrap(),
            json!({"event": "willTerminate", "app": "a.b"})
        );
    }
}
