//! Running a process extension: the executable an app's Info.plist names with
//! `BGAssetsDownloaderExtension`, once per event.
//!
//! [`ProcessExtension::resolve`] checks the file: a regular file with an executable bit whose
//! canonical path lies inside the Info.plist's folder (a symlink out of it is refused).
//! [`ProcessExtension::call`] checks it again (it may have changed since), then runs it with
//! the app's container as its working directory and a cleared environment, in its own process
//! group, with the request on stdin; stdout is capped, the end of stderr kept for the error,
//! and at the time limit the whole group is killed. The child is always waited for: no zombie.

mod run;

use std::path::{Path, PathBuf};

use super::ExtensionLimits;
use super::error::{ExtensionError, Problem};
use super::message::{Answer, ExtensionRequest, parse_answer};

pub use run::PATH;

/// An app's process extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessExtension {
    /// The folder holding the Info.plist.
    folder: PathBuf,
    /// The path as the Info.plist gives it.
    relative: String,
}

impl ProcessExtension {
    /// The extension at `relative` in `folder`, not checked yet: [`Self::call`] checks it.
    pub fn declared(folder: impl Into<PathBuf>, relative: impl Into<String>) -> Self {
        Self {
            folder: folder.into(),
            relative: relative.into(),
        }
    }

    /// The extension at `relative` in `folder` (the folder holding the Info.plist), checked:
    /// a regular executable file inside the folder once symlinks are resolved.
    pub fn resolve(folder: &Path, relative: &str) -> Result<Self, Problem> {
        let extension = Self::declared(folder, relative);
        extension.program()?;
        Ok(extension)
    }

    /// The path as the Info.plist gives it.
    pub fn path(&self) -> &str {
        &self.relative
    }

    /// The executable's canonical path, or why it cannot be run.
    pub fn program(&self) -> Result<PathBuf, Problem> {
        let relative = &self.relative;
        if relative.starts_with('/') {
            return Err(Problem::NotExecutable(format!(
                "`{relative}` is absolute; the path must be relative to the folder holding the Info.plist"
            )));
        }
        crate::model::rel_path::check(relative).map_err(|problem| {
            Problem::NotExecutable(format!(
                "{problem}; the path must stay inside the folder holding the Info.plist"
            ))
        })?;
        let folder = self.folder.canonicalize().map_err(|e| {
            Problem::NotFound(format!(
                "the app's folder {} cannot be read: {e}",
                self.folder.display()
            ))
        })?;
        let candidate = folder.join(relative);
        let program = candidate
            .canonicalize()
            .map_err(|e| Problem::NotFound(format!("no file at {}: {e}", candidate.display())))?;
        if !program.starts_with(&folder) {
            return Err(Problem::NotExecutable(format!(
                "{} leads to {}, outside the folder {} holding the Info.plist; an extension must lie inside it",
                candidate.display(),
                program.display(),
                folder.display()
            )));
        }
        let metadata = std::fs::metadata(&program)
            .map_err(|e| Problem::NotFound(format!("cannot read {}: {e}", program.display())))?;
        if !metadata.is_file() {
            return Err(Problem::NotExecutable(format!(
                "{} is not a regular file",
                program.display()
            )));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if metadata.permissions().mode() & 0o111 == 0 {
                return Err(Problem::NotExecutable(format!(
                    "{} has no executable bit (chmod +x it)",
                    program.display()
                )));
            }
        }
        Ok(program)
    }

    /// Runs the extension for `request` in `container` (created if missing) and reads its
    /// answer, within `limits`.
    pub async fn call(
        &self,
        container: &Path,
        request: &ExtensionRequest,
        limits: &ExtensionLimits,
    ) -> Result<Answer, ExtensionError> {
        let run = async {
            let program = self.program()?;
            let output = run::run(&program, container, request, limits).await?;
            parse_answer(request.event(), &output)
        };
        run.await
            .map_err(|problem| problem.of(&self.relative, request.app()))
    }
}
