//! Finding and reading an app's Info.plist: a registration names an `Info.plist`, or a folder
//! holding one (`Foo.app` with `Contents/Info.plist`, or a folder with `Info.plist` in it), as
//! people and the watched folders hand them over.

use std::path::{Path, PathBuf};

use super::api::ApiError;
use crate::model::{App, ErrorKind, plist_bounds};

/// The Info.plist `path` names, directly or as a folder holding one.
pub fn find_info_plist(path: &Path) -> Result<PathBuf, ApiError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path.is_dir() {
        for candidate in [path.join("Contents/Info.plist"), path.join("Info.plist")] {
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        return Err(ApiError::new(
            ErrorKind::InvalidManifest,
            format!(
                "{}: no Info.plist inside (looked for Contents/Info.plist and Info.plist)",
                path.display()
            ),
        ));
    }
    Err(ApiError::new(
        ErrorKind::InvalidManifest,
        format!("{}: no such file or folder", path.display()),
    ))
}

/// Reads the app at `path`: its parsed Info.plist, where that is, and an icon if it has one.
pub fn read_app(path: &Path) -> Result<(App, PathBuf, Option<PathBuf>), ApiError> {
    let plist = find_info_plist(path)?;
    let plist = plist.canonicalize().unwrap_or(plist);
    let bytes = read_info_plist(&plist)?;
    let app = App::parse(&plist.display().to_string(), &bytes)
        .map_err(|e| ApiError::new(ErrorKind::InvalidManifest, e.to_string()))?;
    if let (Some(relative), Some(folder)) = (&app.downloader_extension, plist.parent()) {
        crate::extension::ProcessExtension::resolve(folder, relative).map_err(|problem| {
            ApiError::new(
                ErrorKind::InvalidManifest,
                format!(
                    "{}: field `BGAssetsDownloaderExtension`: {}: {problem}",
                    plist.display(),
                    problem.kind()
                ),
            )
        })?;
    }
    let icon = super::app_icon::find(&plist, &bytes);
    Ok((app, plist, icon))
}

/// The bytes of the Info.plist at `plist`, refused unread past `MAX_INFO_PLIST_BYTES`.
fn read_info_plist(plist: &Path) -> Result<Vec<u8>, ApiError> {
    let io = |e: std::io::Error| {
        ApiError::new(
            ErrorKind::Io,
            format!("cannot read {}: {e}", plist.display()),
        )
    };
    let file = std::fs::File::open(plist).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    plist_bounds::read_capped(&plist.display().to_string(), file, Some(length)).map_err(|e| {
        let kind = match e {
            plist_bounds::ReadError::Io { .. } => ErrorKind::Io,
            plist_bounds::ReadError::TooLarge(_) => ErrorKind::InvalidManifest,
        };
        ApiError::new(kind, e.to_string())
    })
}

/// The app folders and plists in a watched folder: `*.plist` files and folders holding one.
pub fn scan(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            (path.is_file() && path.extension().is_some_and(|e| e == "plist"))
                || (path.is_dir() && find_info_plist(path).is_ok())
        })
        .collect();
    found.sort();
    found
}
