//! Pack manifests (`bgassets::model::PackManifest::parse`): Apple's `ba-package template` shape
//! with comments and trailing commas, download policies, file selectors, pack ids, bgassets'
//! optional fields, the template round trip, and malformed manifests with their error text
//! checked. Server manifests are in `model_server_manifest.rs`.

use bgassets::model::pack_manifest::{FileSelector, template};
use bgassets::model::{
    DownloadPolicy, InputError, InstallationEvent, InstallationEvents, PackId, PackKind,
    PackManifest,
};

use crate::support::model::{
    assert_field_error, assert_no_panic, assert_syntax_error, fixture_path, fixture_text, garbage,
};

fn parse_fixture(name: &str) -> PackManifest {
    let relative = format!("manifests/{name}");
    PackManifest::parse(&fixture_path(&relative), &fixture_text(&relative))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A pack manifest from its id, policy JSON and selectors JSON, with `extra` (`, "key": value`
/// pairs) appended after the selectors.
fn manifest(id: &str, policy: &str, selectors: &str, extra: &str) -> String {
    format!(
        r#"{{
  "assetPackID": "{id}",
  "downloadPolicy": {policy},
  "fileSelectors": [{selectors}]{extra}
}}"#
    )
}

const ON_DEMAND: &str = r#"{ "onDemand": {} }"#;
const ONE_FILE: &str = r#"{ "file": "a.bin" }"#;

fn parse(text: &str) -> Result<PackManifest, InputError> {
    PackManifest::parse("pack.json", text)
}

#[test]
fn ba_package_template_with_comments_and_trailing_commas_parses() {
    let pack = parse_fixture("ba-package-template.json");
    assert_eq!(pack.id.as_str(), "Tutorial");
    assert_eq!(
        pack.policy,
        DownloadPolicy::Essential(InstallationEvents::ALL)
    );
    assert!(pack.policy.is_essential());
    assert_eq!(
        pack.selectors,
        [
            FileSelector::File("Videos/Intro.mp4".into()),
            FileSelector::Directory("Levels/1".into()),
        ]
    );
    assert_eq!(pack.platforms, ["macOS", "iOS"]);
    assert_eq!(pack.version, 1, "version defaults to 1");
    assert_eq!((pack.name, pack.kind, pack.user_info), (None, None, None));
    assert!(pack.languages.is_empty() && pack.localization_group.is_none());
}

#[test]
fn empty_platforms_and_a_directory_with_a_trailing_slash_are_accepted() {
    let pack = parse_fixture("prefetch-my-pack.json");
    assert_eq!(pack.id.as_str(), "my_pack");
    assert!(pack.platforms.is_empty(), "empty means every platform");
    assert_eq!(
        pack.selectors[0],
        FileSelector::Directory("Levels/2".into())
    );
    assert_eq!(pack.selectors[0].path(), "Levels/2");
    assert_eq!(pack.selectors[1], FileSelector::File("levels.index".into()));
    let events = InstallationEvents {
        first_installation: false,
        subsequent_update: true,
    };
    assert_eq!(pack.policy, DownloadPolicy::Prefetch(events));
    assert!(
        pack.policy
            .downloads_at(InstallationEvent::SubsequentUpdate)
    );
    assert!(
        !pack
            .policy
            .downloads_at(InstallationEvent::FirstInstallation)
    );
    assert_eq!(pack.policy.name(), "prefetch");
}

#[test]
fn slashed_id_on_demand_and_unknown_fields_are_accepted() {
    let pack = parse_fixture("on-demand-onnx.json");
    assert_eq!(pack.id.as_str(), "onnx/x.onnx");
    assert_eq!(pack.id.folder_name(), "onnx%2Fx.onnx");
    assert_eq!(pack.policy, DownloadPolicy::OnDemand);
    assert_eq!(pack.policy.name(), "onDemand");
    for event in [
        InstallationEvent::FirstInstallation,
        InstallationEvent::SubsequentUpdate,
    ] {
        assert!(!pack.policy.downloads_at(event));
    }
}

#[test]
fn bgassets_optional_fields_are_read() {
    let pack = parse_fixture("localized-variant.json");
    assert_eq!(pack.version, 3);
    assert_eq!(pack.name.as_deref(), Some("French voices"));
    assert_eq!(pack.kind, Some(PackKind::Audio));
    assert_eq!(pack.languages, ["fr", "fr-CA"]);
    assert_eq!(pack.localization_group.as_deref(), Some("voices"));
    let info = pack.user_info.expect("userInfo");
    assert_eq!(info["narrator"], "Camille");
    assert_eq!(info["minutes"], 42);
    assert_eq!(info["tags"][1], "dialogue");
}

#[test]
fn every_kind_name_is_accepted_in_a_pack_manifest() {
    for kind in PackKind::ALL {
        let text = manifest(
            "k",
            ON_DEMAND,
            ONE_FILE,
            &format!(r#", "kind": "{}""#, kind.name()),
        );
        assert_eq!(parse(&text).unwrap().kind, Some(kind));
    }
}

#[test]
fn to_json_parses_back_to_the_same_manifest() {
    for name in [
        "ba-package-template.json",
        "prefetch-my-pack.json",
        "on-demand-onnx.json",
        "localized-variant.json",
    ] {
        let pack = parse_fixture(name);
        let again = PackManifest::parse("again.json", &pack.to_json()).unwrap();
        assert_eq!(again, pack, "{name}");
    }
}

#[test]
fn template_output_parses_back_for_ids_seen_in_the_wild() {
    for id in ["Tutorial", "my_pack", "onnx/x.onnx"] {
        let id = PackId::parse(id).unwrap();
        let text = template(&id);
        assert!(
            text.contains("//"),
            "the template explains itself in comments"
        );
        let pack = PackManifest::parse("template.json", &text).unwrap();
        assert_eq!(pack.id, id);
        assert_eq!(
            pack.policy,
            DownloadPolicy::Prefetch(InstallationEvents::ALL)
        );
        assert_eq!(pack.version, 1);
        assert_eq!(pack.name.as_deref(), Some(id.as_str()));
        assert_eq!(pack.selectors.len(), 2);
    }
}

#[test]
fn pack_ids_may_hold_letters_digits_dots_underscores_dashes_and_slashes() {
    for id in [
        "Tutorial",
        "my_pack",
        "onnx/x.onnx",
        "Level-2.hd",
        "a/b/c",
        &"x".repeat(128),
    ] {
        let text = manifest(id, ON_DEMAND, ONE_FILE, "");
        assert_eq!(parse(&text).unwrap().id.as_str(), id);
    }
}

#[test]
fn unsafe_or_oversized_pack_ids_are_refused_naming_the_rule() {
    let long = "x".repeat(129);
    let cases: [(&str, &[&str]); 8] = [
        ("../x", &["`../x`", "starting with `.`"]),
        ("levels./a", &["ending with `.`", "Windows drops"]),
        (
            "a b",
            &["`a b`", "contains ' '", "only ASCII letters, digits"],
        ),
        (&long, &["129 characters", "at most 128"]),
        ("", &["may not be empty"]),
        ("a//b", &["empty segment"]),
        ("CON", &["reserves for a device"]),
        ("packs\\x", &["contains '\\\\'"]),
    ];
    for (id, words) in cases {
        let text = manifest(&id.replace('\\', "\\\\"), ON_DEMAND, ONE_FILE, "");
        assert_field_error(parse(&text), "pack.json", "assetPackID", words);
    }
}

#[test]
fn policy_errors_name_download_policy_and_the_problem() {
    let prefetch_events =
        |events: &str| format!(r#"{{ "prefetch": {{ "installationEventTypes": {events} }} }}"#);
    let cases: [(String, &str, &[&str]); 5] = [
        (
            r#"{ "prefetch": {} }"#.into(),
            "downloadPolicy",
            &["`prefetch` needs `installationEventTypes`"],
        ),
        (prefetch_events("[]"), "downloadPolicy", &["`installationEventTypes` is empty", "onDemand"]),
        (
            r#"{ "onDemand": {}, "essential": { "installationEventTypes": ["firstInstallation"] } }"#
                .into(),
            "downloadPolicy",
            &["exactly one of", "found several"],
        ),
        ("{}".into(), "downloadPolicy", &["exactly one of", "found none"]),
        (
            prefetch_events(r#"["firstInstallation", "atLaunch"]"#),
            "downloadPolicy.prefetch.installationEventTypes[1]",
            &["unknown variant `atLaunch`", "firstInstallation", "subsequentUpdate"],
        ),
    ];
    for (policy, field, words) in cases {
        let text = manifest("p", &policy, ONE_FILE, "");
        assert_field_error(parse(&text), "pack.json", field, words);
    }
}

#[test]
fn selectors_that_escape_the_root_or_are_ambiguous_are_refused() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            r#"{ "file": "a.bin" }, { "file": "b.bin", "directory": "b" }"#,
            "fileSelectors[1]",
            &["has both `file` and `directory`"],
        ),
        (
            r#"{ "file": "../etc/passwd" }"#,
            "fileSelectors[0]",
            &["`../etc/passwd`", "contains `..`"],
        ),
        (
            r#"{ "directory": "/etc" }"#,
            "fileSelectors[0]",
            &["`/etc` is absolute"],
        ),
        (
            r#"{ "file": "C:/Windows/x.dll" }"#,
            "fileSelectors[0]",
            &["drive letter"],
        ),
        (
            r#"{ "directory": "Levels\\1" }"#,
            "fileSelectors[0]",
            &["contains `\\`"],
        ),
        (
            r#"{ "name": "x" }"#,
            "fileSelectors[0]",
            &["needs `file` or `directory`"],
        ),
    ];
    for (selectors, field, words) in cases {
        let text = manifest("s", ON_DEMAND, selectors, "");
        assert_field_error(parse(&text), "pack.json", field, words);
    }
    assert_field_error(
        parse(&manifest("s", ON_DEMAND, "", "")),
        "pack.json",
        "fileSelectors",
        &["is empty", "at least one"],
    );
}

#[test]
fn optional_field_errors_name_the_field() {
    let cases: [(&str, &str, &[&str]); 8] = [
        (r#", "version": 0"#, "version", &["must be 1 or more"]),
        (
            r#", "version": "2""#,
            "version",
            &["invalid type: string \"2\"", "u64"],
        ),
        (
            r#", "version": -1"#,
            "version",
            &["invalid value: integer `-1`"],
        ),
        (
            r#", "kind": "hologram""#,
            "kind",
            &["unknown kind `hologram`", "audio", "data"],
        ),
        (
            r#", "localizationGroup": "voices""#,
            "languages",
            &["is empty", "variant of `voices`", "list its languages"],
        ),
        (
            r#", "languages": ["en", "english!"]"#,
            "languages[1]",
            &["`english!` is not a language tag", "fr-CA"],
        ),
        (
            r#", "platforms": ["macOS", " "]"#,
            "platforms[1]",
            &["is empty"],
        ),
        (
            r#", "platforms": "macOS""#,
            "platforms",
            &["invalid type: string", "expected a sequence"],
        ),
    ];
    for (extra, field, words) in cases {
        let text = manifest("o", ON_DEMAND, ONE_FILE, extra);
        assert_field_error(parse(&text), "pack.json", field, words);
    }
}

#[test]
fn syntax_errors_give_the_line_and_missing_fields_their_name() {
    let text = "{\n  // Apple's comment\n  \"assetPackID\" \"Tutorial\",\n}";
    assert_syntax_error(parse(text), "pack.json", &["not valid JSON", "line 3"]);
    assert_field_error(
        parse(r#"{ "assetPackID": "x", "downloadPolicy": { "onDemand": {} } }"#),
        "pack.json",
        "fileSelectors",
        &["is missing"],
    );
    assert_syntax_error(
        parse(r#""Tutorial""#),
        "pack.json",
        &["expected a JSON object, found a string"],
    );
    // serde would read a struct from an array; the parser refuses the wrong type by name.
    assert_syntax_error(
        parse(r#"["Tutorial", {"onDemand": {}}, [{"file": "a"}]]"#),
        "pack.json",
        &["expected a JSON object, found an array"],
    );
    assert_field_error(
        parse(
            r#"{"assetPackID": "x", "downloadPolicy": {"onDemand": {}}, "fileSelectors": [["a"]]}"#,
        ),
        "pack.json",
        "fileSelectors[0]",
        &["expected an object, found an array"],
    );
    assert_syntax_error(parse(""), "pack.json", &["not valid JSON", "EOF"]);
    assert_syntax_error(
        parse(&format!("{} {{}}", manifest("x", ON_DEMAND, ONE_FILE, ""))),
        "pack.json",
        &["not valid JSON", "trailing characters"],
    );
}

#[test]
fn a_truncated_pack_manifest_is_refused_at_every_length() {
    let path = fixture_path("manifests/ba-package-template.json");
    let text = fixture_text("manifests/ba-package-template.json");
    let end = text.trim_end().len();
    for len in (0..end).filter(|&len| text.is_char_boundary(len)) {
        let result = PackManifest::parse(&path, &text[..len]);
        assert!(result.is_err(), "accepted a truncation at {len}");
        assert_eq!(result.unwrap_err().input(), path);
    }
}

#[test]
fn garbage_pack_manifests_never_panic() {
    let parse_bytes =
        |bytes: &[u8]| PackManifest::parse("fuzz.json", &String::from_utf8_lossy(bytes));
    for (i, bytes) in garbage(0xBA_C4A6E, 300).iter().enumerate() {
        assert_no_panic(&format!("garbage {i}"), bytes, parse_bytes);
    }
    let jsonish = [
        "{",
        "}",
        "/*",
        "//",
        "\"",
        "\\",
        ",",
        ",]",
        "[,]",
        "{,}",
        "/* */,",
        "\"\\",
        "{\"a\":/*",
    ];
    for piece in jsonish {
        assert_no_panic(piece, piece.as_bytes(), parse_bytes);
    }
}
