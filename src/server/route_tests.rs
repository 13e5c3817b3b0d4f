//! Tests of routing a request path: plain paths, the exact control endpoint, escapes and odd
//! bytes refused by name, reserved names.

use super::*;

fn file(path: &str) -> Route {
    Route::File(FilePath(PathBuf::from(path)))
}

#[test]
fn plain_paths_are_files_with_dots_and_empty_segments_collapsed() {
    assert_eq!(route("/packs/a%20b.zip"), Ok(file("packs/a b.zip")));
    assert_eq!(route("//manifest.json"), Ok(file("manifest.json")));
    assert_eq!(route("/./packs//./a.zip"), Ok(file("packs/a.zip")));
    assert_eq!(route("/"), Ok(file("")));
    assert!(matches!(route("/"), Ok(Route::File(path)) if path.is_root()));
}

#[test]
fn only_the_exact_spelling_reaches_the_control_endpoint() {
    assert_eq!(
        route("/_bgassets/faults"),
        Ok(Route::Control("faults".into()))
    );
    assert_eq!(
        route("/_bgassets/faults/"),
        Ok(Route::Control("faults".into()))
    );
    assert_eq!(route("/_bgassets"), Ok(Route::Control(String::new())));
    assert_eq!(route("/_bgassets/a/b"), Ok(Route::Control("a/b".into())));
    for path in [
        "/%5Fbgassets/faults",
        "/%5fbgassets/faults",
        "/_bgassets%2Ffaults",
        "//_bgassets/faults",
        "/./_bgassets/faults",
        "/_bgassets/./faults",
        "/_bgassets//faults",
        "/_bgassets/faults//",
        "/_BGASSETS/faults",
        "/_bgassets./faults",
        "/_bgassets%20/faults",
        "/_bgaſſets/faults",
        "/_bgassets-old.zip",
        "/packs/_bgassets/x",
        "/%5Fbgassets",
    ] {
        assert_eq!(route(path), Err(Refusal::Reserved), "{path}");
    }
}

#[test]
fn escapes_and_odd_bytes_are_refused_by_name() {
    for (path, name) in [
        ("/../etc/passwd", "dot-dot"),
        ("/packs/../../x", "dot-dot"),
        ("/x/../_bgassets/faults", "dot-dot"),
        ("/%2e%2e/x", "dot-dot"),
        ("/%2E%2E%2Fx", "dot-dot"),
        ("/..%5cx", "backslash"),
        ("/a\\b", "backslash"),
        ("/_bgassets\\faults", "backslash"),
        ("/a%00b", "nul"),
        ("/a%01b", "control-character"),
        ("/a%7f", "control-character"),
        ("/a%0a", "control-character"),
        ("/%zz", "malformed-percent"),
        ("/%4", "malformed-percent"),
        ("*", "not-absolute"),
        ("relative", "not-absolute"),
    ] {
        let refusal = route(path).expect_err(path);
        assert_eq!(refusal.name(), name, "{path}");
        assert_eq!(refusal.status(), StatusCode::BAD_REQUEST, "{path}");
    }
}

#[test]
fn reserved_names_are_found_in_resolved_paths() {
    assert!(has_reserved_component(Path::new("_bgassets/faults")));
    assert!(has_reserved_component(Path::new("packs/_BGAssets.zip")));
    assert!(!has_reserved_component(Path::new("packs/bgassets.zip")));
    assert!(!has_reserved_component(Path::new("packs/x_bgassets")));
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_plain_bytes_on_unix() {
    assert!(matches!(route("/%ff%fe.bin"), Ok(Route::File(_))));
}
