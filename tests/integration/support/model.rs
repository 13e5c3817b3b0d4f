//! Helpers shared by the `model_*` integration tests: fixture loading, error-text assertions, a
//! no-panic harness for garbage input, and Info.plists written inline.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use bgassets::model::{App, InputError};

/// The path of a fixture under `tests/data/`, as the name errors should carry.
pub fn fixture_path(relative: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", relative]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

/// The bytes of a fixture under `tests/data/`.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    let path = fixture_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"))
}

/// The text of a fixture under `tests/data/`.
pub fn fixture_text(relative: &str) -> String {
    String::from_utf8(fixture_bytes(relative)).expect("fixture is UTF-8")
}

/// Asserts `result` is a field error about `field` of `input` whose text holds every word.
pub fn assert_field_error<T: std::fmt::Debug>(
    result: Result<T, InputError>,
    input: &str,
    field: &str,
    words: &[&str],
) {
    let error = result.expect_err("expected a field error");
    let text = error.to_string();
    match &error {
        InputError::Field {
            input: got_input,
            field: got_field,
            ..
        } => {
            assert_eq!(got_input, input, "wrong input in: {text}");
            assert_eq!(got_field, field, "wrong field in: {text}");
        }
        InputError::Syntax { .. } => panic!("expected a field error on `{field}`, got: {text}"),
    }
    assert!(
        text.starts_with(&format!("{input}: field `{field}`: ")),
        "{text}"
    );
    assert_words(&text, words);
}

/// Asserts `result` is a syntax error about `input` whose text holds every word.
pub fn assert_syntax_error<T: std::fmt::Debug>(
    result: Result<T, InputError>,
    input: &str,
    words: &[&str],
) {
    let error = result.expect_err("expected a syntax error");
    let text = error.to_string();
    assert!(
        matches!(error, InputError::Syntax { .. }),
        "expected a syntax error, got: {text}"
    );
    assert_eq!(error.input(), input, "wrong input in: {text}");
    assert!(text.starts_with(&format!("{input}: ")), "{text}");
    assert_words(&text, words);
}

fn assert_words(text: &str, words: &[&str]) {
    for word in words {
        assert!(text.contains(word), "`{word}` missing from: {text}");
    }
}

/// Runs `parse` on `input`, failing with the input's bytes if it panics. Errors are fine.
pub fn assert_no_panic<T>(label: &str, input: &[u8], parse: impl Fn(&[u8]) -> T) {
    if catch_unwind(AssertUnwindSafe(|| parse(input))).is_err() {
        panic!("{label}: parsing panicked on {input:?}");
    }
}

/// Deterministic garbage: `count` byte strings of 0 to 300 bytes from a fixed seed.
pub fn garbage(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count)
        .map(|_| {
            let len = rng.usize(0..300);
            (0..len).map(|_| rng.u8(..)).collect()
        })
        .collect()
}

/// An XML Info.plist holding `entries` (`<key>…</key><value/>` pairs).
pub fn xml_plist(entries: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
{entries}
</dict>
</plist>
"#
    )
    .into_bytes()
}

/// The keys every valid Info.plist needs.
const REQUIRED: &str = "<key>CFBundleIdentifier</key><string>com.example.app</string>
<key>CFBundleVersion</key><string>1</string>
<key>BAManifestURL</key><string>https://assets.example.com/manifest.json</string>";

/// Parses `REQUIRED` plus `extra` as `Info.plist`.
pub fn parse_with(extra: &str) -> Result<App, InputError> {
    App::parse("Info.plist", &xml_plist(&format!("{REQUIRED}\n{extra}")))
}
