//! An app's own icon, found in its bundle when it registers: the Info.plist's
//! `CFBundleIconFile`, or `CFBundleIcons` → `CFBundlePrimaryIcon` → `CFBundleIconFiles` /
//! `CFBundleIconName`, looked for in `Contents/Resources/` (a `.app` bundle), `Resources/` and
//! beside the Info.plist; else `icon.png` / `AppIcon.png` there. Only what is safe to show is
//! kept: each name must be a plain file name (never a path), the file a PNG of at most
//! [`MAX_ICON_BYTES`] and [`MAX_ICON_SIDE`] pixels a side, inside the bundle once symlinks are
//! followed. A refused candidate is logged with its reason and the next one tried; with none
//! left the app shows the default icon.

use std::io::Read;
use std::path::{Path, PathBuf};

use plist::Value;

/// The largest icon file read, in bytes (4 MiB).
pub const MAX_ICON_BYTES: u64 = 4 << 20;
/// The largest icon side decoded, in pixels.
pub const MAX_ICON_SIDE: u32 = 1024;

/// Why an icon file is not shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IconError {
    /// The Info.plist names it with something that is not a plain file name.
    #[error("`{0}` is not a file name (a path or empty)")]
    NotAName(String),
    /// It lies outside the app's bundle (through a symlink or `..`).
    #[error("{0}: outside the app's bundle")]
    OutsideBundle(PathBuf),
    /// It could not be read.
    #[error("{0}: {1}")]
    Io(PathBuf, String),
    /// It is larger than [`MAX_ICON_BYTES`].
    #[error("{0}: {1} bytes, more than the {MAX_ICON_BYTES} an icon may have")]
    TooLarge(PathBuf, u64),
    /// It is not a PNG.
    #[error("{0}: not a PNG image")]
    NotPng(PathBuf),
    /// Its sides are zero or larger than [`MAX_ICON_SIDE`].
    #[error("{0}: {1}×{2} pixels, an icon is at most {MAX_ICON_SIDE}×{MAX_ICON_SIDE}")]
    BadSize(PathBuf, u32, u32),
}

/// The icon to show for the app whose Info.plist is `plist` (already read as `bytes`).
pub fn find(plist: &Path, bytes: &[u8]) -> Option<PathBuf> {
    let dir = plist.parent()?;
    let bundle = bundle_root(dir);
    for candidate in candidates(dir, &named_icons(plist, bytes)) {
        if !candidate.exists() && candidate.symlink_metadata().is_err() {
            continue;
        }
        match check(&candidate, &bundle) {
            Ok(()) => return Some(candidate),
            Err(error) => tracing::warn!("{}: icon not shown: {error}", plist.display()),
        }
    }
    None
}

/// The app's bundle: `Foo.app` for `Foo.app/Contents/Info.plist`, else the plist's folder.
fn bundle_root(dir: &Path) -> PathBuf {
    match (dir.file_name(), dir.parent()) {
        (Some(name), Some(parent)) if name == "Contents" => parent.to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// The icon names the Info.plist gives, validated; refused ones are logged.
fn named_icons(plist: &Path, bytes: &[u8]) -> Vec<String> {
    let input = plist.display().to_string();
    let Ok(value) = crate::model::plist_bounds::parse_value(&input, bytes) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let dict = value.as_dictionary();
    let string = |v: &Value| v.as_string().map(str::to_owned);
    names.extend(
        dict.and_then(|d| d.get("CFBundleIconFile"))
            .and_then(string),
    );
    let primary = dict
        .and_then(|d| d.get("CFBundleIcons"))
        .and_then(Value::as_dictionary)
        .and_then(|d| d.get("CFBundlePrimaryIcon"))
        .and_then(Value::as_dictionary);
    if let Some(primary) = primary {
        let files = primary.get("CFBundleIconFiles").and_then(Value::as_array);
        names.extend(files.into_iter().flatten().filter_map(string));
        names.extend(primary.get("CFBundleIconName").and_then(string));
    }
    names
        .into_iter()
        .filter(|name| match valid_name(name) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!("{input}: icon not shown: {error}");
                false
            }
        })
        .collect()
}

/// Whether `name` is a plain file name: not empty, no separator, not `.` or `..`, short.
pub fn valid_name(name: &str) -> Result<(), IconError> {
    let plain = !name.is_empty()
        && name.len() <= 255
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != "..";
    if plain {
        Ok(())
    } else {
        Err(IconError::NotAName(name.to_owned()))
    }
}

/// Where each name may be (with `.png` added when it has no extension), then the usual names.
fn candidates(dir: &Path, names: &[String]) -> Vec<PathBuf> {
    let folders = [dir.join("Resources"), dir.to_path_buf()];
    let mut files: Vec<String> = Vec::new();
    for name in names {
        if Path::new(name).extension().is_none() {
            files.push(format!("{name}.png"));
        }
        files.push(name.clone());
    }
    files.extend(["icon.png".to_owned(), "AppIcon.png".to_owned()]);
    files
        .iter()
        .flat_map(|file| folders.iter().map(move |folder| folder.join(file)))
        .collect()
}

/// Whether `path` is an icon safe to show from the bundle at `bundle`.
pub fn check(path: &Path, bundle: &Path) -> Result<(), IconError> {
    let io = |e: std::io::Error| IconError::Io(path.to_path_buf(), e.to_string());
    let real = path.canonicalize().map_err(io)?;
    let root = bundle.canonicalize().map_err(io)?;
    if !real.starts_with(&root) {
        return Err(IconError::OutsideBundle(path.to_path_buf()));
    }
    read_png(&real).map(|_| ())
}

/// The bytes of the PNG at `path`, refused unread past [`MAX_ICON_BYTES`], with its size
/// checked from its header before anyone decodes it.
pub fn read_png(path: &Path) -> Result<Vec<u8>, IconError> {
    let io = |e: std::io::Error| IconError::Io(path.to_path_buf(), e.to_string());
    let file = std::fs::File::open(path).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    if !file.metadata().map_err(io)?.is_file() {
        return Err(IconError::Io(path.to_path_buf(), "not a file".into()));
    }
    if length > MAX_ICON_BYTES {
        return Err(IconError::TooLarge(path.to_path_buf(), length));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ICON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_ICON_BYTES {
        return Err(IconError::TooLarge(path.to_path_buf(), bytes.len() as u64));
    }
    let (width, height) = png_size(&bytes).ok_or_else(|| IconError::NotPng(path.to_path_buf()))?;
    if width == 0 || height == 0 || width > MAX_ICON_SIDE || height > MAX_ICON_SIDE {
        return Err(IconError::BadSize(path.to_path_buf(), width, height));
    }
    Ok(bytes)
}

/// A PNG's width and height from its signature and `IHDR` chunk; `None` if it is not a PNG.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.get(..8)? != SIGNATURE || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    Some((word(16)?, word(20)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = include_bytes!("../../icons/app.png");

    fn header(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0]);
        bytes
    }

    fn plist(dir: &Path, keys: &str) -> PathBuf {
        let path = dir.join("Info.plist");
        let text = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>{keys}</dict></plist>"#
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    fn found(plist: &Path) -> Option<PathBuf> {
        find(plist, &std::fs::read(plist).unwrap())
    }

    #[test]
    fn sizes_come_from_the_header() {
        assert_eq!(png_size(PNG), Some((128, 128)));
        assert_eq!(png_size(&header(7, 9)), Some((7, 9)));
        assert_eq!(png_size(b"GIF89a......................"), None);
        assert_eq!(png_size(b"\x89PNG"), None);
    }

    #[test]
    fn names_are_names_not_paths() {
        assert!(valid_name("AppIcon").is_ok());
        for bad in ["", "..", ".", "../etc/passwd", "/etc/passwd", "a\\b", "x\0"] {
            assert!(valid_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bundle_icon_file_in_resources_is_found() {
        let root = tempfile::tempdir().unwrap();
        let contents = root.path().join("Game.app/Contents");
        std::fs::create_dir_all(contents.join("Resources")).unwrap();
        std::fs::write(contents.join("Resources/Game.png"), PNG).unwrap();
        let plist = plist(
            &contents,
            "<key>CFBundleIconFile</key><string>Game</string>",
        );
        assert_eq!(found(&plist), Some(contents.join("Resources/Game.png")));
    }

    #[test]
    fn cfbundleicons_primary_icon_files_are_found() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("Icon-60.png"), PNG).unwrap();
        let plist = plist(
            root.path(),
            "<key>CFBundleIcons</key><dict><key>CFBundlePrimaryIcon</key><dict>\
             <key>CFBundleIconFiles</key><array><string>Icon-60</string></array></dict></dict>",
        );
        assert_eq!(found(&plist), Some(root.path().join("Icon-60.png")));
    }

    #[test]
    fn hostile_icons_give_the_default() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside.png");
        std::fs::write(&outside, PNG).unwrap();
        let app = root.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        // A path instead of a name, a symlink out of the bundle, a GIF, a huge PNG.
        let keys = "<key>CFBundleIconFile</key><string>../outside.png</string>";
        let plist = plist(&app, keys);
        assert_eq!(found(&plist), None);
        std::os::unix::fs::symlink(&outside, app.join("icon.png")).unwrap();
        assert_eq!(found(&plist), None);
        std::fs::remove_file(app.join("icon.png")).unwrap();
        std::fs::write(app.join("icon.png"), b"GIF89a not a png at all").unwrap();
        assert_eq!(found(&plist), None);
        std::fs::write(app.join("icon.png"), header(100_000, 100_000)).unwrap();
        assert_eq!(found(&plist), None);
        assert!(matches!(
            read_png(&app.join("icon.png")),
            Err(IconError::BadSize(_, 100_000, 100_000))
        ));
        let big = std::fs::File::create(app.join("AppIcon.png")).unwrap();
        big.set_len(MAX_ICON_BYTES + 1).unwrap();
        assert!(matches!(
            read_png(&app.join("AppIcon.png")),
            Err(IconError::TooLarge(..))
        ));
        assert_eq!(found(&plist), None);
        // A symlink that stays inside the bundle is fine.
        std::fs::write(app.join("real.png"), PNG).unwrap();
        std::fs::remove_file(app.join("icon.png")).unwrap();
        std::os::unix::fs::symlink(app.join("real.png"), app.join("icon.png")).unwrap();
        assert_eq!(found(&plist), Some(app.join("icon.png")));
    }
}
