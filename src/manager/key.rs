//! The typed key of a managed download: which version of which pack of which app a download in
//! the engine is. The engine knows downloads by a string id; this is the one place that id is
//! made ([`DownloadKey::fmt`]) and read back ([`DownloadKey::from_str`]): `app/pack@version`
//! (bundle ids never contain `/`, pack ids never contain `@` and are validated before they get
//! here).

use std::fmt;
use std::str::FromStr;

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

#[cfg(test)]
mod tests {
    use super::*;

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
