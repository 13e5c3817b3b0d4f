//! Every path bgassets uses, from one place. With `--data-dir DIR` (or `BGASSETS_HOME`) the
//! manager's config, state, containers, partial downloads and socket all live under DIR, so tests,
//! QA machines and several managers side by side never meet; otherwise the platform's folders
//! (via `directories`) are used.

use std::path::{Path, PathBuf};

use crate::model::{FolderName, PackId};

/// The environment variable that sets the data dir when `--data-dir` is absent.
pub const HOME_VARIABLE: &str = "BGASSETS_HOME";

/// The name of the controller capability file, beside the socket.
pub const CAPABILITY_FILE: &str = "bgassets.capability";

/// Why the paths could not be worked out.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// No home folder, and no data dir given.
    #[error("no home folder to keep bgassets' data in: pass --data-dir or set {HOME_VARIABLE}")]
    NoHome,
}

/// The folders and files of one manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    config: PathBuf,
    data: PathBuf,
    runtime: PathBuf,
}

impl Paths {
    /// Everything under `root`.
    pub fn under(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            config: root.join("config"),
            data: root.clone(),
            runtime: root,
        }
    }

    /// `--data-dir`, else `BGASSETS_HOME`, else the platform's folders.
    pub fn resolve(data_dir: Option<&Path>) -> Result<Self, PathsError> {
        if let Some(dir) = data_dir {
            return Ok(Self::under(dir));
        }
        if let Some(dir) = std::env::var_os(HOME_VARIABLE).filter(|v| !v.is_empty()) {
            return Ok(Self::under(PathBuf::from(dir)));
        }
        let dirs = directories::ProjectDirs::from("org", "bgassets", "bgassets")
            .ok_or(PathsError::NoHome)?;
        let data = dirs.data_dir().to_path_buf();
        Ok(Self {
            config: dirs.config_dir().to_path_buf(),
            runtime: dirs
                .runtime_dir()
                .map_or_else(|| data.clone(), Path::to_path_buf),
            data,
        })
    }

    /// The folder that holds the manager's state, downloads and containers: everything
    /// bgassets may delete lies inside it.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Settings and the watched `apps/` folder.
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// `settings.json`: limits, watched folders, preferred languages.
    pub fn settings_file(&self) -> PathBuf {
        self.config.join("settings.json")
    }

    /// The default watched folder: Info.plists or app folders dropped here are registered.
    pub fn apps_dir(&self) -> PathBuf {
        self.config.join("apps")
    }

    /// The manager's state: apps, packs, installed versions.
    pub fn state_file(&self) -> PathBuf {
        self.data.join("state.json")
    }

    /// The download engine's queue.
    pub fn downloads_file(&self) -> PathBuf {
        self.data.join("downloads.json")
    }

    /// Where pack archives are downloaded (and their partial files kept).
    pub fn downloads_dir(&self) -> PathBuf {
        self.data.join("downloads")
    }

    /// All app containers.
    pub fn containers_dir(&self) -> PathBuf {
        self.data.join("containers")
    }

    /// One app's container (`BAAppGroupID`, else the bundle id): only a validated name joins.
    pub fn container(&self, name: &FolderName) -> PathBuf {
        self.containers_dir().join(name.as_str())
    }

    /// Where one app's pack archives are downloaded.
    pub fn app_downloads_dir(&self, bundle_id: &FolderName) -> PathBuf {
        self.downloads_dir().join(bundle_id.as_str())
    }

    /// Where version `version` of `pack` is downloaded for the app (its partial file beside it).
    pub fn pack_archive(&self, bundle_id: &FolderName, pack: &PackId, version: u64) -> PathBuf {
        self.app_downloads_dir(bundle_id)
            .join(format!("{}@{version}.zip", pack.folder_name()))
    }

    /// One app's cached manifest.
    pub fn manifest_cache(&self, bundle_id: &FolderName) -> PathBuf {
        self.manifests_dir().join(format!("{bundle_id}.json"))
    }

    /// Cached manifests, one file per app.
    pub fn manifests_dir(&self) -> PathBuf {
        self.data.join("manifests")
    }

    /// The local socket apps and `bgassets ctl` talk to.
    pub fn socket_path(&self) -> PathBuf {
        self.runtime.join("bgassets.sock")
    }

    /// Held (locked) by the running manager: a second one on the same data dir refuses to start.
    pub fn lock_file(&self) -> PathBuf {
        self.data.join("manager.lock")
    }

    /// The controller capability (mode 0600, redrawn at each start) the socket server writes
    /// beside its socket: in the data dir, or in `$XDG_RUNTIME_DIR/bgassets` beside the socket
    /// when the platform has a runtime folder (`docs/security.md`).
    pub fn capability_file(&self) -> PathBuf {
        self.runtime.join(CAPABILITY_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_dir_holds_everything() {
        let paths = Paths::resolve(Some(Path::new("/tmp/x"))).unwrap();
        for path in [
            paths.settings_file(),
            paths.apps_dir(),
            paths.state_file(),
            paths.downloads_file(),
            paths.containers_dir(),
            paths.socket_path(),
            paths.lock_file(),
            paths.capability_file(),
        ] {
            assert!(path.starts_with("/tmp/x"), "{}", path.display());
        }
        assert_eq!(
            paths.container(&FolderName::parse("group.a").unwrap()),
            PathBuf::from("/tmp/x/containers/group.a")
        );
    }
}
