//! The demo app's downloader extension (`examples/extensions/demo.rs`, built as the binary
//! `bgassets-demo-extension`): found beside the `bgassets` binary, copied beside the demo app's
//! Info.plist (an extension must live in the app's folder), and
//! named there with `BGAssetsDownloaderExtension`. Without a built extension the demo runs
//! without one, and says so.

use std::path::{Path, PathBuf};

/// The extension's file name beside the demo app's Info.plist.
pub const FILE: &str = "demo-extension";

/// Overrides where the built extension is looked for.
pub const ENV: &str = "BGASSETS_DEMO_EXTENSION";

/// Where the built extension may be, for an executable at `exe`: beside it (the `bgassets`
/// binary), or one folder up (a test binary in cargo's `deps/`).
pub fn candidates(exe: &Path) -> Vec<PathBuf> {
    let name = format!("bgassets-demo-extension{}", std::env::consts::EXE_SUFFIX);
    let Some(dir) = exe.parent() else {
        return vec![];
    };
    let mut places = vec![dir.join(&name)];
    if let Some(up) = dir.parent() {
        places.push(up.join(&name));
    }
    places
}

/// The built extension, if there is one.
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(ENV) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let exe = std::env::current_exe().ok()?;
    candidates(&exe).into_iter().find(|p| p.is_file())
}

/// `plist` (the demo app's Info.plist text) naming [`FILE`] as its extension.
pub fn with_key(plist: &str) -> String {
    let key = format!(
        "\t<key>BGAssetsDownloaderExtension</key>\n\t<string>{FILE}</string>\n</dict>\n</plist>"
    );
    match plist.rfind("</dict>") {
        Some(end) => format!("{}{key}\n", &plist[..end]),
        None => plist.to_string(),
    }
}

/// Copies the built extension `from` into `app_dir` (executable), replacing an earlier copy.
pub fn install(from: &Path, app_dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(app_dir)?;
    let to = app_dir.join(FILE);
    let partial = crate::store::atomic::partial_path(&to);
    std::fs::copy(from, &partial)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&partial, &to)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_goes_inside_the_top_dictionary() {
        let plist = super::super::site::INFO_PLIST;
        let with = with_key(plist);
        let app = crate::model::App::parse("demo", with.as_bytes()).unwrap();
        assert_eq!(app.bundle_id.as_str(), "org.bgassets.demo.starfield");
        assert!(with.contains("<string>demo-extension</string>\n</dict>\n</plist>"));
    }

    #[test]
    fn cargo_s_target_folders_are_searched() {
        let places = candidates(Path::new("/t/target/debug/deps/integration-1"));
        assert!(places.contains(&PathBuf::from("/t/target/debug/bgassets-demo-extension")));
        let places = candidates(Path::new("/t/target/release/bgassets"));
        assert!(places.contains(&PathBuf::from("/t/target/release/bgassets-demo-extension")));
    }
}
