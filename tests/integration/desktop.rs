//! bgassets' place on the desktop, through the real binary in a temp home (the environment is
//! set on the child, never in the test process): `autostart on|off|status` writes and removes
//! its XDG autostart entry and leaves a user's alone; `install-desktop` installs an entry that
//! `desktop-file-validate` accepts and the icon at every hicolor size, and `--uninstall` leaves
//! the folder as it was, the user's files untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support;

const EXE: &str = env!("CARGO_BIN_EXE_bgassets");
const SIZES: [u32; 6] = [16, 32, 48, 64, 128, 256];

/// A temp home with its XDG folders.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let home = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(home.config()).unwrap();
        std::fs::create_dir_all(home.data()).unwrap();
        home
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn autostart_entry(&self) -> PathBuf {
        self.config().join("autostart/bgassets.desktop")
    }

    fn menu_entry(&self) -> PathBuf {
        self.data().join("applications/bgassets.desktop")
    }

    fn icon(&self, size: u32) -> PathBuf {
        self.data()
            .join(format!("icons/hicolor/{size}x{size}/apps/bgassets.png"))
    }

    /// Runs `bgassets ARGS` with this home.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(EXE)
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.config())
            .env("XDG_DATA_HOME", self.data())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "bgassets {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn refused(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "bgassets {args:?} succeeded");
        String::from_utf8(output.stderr).unwrap()
    }
}

fn validate(entry: &Path) {
    let output = Command::new("desktop-file-validate")
        .arg(entry)
        .output()
        .expect("desktop-file-validate (scripts/setup installs desktop-file-utils)");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && !said.contains("error:"),
        "{} is not a valid desktop entry: {said}",
        entry.display()
    );
}

fn value(entry: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(entry).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        .to_owned()
}

#[test]
fn autostart_on_writes_a_valid_entry_and_off_removes_it() {
    let home = Home::new();
    assert!(home.ok(&["autostart", "status"]).starts_with("off"));
    assert!(home.ok(&["autostart", "on"]).starts_with("on"));
    let entry = home.autostart_entry();
    validate(&entry);
    assert_eq!(value(&entry, "Exec"), format!("{EXE} --minimized"));
    assert_eq!(value(&entry, "X-bgassets-Autostart"), "true");
    assert!(home.ok(&["autostart", "status"]).starts_with("on"));
    assert!(home.ok(&["autostart", "on"]).starts_with("on"), "again");
    assert!(home.ok(&["autostart", "off"]).starts_with("off"));
    assert!(!entry.exists());
    assert!(
        std::fs::read_dir(home.config().join("autostart"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[test]
fn a_users_own_autostart_entry_is_left_alone() {
    let home = Home::new();
    let users = b"[Desktop Entry]\nType=Application\nName=My bgassets\nExec=/opt/bg/bgassets\n";
    support::write(&home.autostart_entry(), users);
    assert!(
        home.ok(&["autostart", "status"])
            .contains("not bgassets' own")
    );
    assert!(home.refused(&["autostart", "off"]).contains("left alone"));
    assert!(home.refused(&["autostart", "on"]).contains("left alone"));
    assert_eq!(std::fs::read(home.autostart_entry()).unwrap(), users);
}

#[test]
fn install_desktop_installs_a_valid_entry_and_every_icon_size() {
    let home = Home::new();
    home.ok(&["install-desktop"]);
    let entry = home.menu_entry();
    validate(&entry);
    assert_eq!(value(&entry, "Exec"), EXE);
    assert_eq!(value(&entry, "Icon"), "bgassets");
    assert_eq!(value(&entry, "StartupWMClass"), "bgassets");
    assert!(Path::new(&value(&entry, "Exec")).is_absolute());
    let icons = Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/hicolor");
    for size in SIZES {
        let shipped =
            std::fs::read(icons.join(format!("{size}x{size}/apps/bgassets.png"))).unwrap();
        assert_eq!(
            std::fs::read(home.icon(size)).unwrap(),
            shipped,
            "the {size}px icon"
        );
    }
}

#[test]
fn install_desktop_uninstall_leaves_the_folder_as_it_was() {
    let home = Home::new();
    // The user's own files beside where bgassets installs.
    support::write(&home.data().join("applications/mine.desktop"), b"mine");
    support::write(
        &home.data().join("icons/hicolor/48x48/apps/mine.png"),
        b"png",
    );
    let before = support::tree(&home.data());
    home.ok(&["install-desktop"]);
    home.ok(&["install-desktop"]);
    let said = home.ok(&["install-desktop", "--uninstall"]);
    assert!(said.contains("removed"), "{said}");
    assert_eq!(support::tree(&home.data()), before);
}

#[test]
fn install_desktop_never_replaces_or_removes_the_users_files() {
    let home = Home::new();
    let users_entry = b"[Desktop Entry]\nType=Application\nName=Mine\nExec=/bin/true\n".as_slice();
    support::write(&home.menu_entry(), users_entry);
    let users_icon = b"the user's own icon".as_slice();
    support::write(&home.icon(64), users_icon);
    let before = support::tree(&home.data());
    assert!(home.refused(&["install-desktop"]).contains("left alone"));
    assert_eq!(support::tree(&home.data()), before, "nothing written");
    let said = home.ok(&["install-desktop", "--uninstall"]);
    assert!(said.contains("left alone"), "{said}");
    assert_eq!(support::tree(&home.data()), before, "nothing removed");
}

#[test]
fn an_executable_path_with_reserved_characters_makes_a_valid_entry() {
    let dir = tempfile::tempdir().unwrap();
    let exe = Path::new("/opt/my apps/bg$\"assets\\ 100%/bgassets");
    for (name, text) in [
        (
            "menu.desktop",
            bgassets::desktop::entry::menu_entry(exe, &[]).unwrap(),
        ),
        (
            "autostart.desktop",
            bgassets::desktop::entry::autostart_entry(exe).unwrap(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        validate(&path);
    }
}

#[test]
fn install_desktop_refreshes_an_icon_cache_the_user_has() {
    let home = Home::new();
    let hicolor = home.data().join("icons/hicolor");
    let users_icon = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/app.png"));
    support::write(&hicolor.join("128x128/apps/mine.png"), &users_icon.unwrap());
    let made = Command::new("gtk-update-icon-cache")
        .args(["-q", "-f", "-t"])
        .arg(&hicolor)
        .status()
        .expect("gtk-update-icon-cache (Debian's libgtk-3-bin)");
    assert!(made.success());
    let cache = hicolor.join("icon-theme.cache");
    let before = std::fs::read(&cache).unwrap();
    let said = home.ok(&["install-desktop"]);
    assert!(said.contains("gtk-update-icon-cache refreshed"), "{said}");
    let after = std::fs::read(&cache).unwrap();
    assert!(
        after != before && after.windows(8).any(|w| w == b"bgassets"),
        "the cache now lists bgassets' icon"
    );
    home.ok(&["install-desktop", "--uninstall"]);
    assert!(cache.exists(), "the user's cache stays");
    assert!(!home.icon(48).exists());
    assert!(hicolor.join("128x128/apps/mine.png").exists());
}
