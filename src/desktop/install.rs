//! `bgassets install-desktop`: the menu entry `$XDG_DATA_HOME/applications/bgassets.desktop`
//! and the icon at every hicolor size under `$XDG_DATA_HOME/icons/hicolor/NxN/apps/`, the
//! icons embedded in the binary so that an installed binary can install them.
//!
//! Nothing of the user's is overwritten or removed: before writing anything, a file in the way
//! that is not bgassets' (an entry without the marker, an icon with other bytes) stops the
//! install; `--uninstall` removes the entry only with its marker and an icon only when its bytes
//! are exactly the embedded icon's. The folders the install created are recorded in the entry
//! and removed on uninstall when they are empty again. The desktop's caches are refreshed only
//! where they already exist (`mimeinfo.cache`, `icon-theme.cache`) and their tool is installed,
//! so no cache file is ever left behind that the user did not have.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::entry::{self, CREATED_DIRS_KEY, INSTALLED_MARKER};
use super::{DesktopError, Locations};

/// The icon at each hicolor size, as `icons/make_icons.py` draws it.
pub const ICONS: [(u32, &[u8]); 6] = [
    (
        16,
        include_bytes!("../../icons/hicolor/16x16/apps/bgassets.png"),
    ),
    (
        32,
        include_bytes!("../../icons/hicolor/32x32/apps/bgassets.png"),
    ),
    (
        48,
        include_bytes!("../../icons/hicolor/48x48/apps/bgassets.png"),
    ),
    (
        64,
        include_bytes!("../../icons/hicolor/64x64/apps/bgassets.png"),
    ),
    (
        128,
        include_bytes!("../../icons/hicolor/128x128/apps/bgassets.png"),
    ),
    (
        256,
        include_bytes!("../../icons/hicolor/256x256/apps/bgassets.png"),
    ),
];

/// What an install or uninstall did, for the person who asked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files written or removed.
    pub changed: Vec<PathBuf>,
    /// Files that were already as wanted (already installed, or already absent).
    pub unchanged: Vec<PathBuf>,
    /// Files in the way that are not bgassets' (uninstall leaves them).
    pub left_alone: Vec<PathBuf>,
    /// Caches refreshed, or why a refresh failed.
    pub notes: Vec<String>,
}

/// The folders (relative to the data folder) an install may create, parents first.
pub fn candidate_dirs() -> Vec<String> {
    let mut dirs = vec![
        "applications".to_owned(),
        "icons".into(),
        "icons/hicolor".into(),
    ];
    for (size, _) in ICONS {
        dirs.push(format!("icons/hicolor/{size}x{size}"));
        dirs.push(format!("icons/hicolor/{size}x{size}/apps"));
    }
    dirs
}

/// Where the entry goes.
pub fn entry_path(at: &Locations) -> PathBuf {
    at.applications_dir().join(entry::FILE_NAME)
}

/// Where the icon of `size` goes.
pub fn icon_path(at: &Locations, size: u32) -> PathBuf {
    at.hicolor_dir()
        .join(format!("{size}x{size}/apps/bgassets.png"))
}

/// Installs the entry (starting `exe`) and the icons.
pub fn install(at: &Locations, exe: &Path) -> Result<Report, DesktopError> {
    let entry_file = entry_path(at);
    let previous = super::read_small(&entry_file)?;
    let mut created = match &previous {
        Some(bytes) if entry::is_ours(bytes, INSTALLED_MARKER) => recorded_dirs(bytes),
        _ if std::fs::symlink_metadata(&entry_file).is_ok() => {
            return Err(not_ours(entry_file, "no X-bgassets-Installed=true"));
        }
        _ => Vec::new(),
    };
    for (size, bytes) in ICONS {
        let path = icon_path(at, size);
        if std::fs::symlink_metadata(&path).is_ok()
            && super::read_small(&path)?.as_deref() != Some(bytes)
        {
            return Err(not_ours(path, "other bytes than bgassets' icon"));
        }
    }
    for dir in candidate_dirs() {
        if !at.data_home.join(&dir).exists() && !created.contains(&dir) {
            created.push(dir);
        }
    }
    let text = entry::menu_entry(exe, &created.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut report = Report::default();
    for (size, bytes) in ICONS {
        write_if_different(&icon_path(at, size), bytes, &mut report)?;
    }
    write_if_different(&entry_file, text.as_bytes(), &mut report)?;
    refresh_caches(at, &mut report);
    Ok(report)
}

/// Removes what [`install`] put in place, and nothing else.
pub fn uninstall(at: &Locations) -> Result<Report, DesktopError> {
    let mut report = Report::default();
    let entry_file = entry_path(at);
    let mut created = Vec::new();
    match super::read_small(&entry_file)? {
        Some(bytes) if entry::is_ours(&bytes, INSTALLED_MARKER) => {
            created = recorded_dirs(&bytes);
            remove(&entry_file, &mut report)?;
        }
        _ if std::fs::symlink_metadata(&entry_file).is_ok() => report.left_alone.push(entry_file),
        _ => report.unchanged.push(entry_file),
    }
    for (size, bytes) in ICONS {
        let path = icon_path(at, size);
        match super::read_small(&path)? {
            Some(found) if found == bytes => remove(&path, &mut report)?,
            _ if std::fs::symlink_metadata(&path).is_ok() => report.left_alone.push(path),
            _ => report.unchanged.push(path),
        }
    }
    // Deepest first; a folder that is not empty (the user's files) stays.
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(at.data_home.join(dir));
    }
    refresh_caches(at, &mut report);
    Ok(report)
}

/// The folders an entry records as created by the install, keeping only known names (the
/// entry is a file on disk: a changed list must not name other folders).
fn recorded_dirs(bytes: &[u8]) -> Vec<String> {
    let candidates = candidate_dirs();
    let text = String::from_utf8_lossy(bytes);
    let recorded = entry::value(&text, CREATED_DIRS_KEY).unwrap_or_default();
    // Kept in the candidates' order (parents first), each once.
    candidates
        .into_iter()
        .filter(|dir| recorded.split(';').any(|r| r == dir))
        .collect()
}

fn not_ours(path: PathBuf, why: &'static str) -> DesktopError {
    DesktopError::NotOurs { path, why }
}

fn write_if_different(path: &Path, bytes: &[u8], report: &mut Report) -> Result<(), DesktopError> {
    if super::read_small(path)?.as_deref() == Some(bytes) {
        report.unchanged.push(path.to_path_buf());
        return Ok(());
    }
    crate::store::write_atomically(path, bytes)
        .map_err(|error| DesktopError::io("write", path, error))?;
    report.changed.push(path.to_path_buf());
    Ok(())
}

fn remove(path: &Path, report: &mut Report) -> Result<(), DesktopError> {
    std::fs::remove_file(path).map_err(|error| DesktopError::io("remove", path, error))?;
    report.changed.push(path.to_path_buf());
    Ok(())
}

/// Runs the cache tools on the caches that exist; a missing tool or a failure is a note.
fn refresh_caches(at: &Locations, report: &mut Report) {
    let applications = at.applications_dir();
    if applications.join("mimeinfo.cache").is_file() {
        run_tool("update-desktop-database", &["-q"], &applications, report);
    }
    let hicolor = at.hicolor_dir();
    if hicolor.join("icon-theme.cache").is_file() {
        run_tool(
            "gtk-update-icon-cache",
            &["-q", "-f", "-t"],
            &hicolor,
            report,
        );
    }
}

fn run_tool(program: &str, args: &[&str], dir: &Path, report: &mut Report) {
    let note = match Command::new(program).args(args).arg(dir).output() {
        Ok(output) if output.status.success() => format!("{program} refreshed {}", dir.display()),
        Ok(output) => format!(
            "{program} {} failed ({}): {}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!(
                "{program} is not installed; {} not refreshed",
                dir.display()
            )
        }
        Err(error) => format!("cannot run {program}: {error}"),
    };
    report.notes.push(note);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_icon_is_a_png_of_its_size() {
        for (size, bytes) in ICONS {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            // IHDR: width and height, big-endian, at bytes 16..24.
            let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
            assert_eq!((width, height), (size, size));
        }
    }

    #[test]
    fn recorded_folders_outside_the_candidates_are_ignored() {
        let text =
            "[Desktop Entry]\nX-bgassets-CreatedDirs=../../etc;applications;/home;icons/hicolor;\n";
        assert_eq!(
            recorded_dirs(text.as_bytes()),
            vec!["applications".to_owned(), "icons/hicolor".to_owned()]
        );
    }
}
