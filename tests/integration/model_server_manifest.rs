//! Server manifests (`bgassets::model::ServerManifest::parse`): every field read and round-tripped
//! through `to_json`, unknown fields and kinds tolerated, pack URLs resolved against the manifest
//! URL, and malformed manifests refused with the pack, field and problem named.

use bgassets::model::{
    DownloadPolicy, InputError, InstallationEvents, ManifestPack, PackId, PackKind, ServerManifest,
    Sha256Digest,
};
use url::Url;

use crate::support::model::{
    assert_field_error, assert_no_panic, assert_syntax_error, fixture_path, fixture_text, garbage,
};

const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn parse_fixture(name: &str) -> ServerManifest {
    let relative = format!("manifests/{name}");
    ServerManifest::parse(&fixture_path(&relative), &fixture_text(&relative))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One valid pack as JSON, `extra` (`, "key": value` pairs) appended; later keys are refused by
/// serde as duplicates, so callers change a field by replacing its text in the result.
fn pack_json(id: &str, extra: &str) -> String {
    format!(
        r#"{{ "assetPackID": "{id}", "version": 1, "downloadPolicy": {{ "onDemand": {{}} }},
   "url": "{id}.zip", "downloadSize": 10, "installSize": 20, "sha256": "{EMPTY_SHA}"{extra} }}"#
    )
}

/// A manifest listing `packs` (JSON objects).
fn manifest_json(packs: &[String]) -> String {
    format!(
        r#"{{ "formatVersion": 1, "assetPacks": [{}] }}"#,
        packs.join(",\n")
    )
}

fn parse(text: &str) -> Result<ServerManifest, InputError> {
    ServerManifest::parse("https://assets.example.com/manifest.json", text)
}

/// A pack with every optional field set.
fn full_pack() -> ManifestPack {
    ManifestPack {
        id: PackId::parse("onnx/x.onnx").unwrap(),
        version: 7,
        download_policy: DownloadPolicy::Essential(InstallationEvents {
            first_installation: true,
            subsequent_update: false,
        }),
        url: "https://cdn.example.net/x.onnx.zip?sig=abc".into(),
        mirrors: vec![
            "https://mirror.example.org/x.onnx.zip".into(),
            "../backup/x.onnx.zip".into(),
        ],
        download_size: u64::MAX,
        install_size: 0,
        sha256: Sha256Digest::of(b"pack"),
        name: Some("Model X".into()),
        kind: PackKind::Models,
        platforms: vec!["macOS".into(), "linux".into()],
        languages: vec!["zh-Hans".into()],
        localization_group: Some("model".into()),
        user_info: Some(serde_json::json!({ "layers": 12, "nested": { "ok": true } })),
        files: None,
    }
}

#[test]
fn every_field_of_the_fixture_is_read() {
    let manifest = parse_fixture("server-full.json");
    assert_eq!(manifest.format_version, 1);
    assert_eq!(manifest.asset_packs.len(), 3);

    let tutorial = manifest.pack("Tutorial").unwrap();
    assert_eq!(tutorial.version, 2);
    assert_eq!(
        tutorial.download_policy,
        DownloadPolicy::Essential(InstallationEvents::ALL)
    );
    assert_eq!(tutorial.url, "packs/Tutorial.zip");
    assert_eq!(
        (tutorial.download_size, tutorial.install_size),
        (1_048_576, 2_097_152)
    );
    // Upper-case hex is accepted and printed in lower case.
    assert_eq!(
        tutorial.sha256.to_hex(),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(tutorial.name.as_deref(), Some("Tutorial"));
    assert_eq!(tutorial.kind, PackKind::Video);
    assert_eq!(tutorial.platforms, ["macOS", "iOS"]);

    let model = manifest.pack("onnx/x.onnx").unwrap();
    assert_eq!(model.download_policy, DownloadPolicy::OnDemand);
    assert_eq!(
        (model.name.as_ref(), model.user_info.as_ref()),
        (None, None)
    );
    assert!(model.platforms.is_empty() && model.languages.is_empty());

    let voices = manifest.pack("voices-fr").unwrap();
    assert_eq!(voices.download_policy.name(), "prefetch");
    assert_eq!(voices.languages, ["fr", "fr-CA"]);
    assert_eq!(voices.localization_group.as_deref(), Some("voices"));
    assert_eq!(voices.user_info.as_ref().unwrap()["chapters"][2], 3);

    assert!(manifest.pack("tutorial").is_none(), "lookup is by exact id");
}

#[test]
fn an_unknown_kind_reads_as_data_and_a_missing_one_too() {
    let manifest = parse_fixture("server-full.json");
    assert_eq!(
        manifest.pack("onnx/x.onnx").unwrap().kind,
        PackKind::Data,
        "\"hologram\""
    );
    let plain = parse(&manifest_json(&[pack_json("a", "")])).unwrap();
    assert_eq!(plain.asset_packs[0].kind, PackKind::Data);
}

#[test]
fn unknown_fields_are_tolerated_at_the_top_and_per_pack() {
    let pack = pack_json(
        "a",
        r#", "mirror": ["x"], "signature": { "alg": "ed25519" }"#,
    );
    let text = format!(
        r#"{{ "formatVersion": 1, "publishedAt": "2025-01-01", "assetPacks": [{pack}], "z": null }}"#
    );
    assert_eq!(parse(&text).unwrap().asset_packs[0].id.as_str(), "a");
}

#[test]
fn an_empty_manifest_is_valid() {
    assert!(parse_fixture("server-empty.json").asset_packs.is_empty());
}

#[test]
fn every_field_round_trips_through_to_json() {
    let fixture = parse_fixture("server-full.json");
    let built = ServerManifest::new(vec![full_pack()]);
    assert_eq!(built.format_version, 1);
    for manifest in [fixture, built] {
        let text = manifest.to_json();
        assert!(text.ends_with('\n'));
        assert_eq!(parse(&text).unwrap(), manifest);
    }
}

#[test]
fn to_json_uses_apple_and_camel_case_names_and_omits_empty_options() {
    let text = ServerManifest::new(vec![full_pack()]).to_json();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pack = &json["assetPacks"][0];
    for key in [
        "assetPackID",
        "version",
        "downloadPolicy",
        "url",
        "mirrors",
        "downloadSize",
        "installSize",
        "sha256",
        "name",
        "kind",
        "platforms",
        "languages",
        "localizationGroup",
        "userInfo",
    ] {
        assert!(pack.get(key).is_some(), "{key} missing from {pack}");
    }
    assert_eq!(json["formatVersion"], 1);
    assert_eq!(pack["sha256"], Sha256Digest::of(b"pack").to_hex());
    assert_eq!(pack["kind"], "models");
    assert_eq!(
        pack["downloadPolicy"]["essential"]["installationEventTypes"][0],
        "firstInstallation"
    );

    let bare = serde_json::to_value(parse(&manifest_json(&[pack_json("b", "")])).unwrap()).unwrap();
    let bare = bare["assetPacks"][0].as_object().unwrap();
    for key in [
        "mirrors",
        "name",
        "platforms",
        "languages",
        "localizationGroup",
        "userInfo",
    ] {
        assert!(!bare.contains_key(key), "empty `{key}` written");
    }
}

#[test]
fn pack_urls_resolve_against_the_manifest_url() {
    let manifest = parse_fixture("server-full.json");
    let base = Url::parse("https://assets.example.com/puzzler/manifest.json?v=3").unwrap();
    for (id, expected) in [
        (
            "Tutorial",
            "https://assets.example.com/puzzler/packs/Tutorial.zip",
        ),
        (
            "voices-fr",
            "https://assets.example.com/shared/voices-fr.zip",
        ),
        ("onnx/x.onnx", "https://cdn.example.net/models/x.onnx"),
    ] {
        let url = manifest.pack(id).unwrap().resolve_url(&base).unwrap();
        assert_eq!(url.as_str(), expected, "{id}");
    }

    let mut pack = full_pack();
    for (url, expected) in [
        (
            "//mirror.example.org/p.zip",
            "https://mirror.example.org/p.zip",
        ),
        ("/root.zip", "https://assets.example.com/root.zip"),
        ("Tutorial", "https://assets.example.com/puzzler/Tutorial"),
        ("http://127.0.0.1:8080/p.zip", "http://127.0.0.1:8080/p.zip"),
    ] {
        pack.url = url.into();
        assert_eq!(pack.resolve_url(&base).unwrap().as_str(), expected, "{url}");
    }
    // Mirrors resolve the same way, a presigned query kept as it is.
    pack.mirrors = vec![
        "//mirror.example.org/p.zip".into(),
        "../backup/p.zip?X-Amz-Expires=60&X-Amz-Signature=ab".into(),
    ];
    let mirrors: Vec<String> = pack
        .resolve_mirrors(&base)
        .unwrap()
        .iter()
        .map(Url::to_string)
        .collect();
    assert_eq!(
        mirrors,
        [
            "https://mirror.example.org/p.zip",
            "https://assets.example.com/backup/p.zip?X-Amz-Expires=60&X-Amz-Signature=ab"
        ]
    );
}

#[test]
fn malformed_packs_are_refused_naming_the_pack_field_and_problem() {
    let ok = pack_json("ok", "");
    let with = |from: &str, to: &str| pack_json("a", "").replace(from, to);
    let short_sha = &EMPTY_SHA[1..];
    let cases: [(String, &str, &[&str]); 18] = [
        (
            pack_json(
                "a",
                r#", "mirrors": ["https://m.example.org/a.zip", "ftp://m/a.zip"]"#,
            ),
            "mirrors[1]",
            &["uses `ftp:`"],
        ),
        (
            pack_json("a", r#", "mirrors": ["a.zip"]"#),
            "mirrors[0]",
            &["`a.zip` is listed twice"],
        ),
        (
            pack_json("a", r#", "mirrors": ["//m/a.zip", "//m/a.zip"]"#),
            "mirrors[1]",
            &["is listed twice"],
        ),
        (
            pack_json(
                "a",
                &format!(r#", "mirrors": [{}]"#, vec![r#""//m/a.zip""#; 17].join(",")),
            ),
            "mirrors",
            &["lists 17 URLs", "at most 16"],
        ),
        (
            with(r#""a.zip""#, r#""ftp://files.example.com/a.zip""#),
            "url",
            &["uses `ftp:`", "http(s) or relative"],
        ),
        (
            with(r#""a.zip""#, r#""file:///etc/passwd""#),
            "url",
            &["uses `file:`"],
        ),
        (with(r#""a.zip""#, r#""  ""#), "url", &["is empty"]),
        (
            with(r#""a.zip""#, r#""http://[::1""#),
            "url",
            &["not a valid URL"],
        ),
        (
            with(EMPTY_SHA, short_sha),
            "sha256",
            &["is not a SHA-256", "expected 64 hex characters, found 63"],
        ),
        (
            with(EMPTY_SHA, &"zz".repeat(32)),
            "sha256",
            &["`zz` is not a hex byte"],
        ),
        (
            with("\"downloadSize\": 10", "\"downloadSize\": \"12\""),
            "downloadSize",
            &["invalid type: string \"12\"", "expected u64"],
        ),
        (
            with("\"downloadSize\": 10", "\"downloadSize\": 0"),
            "downloadSize",
            &["must be more than 0"],
        ),
        (
            with("\"installSize\": 20", "\"installSize\": -20"),
            "installSize",
            &["invalid value: integer `-20`"],
        ),
        (
            with("\"version\": 1", "\"version\": 0"),
            "version",
            &["must be 1 or more"],
        ),
        (
            with("\"version\": 1", "\"version\": 1.5"),
            "version",
            &["invalid type: floating point"],
        ),
        (
            pack_json("a", r#", "localizationGroup": "voices""#),
            "languages",
            &["is empty", "variant of `voices`"],
        ),
        (
            pack_json("a", r#", "languages": ["fr", "fr CA"]"#),
            "languages[1]",
            &["`fr CA` is not a language tag"],
        ),
        (
            pack_json("../a", ""),
            "assetPackID",
            &["`../a`", "starting with `.`"],
        ),
    ];
    for (bad, field, words) in cases {
        // The bad pack is second, so the index in the path is checked too.
        let text = manifest_json(&[ok.clone(), bad]);
        assert_field_error(
            parse(&text),
            "https://assets.example.com/manifest.json",
            &format!("assetPacks[1].{field}"),
            words,
        );
    }
}

#[test]
fn duplicate_ids_are_refused_even_when_they_differ_only_by_case() {
    for (first, second) in [
        ("Tutorial", "Tutorial"),
        ("Tutorial", "tutorial"),
        ("a/B", "A/b"),
    ] {
        let text = manifest_json(&[
            pack_json(first, ""),
            pack_json("other", ""),
            pack_json(second, ""),
        ]);
        assert_field_error(
            parse(&text),
            "https://assets.example.com/manifest.json",
            "assetPacks[2].assetPackID",
            &[
                &format!("`{second}` is listed twice"),
                "assetPacks[0]",
                "ignoring case",
            ],
        );
    }
}

#[test]
fn malformed_documents_are_refused_naming_the_field_or_line() {
    let input = "manifest.json";
    let v1 = |packs: &str| format!(r#"{{ "formatVersion": 1, "assetPacks": {packs} }}"#);
    assert_field_error(
        ServerManifest::parse(input, r#"{ "formatVersion": 2, "assetPacks": [] }"#),
        input,
        "formatVersion",
        &["is 2", "reads format 1"],
    );
    assert_field_error(
        ServerManifest::parse(input, &v1(r#"{ "Tutorial": {} }"#)),
        input,
        "assetPacks",
        &["invalid type: map", "expected a sequence"],
    );
    let missing_sha = pack_json("a", "").replace(&format!(r#", "sha256": "{EMPTY_SHA}""#), "");
    assert_field_error(
        ServerManifest::parse(input, &v1(&format!("[{missing_sha}]"))),
        input,
        "assetPacks[0].sha256",
        &["is missing"],
    );
    assert_field_error(
        ServerManifest::parse(
            input,
            &v1(&format!("[{}]", pack_json("a", r#", "kind": 5"#))),
        ),
        input,
        "assetPacks[0].kind",
        &["invalid type: integer `5`"],
    );
    assert_field_error(
        ServerManifest::parse(input, r#"{ "assetPacks": [] }"#),
        input,
        "formatVersion",
        &["is missing"],
    );
    assert_syntax_error(
        ServerManifest::parse(
            input,
            "{\n  \"formatVersion\": 1,\n  \"assetPacks\": [\n    { \"assetPackID\" 5 }\n  ]\n}",
        ),
        input,
        &["not valid JSON", "line 4"],
    );
    let path = fixture_path("manifests/server-truncated.json");
    assert_syntax_error(
        ServerManifest::parse(&path, &fixture_text("manifests/server-truncated.json")),
        &path,
        &["not valid JSON", "EOF while parsing"],
    );
}

#[test]
fn garbage_and_truncated_server_manifests_never_panic() {
    let parse_bytes =
        |bytes: &[u8]| ServerManifest::parse("fuzz.json", &String::from_utf8_lossy(bytes));
    for (i, bytes) in garbage(0x5E_4BE4, 300).iter().enumerate() {
        assert_no_panic(&format!("garbage {i}"), bytes, parse_bytes);
    }
    let text = fixture_text("manifests/server-full.json");
    let end = text.trim_end().len();
    for len in (0..end).filter(|&len| text.is_char_boundary(len)) {
        assert!(
            parse(&text[..len]).is_err(),
            "accepted a truncation at {len}"
        );
    }
}

#[test]
fn the_format_version_is_read_before_the_shape_of_a_newer_format() {
    let newer = r#"{"formatVersion": 2, "packs": {"Tutorial": {"v": 9}}}"#;
    assert_field_error(
        parse(newer),
        "https://assets.example.com/manifest.json",
        "formatVersion",
        &["is 2", "reads format 1"],
    );
}

#[test]
fn arrays_in_place_of_objects_are_refused_by_name() {
    assert_syntax_error(
        parse(r#"[1, []]"#),
        "https://assets.example.com/manifest.json",
        &["expected a JSON object, found an array"],
    );
    let pack_as_array = r#"{"formatVersion": 1, "assetPacks": [["Tutorial", 1]]}"#;
    assert_field_error(
        parse(pack_as_array),
        "https://assets.example.com/manifest.json",
        "assetPacks[0]",
        &["expected an object, found an array"],
    );
}

#[test]
fn sizes_whose_sum_would_wrap_are_an_invalid_manifest_naming_the_field() {
    // Two packs of 2^63 install bytes each: a wrapped sum is 0 and would pass BAMaxInstallSize.
    let half = 1u64 << 63;
    let big = |id: &str, field: &str| {
        pack_json(id, "").replace(
            &format!(r#""{field}": 20"#),
            &format!(r#""{field}": {half}"#),
        )
    };
    let installs = manifest_json(&[big("a", "installSize"), big("b", "installSize")]);
    assert_field_error(
        parse(&installs),
        "https://assets.example.com/manifest.json",
        "assetPacks[1].installSize",
        &["overflow"],
    );
    let big_download = |id: &str| {
        pack_json(id, "").replace(
            r#""downloadSize": 10"#,
            &format!(r#""downloadSize": {half}"#),
        )
    };
    let downloads = manifest_json(&[big_download("a"), big_download("b")]);
    assert_field_error(
        parse(&downloads),
        "https://assets.example.com/manifest.json",
        "assetPacks[1].downloadSize",
        &["overflow"],
    );
    // One pack of u64::MAX alone is representable, and still parses.
    let alone = pack_json("a", "").replace(
        r#""installSize": 20"#,
        &format!(r#""installSize": {}"#, u64::MAX),
    );
    assert!(parse(&manifest_json(&[alone])).is_ok());
}

#[test]
fn a_refused_mirror_s_password_and_signature_never_show_in_the_error() {
    for mirrors in [
        r#", "mirrors": ["https://u:hunter2@m.example.org/a.zip?sig=5ec7e7", "https://u:hunter2@m.example.org/a.zip?sig=5ec7e7"]"#,
        r#", "mirrors": ["ftp://u:hunter2@m.example.org/a.zip?sig=5ec7e7"]"#,
    ] {
        let text = manifest_json(&[pack_json("a", mirrors)]);
        let error = parse(&text).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains("m.example.org/a.zip?…"), "{error}");
        assert!(
            !error.contains("hunter2") && !error.contains("5ec7e7"),
            "{error}"
        );
    }
}
