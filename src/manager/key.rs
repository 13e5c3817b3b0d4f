//! The typed key of a managed download: which version of which pack of which app a download in
//! the engine is. The engine knows downloads by a string id; this is the one place that id is
//! made ([`DownloadKey::fmt`]) and read back ([`DownloadKey::from_str`]): `app/pack@version`
//! (bundle ids never contain `/`, pack ids never contain `@` and are validated before they get
//! here).
//!
//! An app's own download ([`AppDownloadKey`]) is `download:app/identifier`; a pack's key refuses
//! that prefix, so the two kinds never read as each other.

use std::fmt;
use std::str::FromStr;

use crate::model::DownloadIdentifier;

/// The prefix of an app download's engine id.
pub const APP_DOWNLOAD_PREFIX: &str = "download:";

/// Version `version` of pack `pack` of app `app`, as a download in the engine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DownloadKey {
    /// The app's bundle id.
    pub app: String,
    /// The pack's id.
    pub pack: String,
    /// The pack's version this download fetches.
    pub version: u64,
}

impl DownloadKey {
    /// The key of `version` of `pack` of `app`.
    pub fn new(app: impl Into<String>, pack: impl Into<String>, version: u64) -> Self {
        Self {
            app: app.into(),
            pack: pack.into(),
            version,
        }
    }

    /// The engine's id for this download.
    pub fn id(&self) -> String {
        self.to_string()
    }

    /// Whether this is a download of `pack` of `app` (any version).
    pub fn is_of(&self, app: &str, pack: &str) -> bool {
        self.app == app && self.pack == pack
    }
}

impl fmt::Display for DownloadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.app, self.pack, self.version)
    }
}

/// Why an engine id is not a managed download's key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{id}` is not a managed download id (app/pack@version): {problem}")]
pub struct NotAKey {
    /// The id as found.
    pub id: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl FromStr for DownloadKey {
    type Err = NotAKey;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let fail = |problem| NotAKey {
            id: id.to_string(),
            problem,
        };
        if id.starts_with(APP_DOWNLOAD_PREFIX) {
            return Err(fail("an app's own download (download:app/identifier)"));
        }
        let (app, rest) = id.split_once('/').ok_or_else(|| fail("no `/`"))?;
        let (pack, version) = rest.rsplit_once('@').ok_or_else(|| fail("no `@`"))?;
        if app.is_empty() || pack.is_empty() {
            return Err(fail("an empty app or pack"));
        }
        let version = version
            .parse()
            .map_err(|_| fail("the version is not a number"))?;
        Ok(Self::new(app, pack, version))
    }
}

/// App `app`'s own download `identifier` (`BAURLDownload`), as a download in the engine:
/// `download:app/identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppDownloadKey {
    /// The app's bundle id.
    pub app: String,
    /// The download's identifier.
    pub identifier: DownloadIdentifier,
}

impl AppDownloadKey {
    /// The key of `identifier` of `app`.
    pub fn new(app: impl Into<String>, identifier: DownloadIdentifier) -> Self {
        Self {
            app: app.into(),
            identifier,
        }
    }

    /// The engine's id for this download.
    pub fn id(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for AppDownloadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{APP_DOWNLOAD_PREFIX}{}/{}", self.app, self.identifier)
    }
}

impl FromStr for AppDownloadKey {
    type Err = NotAKey;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let fail = |problem| NotAKey {
            id: id.to_string(),
            problem,
        };
        let rest = id
            .strip_prefix(APP_DOWNLOAD_PREFIX)
            .ok_or_else(|| fail("no `download:` prefix"))?;
        let (app, identifier) = rest.split_once('/').ok_or_else(|| fail("no `/`"))?;
        if app.is_empty() {
            return Err(fail("an empty app"));
        }
        let identifier = DownloadIdentifier::parse(identifier)
            .map_err(|_| fail("the identifier is not a valid download identifier"))?;
        Ok(Self::new(app, identifier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_download_key_reads_back_as_itself_and_never_as_a_pack() {
        let id = DownloadIdentifier::parse("config.json").unwrap();
        let key = AppDownloadKey::new("org.example.game", id);
        assert_eq!(key.id(), "download:org.example.game/config.json");
        assert_eq!(key.id().parse::<AppDownloadKey>(), Ok(key.clone()));
        let refused = key.id().parse::<DownloadKey>().unwrap_err();
        assert!(refused.problem.contains("app's own download"));
        // `download:x/y@1` looks like a pack key, and is not one.
        assert!("download:x/y@1".parse::<DownloadKey>().is_err());
        for bad in [
            "org.example.game/config",
            "download:/x",
            "download:a/../x",
            "download:a",
        ] {
            assert!(bad.parse::<AppDownloadKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_reads_back_as_itself() {
        let key = DownloadKey::new("org.example.game", "Level-1", 7);
        assert_eq!(key.id(), "org.example.game/Level-1@7");
        assert_eq!(key.id().parse::<DownloadKey>(), Ok(key));
    }

    #[test]
    fn ids_not_made_by_the_manager_are_refused_with_the_reason() {
        for (id, problem) in [
            ("plain", "no `/`"),
            ("app/pack", "no `@`"),
            ("app/pack@x", "the version is not a number"),
            ("/pack@1", "an empty app or pack"),
            ("app/@1", "an empty app or pack"),
        ] {
            let error = id.parse::<DownloadKey>().unwrap_err();
            assert_eq!(error.problem, problem, "{id}");
            assert!(error.to_string().contains(id));
        }
    }
}
