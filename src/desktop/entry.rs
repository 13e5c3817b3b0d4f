//! Desktop entries as text (freedesktop Desktop Entry Specification; `Version=1.4`, the newest
//! `desktop-file-validate` 0.26 knows, as nothing of 1.5 is used), pure: the autostart
//! entry, the menu entry, the quoting of the executable in `Exec`, and whether an entry found
//! on disk is one bgassets wrote (its marker key set to `true` in `[Desktop Entry]`).

use std::path::Path;

use super::DesktopError;
use crate::gui::window::APP_ID;

/// The marker key of the autostart entry.
pub const AUTOSTART_MARKER: &str = "X-bgassets-Autostart";
/// The marker key of the menu entry `install-desktop` writes.
pub const INSTALLED_MARKER: &str = "X-bgassets-Installed";
/// The key in the menu entry listing the folders `install-desktop` created (relative to the
/// data folder), so that `--uninstall` removes them when they are empty again.
pub const CREATED_DIRS_KEY: &str = "X-bgassets-CreatedDirs";
/// The entries' file name (also the desktop id), matching the window's app id.
pub const FILE_NAME: &str = "bgassets.desktop";

/// The argument that starts bgassets in the tray, without a window.
pub const MINIMIZED: &str = "--minimized";

/// The autostart entry starting `exe --minimized`.
pub fn autostart_entry(exe: &Path) -> Result<String, DesktopError> {
    let exec = exec_line(exe, &[MINIMIZED])?;
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=bgassets\n\
         Comment=Downloads apps' asset packs in the background\n\
         Exec={exec}\n\
         Icon=bgassets\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n\
         {AUTOSTART_MARKER}=true\n"
    ))
}

/// The menu entry starting `exe`; `created_dirs` are recorded for `--uninstall`. Its
/// `StartupWMClass` is the window's app id, so the desktop matches the window to the entry.
pub fn menu_entry(exe: &Path, created_dirs: &[&str]) -> Result<String, DesktopError> {
    let exec = exec_line(exe, &[])?;
    let mut text = format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Version=1.4\n\
         Name=bgassets\n\
         GenericName=Asset Pack Manager\n\
         Comment=Download, update and remove apps' asset packs in the background\n\
         Exec={exec}\n\
         Icon=bgassets\n\
         Terminal=false\n\
         Categories=Network;FileTransfer;\n\
         Keywords=download;assets;packs;background;\n\
         StartupWMClass={APP_ID}\n\
         {INSTALLED_MARKER}=true\n"
    );
    if !created_dirs.is_empty() {
        text.push_str(&format!("{CREATED_DIRS_KEY}={};\n", created_dirs.join(";")));
    }
    Ok(text)
}

/// The `Exec` value for `exe` and `args`: each argument quoted when it holds a reserved
/// character, then escaped as a string value (`\` doubled, `%` doubled).
pub fn exec_line(exe: &Path, args: &[&str]) -> Result<String, DesktopError> {
    let problem = |problem| DesktopError::ExecutablePath {
        path: exe.to_path_buf(),
        problem,
    };
    let exe_text = exe.to_str().ok_or_else(|| problem("not UTF-8"))?;
    if exe_text.chars().any(char::is_control) {
        return Err(problem("it holds a control character (a newline, a tab…)"));
    }
    if !exe.is_absolute() {
        return Err(problem("not absolute"));
    }
    let words: Vec<String> = std::iter::once(exe_text)
        .chain(args.iter().copied())
        .map(quote_argument)
        .collect();
    Ok(words.join(" ").replace('\\', "\\\\").replace('%', "%%"))
}

/// One `Exec` argument, double-quoted when it holds a reserved character.
fn quote_argument(word: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    if !word.contains(RESERVED) && !word.is_empty() {
        return word.to_owned();
    }
    let mut quoted = String::from("\"");
    for c in word.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The value of `key` in the `[Desktop Entry]` group of `text`, if any.
pub fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let mut in_main_group = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_main_group = line == "[Desktop Entry]";
            continue;
        }
        if !in_main_group || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=')
            && k.trim_end() == key
        {
            return Some(v.trim_start());
        }
    }
    None
}

/// Whether the entry `bytes` carries `marker=true`: one bgassets wrote.
pub fn is_ours(bytes: &[u8], marker: &str) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| value(text, marker) == Some("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_written_as_it_is() {
        let exec = exec_line(Path::new("/usr/bin/bgassets"), &[MINIMIZED]).unwrap();
        assert_eq!(exec, "/usr/bin/bgassets --minimized");
    }

    #[test]
    fn reserved_characters_are_quoted_and_escaped() {
        let exec = exec_line(Path::new("/opt/my apps/bg$\"x\\100%"), &[]).unwrap();
        // Quoted: `"/opt/my apps/bg\$\"x\\100%"`; then `\` doubled and `%` doubled.
        assert_eq!(exec, r#""/opt/my apps/bg\\$\\"x\\\\100%%""#);
    }

    #[test]
    fn a_path_with_a_newline_or_relative_is_refused() {
        assert!(exec_line(Path::new("/opt/a\nb"), &[]).is_err());
        assert!(exec_line(Path::new("bin/bgassets"), &[]).is_err());
    }

    #[test]
    fn ours_only_with_the_marker_set_in_the_main_group() {
        let ours = autostart_entry(Path::new("/usr/bin/bgassets")).unwrap();
        assert!(is_ours(ours.as_bytes(), AUTOSTART_MARKER));
        assert!(!is_ours(ours.as_bytes(), INSTALLED_MARKER));
        let users = "[Desktop Entry]\nType=Application\nName=bgassets\nExec=bgassets\n";
        assert!(!is_ours(users.as_bytes(), AUTOSTART_MARKER));
        let elsewhere = "[Desktop Entry]\nName=x\n[Desktop Action a]\nX-bgassets-Autostart=true\n";
        assert!(!is_ours(elsewhere.as_bytes(), AUTOSTART_MARKER));
        let off = "[Desktop Entry]\nX-bgassets-Autostart = false\n";
        assert!(!is_ours(off.as_bytes(), AUTOSTART_MARKER));
        assert!(!is_ours(&[0xff, 0xfe], AUTOSTART_MARKER));
    }

    #[test]
    fn the_menu_entry_records_the_folders_it_created() {
        let text = menu_entry(Path::new("/usr/bin/bgassets"), &["applications", "icons"]).unwrap();
        assert_eq!(value(&text, CREATED_DIRS_KEY), Some("applications;icons;"));
        assert_eq!(value(&text, "StartupWMClass"), Some("bgassets"));
        assert!(is_ours(text.as_bytes(), INSTALLED_MARKER));
    }
}
