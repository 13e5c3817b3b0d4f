//! The names bgassets gives inside an app's container, and what is at a pack's place: the one
//! place that decides whether an entry of a container is something bgassets made.
//!
//! ```text
//! <container>/<folder>                       -> .versions/<folder>@<n>   (a symlink on Unix)
//! <container>/.versions/<folder>@<n>/…       a version's files
//! <container>/.staging/<folder>-<r>-<pid>    an install in progress (a folder) or a new link
//! ```
//!
//! `<folder>` passes [`check_folder`] (so it never holds `@`, `/` or a leading `.`), `<n>`,
//! `<r>` and `<pid>` are decimal digits. Anything else in a container (a user's file, a folder
//! of their own at a pack's place, a link pointing elsewhere) is not bgassets' and is never
//! moved or deleted.

use std::path::{Component, Path, PathBuf};

use super::InstallError;
use crate::model::rel_path;

/// Where installs are extracted, and new links made, before they are renamed into place.
pub(crate) const STAGING: &str = ".staging";
/// Where installed versions live.
pub(crate) const VERSIONS: &str = ".versions";
/// The longest folder name: with `-<u32>-<pid>` (22 bytes at most) its staging name still fits
/// in the 255 bytes file systems allow.
pub const MAX_FOLDER: usize = 233;

/// Checks that `folder` is one plain path component, as `PackId::folder_name` makes.
pub fn check_folder(folder: &str) -> Result<(), InstallError> {
    let problem = match rel_path::check(folder) {
        Err(problem) => Some(problem),
        Ok(_) if folder.contains('/') => Some("it has more than one component".into()),
        Ok(_) if folder.starts_with('.') => Some("it starts with `.`".into()),
        Ok(_) if folder.contains('@') => Some("it contains `@`".into()),
        Ok(_) if folder.len() > MAX_FOLDER => Some(format!("it is longer than {MAX_FOLDER} bytes")),
        Ok(_) => None,
    };
    match problem {
        Some(problem) => Err(InstallError::InvalidFolder {
            folder: folder.to_string(),
            problem,
        }),
        None => Ok(()),
    }
}

fn is_folder(folder: &str) -> bool {
    check_folder(folder).is_ok()
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A fresh name for an entry of `.staging`: `<folder>-<random>-<pid>`.
pub(crate) fn unique(folder: &str) -> String {
    format!("{folder}-{}-{}", fastrand::u32(..), std::process::id())
}

/// The folder and process id of a [`unique`] name; `None` for any other name.
pub(crate) fn parse_staged(name: &str) -> Option<(&str, u32)> {
    let (rest, pid) = name.rsplit_once('-')?;
    let (folder, random) = rest.rsplit_once('-')?;
    (digits(random) && digits(pid) && is_folder(folder)).then_some((folder, pid.parse().ok()?))
}

/// Whether `name` is one of [`unique`]'s names for `folder`.
pub(crate) fn is_staged(name: &str, folder: &str) -> bool {
    parse_staged(name).is_some_and(|(of, _)| of == folder)
}

/// `<folder>@<n>`, the name of version `n` of `folder` in `.versions`.
pub(crate) fn version_name(folder: &str, number: u64) -> String {
    format!("{folder}@{number}")
}

/// The folder and number of a [`version_name`]; `None` for any other name.
pub(crate) fn parse_version(name: &str) -> Option<(&str, u64)> {
    let (folder, number) = name.split_once('@')?;
    (digits(number) && is_folder(folder)).then_some((folder, number.parse().ok()?))
}

/// The link target that makes version `number` of `folder` the installed one.
pub(crate) fn link_target(folder: &str, number: u64) -> PathBuf {
    Path::new(VERSIONS).join(version_name(folder, number))
}

/// The version a link target made by [`link_target`] for `folder` points at; `None` for any
/// other target (absolute, elsewhere, another folder's).
pub(crate) fn linked_version(folder: &str, target: &Path) -> Option<u64> {
    let mut components = target.components();
    let (Some(Component::Normal(root)), Some(Component::Normal(name)), None) =
        (components.next(), components.next(), components.next())
    else {
        return None;
    };
    if root != VERSIONS {
        return None;
    }
    match parse_version(name.to_str()?) {
        Some((of, number)) if of == folder => Some(number),
        _ => None,
    }
}

/// What is at `<container>/<folder>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Nothing.
    Free,
    /// bgassets' link to version `n`.
    Ours(u64),
    /// Something bgassets did not make, described for people ("a folder", "a file", "a
    /// symlink to /x").
    Theirs(String),
}

/// Looks at `<container>/<folder>` without following it.
pub fn place(container: &Path, folder: &str) -> Result<Place, InstallError> {
    let path = container.join(folder);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Place::Free),
        Err(e) => return Err(InstallError::io("inspect", &path)(e)),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(&path).map_err(InstallError::io("read the link", &path))?;
        return Ok(match linked_version(folder, &target) {
            Some(number) => Place::Ours(number),
            None => Place::Theirs(format!("a symlink to {}", target.display())),
        });
    }
    if meta.is_dir() {
        // On Windows the installed version is the folder itself (see `swap`).
        if cfg!(unix) {
            return Ok(Place::Theirs("a folder".into()));
        }
        return Ok(Place::Ours(0));
    }
    Ok(Place::Theirs(if meta.is_file() {
        "a file".into()
    } else {
        "something other than a file or folder".into()
    }))
}

/// Refuses when something bgassets did not make is at `<container>/<folder>`.
pub fn check_place(container: &Path, folder: &str) -> Result<Place, InstallError> {
    match place(container, folder)? {
        Place::Theirs(found) => Err(InstallError::Occupied {
            path: container.join(folder),
            found,
        }),
        place => Ok(place),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_one_plain_component() {
        for folder in [
            "Tutorial",
            "onnx%2Fx.onnx",
            "Level-2.hd",
            &"x".repeat(MAX_FOLDER),
        ] {
            assert!(check_folder(folder).is_ok(), "{folder}");
        }
        for folder in [
            "",
            "a/b",
            "..",
            ".staging",
            ".versions",
            "a@1",
            "a\\b",
            "C:",
            &"x".repeat(MAX_FOLDER + 1),
        ] {
            let error = check_folder(folder).unwrap_err();
            assert!(
                error.to_string().contains("is not a pack folder name"),
                "{folder}: {error}"
            );
        }
    }

    #[test]
    fn staging_names_belong_to_one_folder_only() {
        let name = unique("Pack");
        assert!(is_staged(&name, "Pack"), "{name}");
        assert_eq!(parse_staged(&name), Some(("Pack", std::process::id())));
        assert!(!is_staged(&name, "Pack-2"));
        assert!(!is_staged(&unique("Pack-2"), "Pack"));
        assert!(is_staged(&unique("Pack-2"), "Pack-2"));
        assert_eq!(parse_staged("Level-2-17-42"), Some(("Level-2", 42)));
        for other in [
            "Pack-x-1",
            "Pack",
            "Pack-1",
            "-1-2",
            ".hidden-1-2",
            "a@b-1-2",
            "P-1-",
        ] {
            assert_eq!(parse_staged(other), None, "{other}");
        }
        let longest = format!("{}-{}-{}", "x".repeat(MAX_FOLDER), u32::MAX, u32::MAX);
        assert!(longest.len() <= 255, "{}", longest.len());
    }

    #[test]
    fn version_names_and_link_targets_round_trip() {
        assert_eq!(parse_version(&version_name("Pack", 7)), Some(("Pack", 7)));
        for other in [
            "Pack", "Pack@", "Pack@x", "@1", ".x@1", "Pack@1@2", "Pack@-1",
        ] {
            assert_eq!(parse_version(other), None, "{other}");
        }
        assert_eq!(linked_version("Pack", &link_target("Pack", 3)), Some(3));
        for other in [
            "/abs/.versions/Pack@3",
            ".versions/Other@3",
            "elsewhere/Pack@3",
            ".versions/Pack@3/x",
            "../.versions/Pack@3",
            ".versions",
        ] {
            assert_eq!(linked_version("Pack", Path::new(other)), None, "{other}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_a_link_into_the_versions_folder_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        assert_eq!(place(c, "A").unwrap(), Place::Free);
        std::os::unix::fs::symlink(link_target("A", 2), c.join("A")).unwrap();
        assert_eq!(place(c, "A").unwrap(), Place::Ours(2));
        std::fs::create_dir(c.join("B")).unwrap();
        assert_eq!(place(c, "B").unwrap(), Place::Theirs("a folder".into()));
        std::fs::write(c.join("C"), b"x").unwrap();
        assert_eq!(place(c, "C").unwrap(), Place::Theirs("a file".into()));
        std::os::unix::fs::symlink("/tmp", c.join("D")).unwrap();
        assert_eq!(
            place(c, "D").unwrap(),
            Place::Theirs("a symlink to /tmp".into())
        );
        let error = check_place(c, "B").unwrap_err();
        assert!(matches!(error, InstallError::Occupied { .. }), "{error:?}");
    }
}
