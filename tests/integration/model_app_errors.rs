//! Malformed Info.plists (`bgassets::model::App::parse`): each refusal names the file, the key
//! (with its nested path) and what was expected; garbage, truncated and bit-flipped plists never
//! panic. `BAUsesAppleHosting = true` is refused with what to do instead.

use bgassets::model::App;

use crate::support::model::{
    assert_field_error, assert_no_panic, assert_syntax_error, fixture_bytes, fixture_path, garbage,
    parse_with, xml_plist,
};

#[test]
fn apple_hosting_is_refused_with_what_to_do_instead() {
    for name in ["apple-hosting-xml.plist", "apple-hosting-binary.plist"] {
        let path = fixture_path(&format!("plists/{name}"));
        let bytes = fixture_bytes(&format!("plists/{name}"));
        assert_field_error(
            App::parse(&path, &bytes),
            &path,
            "BAUsesAppleHosting",
            &[
                "is true",
                "serve the packs yourself",
                "BAManifestURL",
                "remove this key",
            ],
        );
    }
}

#[test]
fn malformed_plists_name_the_file_the_key_and_the_expectation() {
    let input = "Info.plist";
    let allow = "BAInitialDownloadRestrictions.BADownloadDomainAllowList";
    let cases: [(&str, &str, &[&str]); 15] = [
        (
            "<key>CFBundleIdentifier</key><string>$(PRODUCT_BUNDLE_IDENTIFIER)</string>",
            "CFBundleIdentifier",
            &["unexpanded build setting", "Info.plist of the built app"],
        ),
        (
            "<key>CFBundleVersion</key><integer>12</integer>",
            "CFBundleVersion",
            &["expected a string, found an integer"],
        ),
        (
            "<key>CFBundleIdentifier</key><string>  </string>",
            "CFBundleIdentifier",
            &["is empty"],
        ),
        (
            "<key>BAManifestURL</key><string>not a url</string>",
            "BAManifestURL",
            &["`not a url` is not a URL"],
        ),
        (
            "<key>BAManifestURL</key><string>ftp://assets.example.com/m.json</string>",
            "BAManifestURL",
            &["`ftp://assets.example.com/m.json`", "http(s) URL"],
        ),
        (
            "<key>BAMaxInstallSize</key><integer>-1</integer>",
            "BAMaxInstallSize",
            &["is -1", "cannot be negative"],
        ),
        (
            "<key>BAMaxInstallSize</key><string>4GB</string>",
            "BAMaxInstallSize",
            &["expected an integer (bytes), found a string"],
        ),
        (
            "<key>BAEssentialMaxInstallSize</key><real>1.5</real>",
            "BAEssentialMaxInstallSize",
            &["expected an integer (bytes), found a real number"],
        ),
        (
            "<key>BAHasManagedAssetPacks</key><string>YES</string>",
            "BAHasManagedAssetPacks",
            &["expected a boolean, found a string"],
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><array/>",
            "BAInitialDownloadRestrictions",
            &["expected a dictionary, found an array"],
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><dict>
               <key>BADownloadDomainAllowList</key><string>cdn.example.com</string></dict>",
            allow,
            &["expected an array of host names, found a string"],
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><dict>
               <key>BADownloadAllowance</key><integer>-5656</integer></dict>",
            "BAInitialDownloadRestrictions.BADownloadAllowance",
            &["is -5656", "cannot be negative"],
        ),
        (
            "<key>BAInitialDownloadRestrictions</key><dict>
               <key>BAEssentialDownloadAllowance</key><true/></dict>",
            "BAInitialDownloadRestrictions.BAEssentialDownloadAllowance",
            &["expected an integer (bytes), found a boolean"],
        ),
        (
            "<key>BAAppGroupID</key><dict/>",
            "BAAppGroupID",
            &["expected a string, found a dictionary"],
        ),
        (
            "<key>CFBundleShortVersionString</key><date>2024-01-01T00:00:00Z</date>",
            "CFBundleShortVersionString",
            &["expected a string, found a date"],
        ),
    ];
    for (extra, field, words) in cases {
        // Later keys win in a plist dictionary, so `extra` replaces a required key's value.
        assert_field_error(parse_with(extra), input, field, words);
    }
}

#[test]
fn allow_list_entries_are_checked_one_by_one() {
    let restrictions = |entries: &str| {
        parse_with(&format!(
            "<key>BAInitialDownloadRestrictions</key><dict>
               <key>BADownloadDomainAllowList</key><array>{entries}</array></dict>"
        ))
    };
    let allow = "BAInitialDownloadRestrictions.BADownloadDomainAllowList";
    assert_field_error(
        restrictions("<string>cdn.example.com</string><string>https://cdn.example.com/x</string>"),
        "Info.plist",
        &format!("{allow}[1]"),
        &[
            "`https://cdn.example.com/x` is not a host name",
            "no scheme, port or path",
        ],
    );
    assert_field_error(
        restrictions("<integer>443</integer>"),
        "Info.plist",
        &format!("{allow}[0]"),
        &["expected a string, found an integer"],
    );
    let empty = restrictions("").unwrap();
    assert!(empty.restrictions.domain_allow_list.is_empty());
    assert!(
        !empty.restrictions.allows_host("assets.example.com"),
        "an empty list allows nothing"
    );
}

#[test]
fn missing_required_keys_are_named() {
    let only = |entries: &str| App::parse("App/Info.plist", &xml_plist(entries));
    assert_field_error(
        only("<key>CFBundleVersion</key><string>1</string>"),
        "App/Info.plist",
        "CFBundleIdentifier",
        &["is missing", "a string is required"],
    );
    assert_field_error(
        only(
            "<key>CFBundleIdentifier</key><string>a.b</string>
              <key>BAManifestURL</key><string>https://a.example.com/m.json</string>",
        ),
        "App/Info.plist",
        "CFBundleVersion",
        &["is missing"],
    );
    assert_field_error(
        only(
            "<key>CFBundleIdentifier</key><string>a.b</string>
              <key>CFBundleVersion</key><string>1</string>",
        ),
        "App/Info.plist",
        "BAManifestURL",
        &["is missing"],
    );
}

#[test]
fn bytes_that_are_not_a_dictionary_plist_are_syntax_errors() {
    assert_syntax_error(
        App::parse("notes.txt", b"CFBundleIdentifier = com.example.app"),
        "notes.txt",
        &["not a property list"],
    );
    assert_syntax_error(
        App::parse("empty.plist", b""),
        "empty.plist",
        &["not a property list"],
    );
    let path = fixture_path("plists/root-array.plist");
    assert_syntax_error(
        App::parse(&path, &fixture_bytes("plists/root-array.plist")),
        &path,
        &["root is not a dictionary"],
    );
    for name in ["full-xml.plist", "full-binary.plist"] {
        let bytes = fixture_bytes(&format!("plists/{name}"));
        assert_syntax_error(
            App::parse(name, &bytes[..bytes.len() / 2]),
            name,
            &["not a property list"],
        );
    }
}

#[test]
fn garbage_truncated_and_bit_flipped_plists_never_panic() {
    let parse = |bytes: &[u8]| App::parse("fuzz.plist", bytes);
    for (i, bytes) in garbage(0x5EED_B0A7, 300).iter().enumerate() {
        assert_no_panic(&format!("garbage {i}"), bytes, parse);
        let mut prefixed = b"bplist00".to_vec();
        prefixed.extend_from_slice(bytes);
        assert_no_panic(&format!("bplist00 + garbage {i}"), &prefixed, parse);
    }
    for name in ["full-binary.plist", "full-xml.plist"] {
        let original = fixture_bytes(&format!("plists/{name}"));
        for len in 0..original.len() {
            assert_no_panic(&format!("{name}[..{len}]"), &original[..len], parse);
        }
        for i in 0..original.len() {
            for bit in [0x01, 0x80] {
                let mut flipped = original.clone();
                flipped[i] ^= bit;
                assert_no_panic(&format!("{name} byte {i} ^ {bit:#x}"), &flipped, parse);
            }
        }
    }
}

#[test]
fn a_downloader_extension_path_is_checked_by_shape_and_the_key_named() {
    let key = "BGAssetsDownloaderExtension";
    let too_long = format!("<string>{}</string>", "x".repeat(1025));
    let cases: [(&str, &[&str]); 8] = [
        (
            "<string>/usr/bin/ext</string>",
            &[
                "`/usr/bin/ext` is absolute",
                "relative to the folder holding the Info.plist",
            ],
        ),
        (
            "<string>../outside/ext</string>",
            &["contains `..`", "relative to the folder"],
        ),
        ("<string>bin/../../ext</string>", &["contains `..`"]),
        ("<string>bin//ext</string>", &["empty component"]),
        ("<string>   </string>", &["is empty"]),
        (&too_long, &["is 1025 bytes long", "at most 1024"]),
        ("<true/>", &["expected a string, found a boolean"]),
        ("<string>bin\\ext</string>", &["contains `\\`"]),
    ];
    for (value, words) in cases {
        let entry = format!("<key>{key}</key>{value}");
        assert_field_error(parse_with(&entry), "Info.plist", key, words);
    }
}
