//! `BGAssetsDownloaderExtension`'s file: what resolving refuses (absolute, `..`, a symlink out
//! of the Info.plist's folder, no executable bit, missing, a folder), and the check again when
//! the extension is called; a file the system refuses to run (a truncated ELF) is `spawnFailed`.

use std::os::unix::fs::PermissionsExt;

use bgassets::extension::{ExtensionErrorKind, ProcessExtension};

use super::{App, LIMIT, script, should_download};

#[test]
fn resolve_refuses_what_is_not_an_executable_inside_the_folder() {
    let app = App::new();
    let folder = app.folder();
    script(&folder, "MacOS/good", "echo '{}'");
    let outside = script(app.root.path(), "outside.sh", "echo '{}'");
    std::os::unix::fs::symlink(&outside, folder.join("MacOS/escape")).unwrap();
    std::os::unix::fs::symlink(folder.join("MacOS/good"), folder.join("inside-link")).unwrap();
    let plain = folder.join("MacOS/plain");
    std::fs::write(&plain, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();

    ProcessExtension::resolve(&folder, "MacOS/good").unwrap();
    ProcessExtension::resolve(&folder, "inside-link").unwrap();
    let cases: [(&str, ExtensionErrorKind, &str); 6] = [
        ("/bin/sh", ExtensionErrorKind::NotExecutable, "is absolute"),
        (
            "../../outside.sh",
            ExtensionErrorKind::NotExecutable,
            "contains `..`",
        ),
        (
            "MacOS/escape",
            ExtensionErrorKind::NotExecutable,
            "outside the folder",
        ),
        (
            "MacOS/plain",
            ExtensionErrorKind::NotExecutable,
            "no executable bit",
        ),
        ("MacOS/missing", ExtensionErrorKind::NotFound, "no file at"),
        (
            "MacOS",
            ExtensionErrorKind::NotExecutable,
            "not a regular file",
        ),
    ];
    for (path, kind, words) in cases {
        let problem = ProcessExtension::resolve(&folder, path).unwrap_err();
        assert_eq!(problem.kind(), kind, "{path}: {problem}");
        assert!(problem.to_string().contains(words), "{path}: {problem}");
    }
}

#[tokio::test]
async fn an_extension_removed_since_registration_is_not_found_when_called() {
    let app = App::new();
    let extension = app.extension("gone", "echo '{}'");
    std::fs::remove_file(app.folder().join("MacOS/gone")).unwrap();
    let error = app
        .call(&extension, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::NotFound, "{error}");
}

#[tokio::test]
async fn a_file_the_system_cannot_run_is_spawn_failed() {
    let app = App::new();
    let path = app.folder().join("MacOS/notes");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, [0x7f, b'E', b'L', b'F', 0, 0, 0, 0]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let extension = ProcessExtension::resolve(&app.folder(), "MacOS/notes").unwrap();
    let error = app
        .call(&extension, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::SpawnFailed, "{error}");
    assert!(error.to_string().contains("cannot start"), "{error}");
}
