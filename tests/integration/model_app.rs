//! Apps from Info.plist (`bgassets::model::App::parse`): every bundle and Background Assets key,
//! XML and binary plists giving equal apps, the documented defaults and the domain allow list.
//! Malformed plists are in `model_app_errors.rs`.
//!
//! The `*-binary.plist` fixtures were made once from their `*-xml.plist` twins with Python:
//! `plistlib.dumps(plistlib.load(open(xml, "rb")), fmt=plistlib.FMT_BINARY)`.

use bgassets::model::{App, DomainPattern};

use crate::support::model::{fixture_bytes, fixture_path, parse_with, xml_plist};

fn parse_fixture(name: &str) -> App {
    let relative = format!("plists/{name}");
    App::parse(&fixture_path(&relative), &fixture_bytes(&relative))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_key_of_a_full_plist_is_read() {
    let app = parse_fixture("full-xml.plist");
    assert_eq!(app.bundle_id, "com.example.Puzzler");
    assert_eq!(app.display_name, "Puzzler Deluxe");
    assert_eq!(app.short_version.as_deref(), Some("2.4.1"));
    assert_eq!(app.bundle_version, "241");
    assert_eq!(
        app.manifest_url.as_str(),
        "https://assets.example.com/puzzler/manifest.json"
    );
    assert_eq!(
        app.app_group_id.as_deref(),
        Some("group.com.example.puzzler")
    );
    assert_eq!(app.container_name(), "group.com.example.puzzler");
    assert!(app.has_managed_asset_packs);
    assert_eq!(app.essential_max_install_size, Some(200_000_000));
    assert_eq!(
        app.max_install_size,
        Some(4_000_000_000),
        "sizes beyond 32 bits"
    );
    let restrictions = &app.restrictions;
    assert!(!restrictions.defaulted);
    assert_eq!(restrictions.download_allowance, Some(150_000_000));
    assert_eq!(restrictions.essential_download_allowance, Some(100_000_000));
    let patterns: Vec<_> = restrictions
        .domain_allow_list
        .iter()
        .map(DomainPattern::as_str)
        .collect();
    assert_eq!(patterns, ["assets.example.com", "*.cdn.example.net"]);
}

#[test]
fn binary_and_xml_plists_give_equal_apps() {
    for name in ["full", "minimal", "small-allowance"] {
        let xml = fixture_bytes(&format!("plists/{name}-xml.plist"));
        let binary = fixture_bytes(&format!("plists/{name}-binary.plist"));
        assert!(xml.starts_with(b"<?xml"), "{name}: XML twin is XML");
        assert!(
            binary.starts_with(b"bplist00"),
            "{name}: binary twin is binary"
        );
        assert_eq!(
            parse_fixture(&format!("{name}-xml.plist")),
            parse_fixture(&format!("{name}-binary.plist")),
            "{name}"
        );
    }
}

#[test]
fn minimal_plist_takes_the_documented_defaults() {
    // No display name, no short version, no BAAppGroupID, no BAInitialDownloadRestrictions.
    let app = parse_fixture("minimal-xml.plist");
    assert_eq!(
        app.display_name, "org.example.minimal",
        "falls back to the bundle id"
    );
    assert_eq!(app.short_version, None);
    assert_eq!(app.app_group_id, None);
    assert_eq!(app.container_name(), "org.example.minimal");
    assert_eq!(app.essential_max_install_size, None);
    assert_eq!(app.max_install_size, None);
    let restrictions = &app.restrictions;
    assert!(restrictions.defaulted);
    assert_eq!(restrictions.download_allowance, None);
    assert_eq!(restrictions.essential_download_allowance, None);
    // The allow list is the manifest's host (without its port).
    let patterns: Vec<_> = restrictions
        .domain_allow_list
        .iter()
        .map(DomainPattern::as_str)
        .collect();
    assert_eq!(patterns, ["downloads.example.org"]);
    assert!(restrictions.allows_host("downloads.example.org"));
    assert!(!restrictions.allows_host("cdn.example.org"));
    assert!(!restrictions.allows_host("example.org"));
}

#[test]
fn tiny_allowance_without_group_or_allow_list_is_accepted() {
    let app = parse_fixture("small-allowance-xml.plist");
    assert_eq!(
        app.display_name, "Tiny",
        "CFBundleName when no CFBundleDisplayName"
    );
    assert_eq!(app.bundle_version, "1.0.3");
    assert_eq!(app.container_name(), "io.example.tiny");
    assert!(!app.has_managed_asset_packs);
    let restrictions = &app.restrictions;
    assert_eq!(restrictions.download_allowance, Some(5656));
    assert_eq!(restrictions.essential_download_allowance, Some(5656));
    assert!(!restrictions.defaulted, "the dictionary was there");
    assert!(
        restrictions.allows_host("tiny.example.io"),
        "allow list defaults to the manifest host"
    );
    assert!(!restrictions.allows_host("evil.example.io"));
}

#[test]
fn default_allow_list_covers_a_manifest_on_an_ip_literal_host() {
    // Regression: an IPv6 host such as a local mock server's `[::1]` used to give an empty list.
    for (url, host) in [
        ("https://[::1]:8443/manifest.json", "[::1]"),
        ("http://127.0.0.1:61234/manifest.json", "127.0.0.1"),
    ] {
        let app = App::parse(
            "Info.plist",
            &xml_plist(&format!(
                "<key>CFBundleIdentifier</key><string>a.b</string>
                 <key>CFBundleVersion</key><string>1</string>
                 <key>BAManifestURL</key><string>{url}</string>"
            )),
        )
        .unwrap();
        let restrictions = &app.restrictions;
        assert!(restrictions.defaulted);
        assert_eq!(restrictions.domain_allow_list.len(), 1, "{url}");
        assert!(restrictions.allows_host(host), "{url}");
        assert!(!restrictions.allows_host("example.com"), "{url}");
    }
}

#[test]
fn has_managed_asset_packs_defaults_to_false_and_apple_hosting_false_is_accepted() {
    let app = parse_with("<key>BAUsesAppleHosting</key><false/>").unwrap();
    assert!(!app.has_managed_asset_packs);
    let app = parse_with("<key>BAHasManagedAssetPacks</key><true/>").unwrap();
    assert!(app.has_managed_asset_packs);
}

#[test]
fn string_values_are_trimmed() {
    let app = App::parse(
        "Info.plist",
        &xml_plist(
            "<key>CFBundleIdentifier</key><string>  com.example.app\n</string>
             <key>CFBundleVersion</key><string> 3 </string>
             <key>BAManifestURL</key><string> https://a.example.com/m.json </string>",
        ),
    )
    .unwrap();
    assert_eq!(app.bundle_id, "com.example.app");
    assert_eq!(app.bundle_version, "3");
    assert_eq!(app.manifest_url.host_str(), Some("a.example.com"));
}

#[test]
fn wildcard_covers_subdomains_at_any_depth_but_not_the_domain_itself() {
    let wildcard = DomainPattern::parse("*.example.com").unwrap();
    assert!(wildcard.matches("a.example.com"));
    assert!(wildcard.matches("a.b.example.com"));
    assert!(!wildcard.matches("example.com"));
    assert!(!wildcard.matches(".example.com"));
    assert!(!wildcard.matches("badexample.com"));
    assert!(!wildcard.matches("example.com.evil.net"));
    assert!(!wildcard.matches("a.example.org"));
}

#[test]
fn domain_patterns_match_case_insensitively() {
    let wildcard = DomainPattern::parse("*.CDN.Example.com").unwrap();
    assert_eq!(wildcard.as_str(), "*.cdn.example.com");
    assert!(wildcard.matches("Edge-1.cdn.EXAMPLE.com"));
    let exact = DomainPattern::parse("Assets.Example.com").unwrap();
    assert!(exact.matches("assets.example.COM"));
    assert!(
        exact.matches("assets.example.com."),
        "a fully qualified name"
    );
    assert!(
        !exact.matches("x.assets.example.com"),
        "an exact name has no subdomains"
    );
}

#[test]
fn domain_patterns_refuse_urls_ports_and_empty_labels() {
    for bad in [
        "https://cdn.example.com/x",
        "cdn.example.com:443",
        "cdn.example.com/packs",
        "*",
        "*.",
        "",
        "a..example.com",
        "**.example.com",
        "cdn example.com",
    ] {
        let problem = DomainPattern::parse(bad).unwrap_err();
        assert!(problem.contains("is not a host name"), "{bad:?}: {problem}");
    }
}

#[test]
fn the_downloader_extension_key_is_read_and_absent_by_default() {
    let app = parse_with(
        "<key>BGAssetsDownloaderExtension</key><string>Contents/MacOS/extension</string>",
    )
    .unwrap();
    assert_eq!(
        app.downloader_extension.as_deref(),
        Some("Contents/MacOS/extension")
    );
    assert_eq!(parse_with("").unwrap().downloader_extension, None);
    let exactly_1024 = format!("ext/{}", "x".repeat(1020));
    let app = parse_with(&format!(
        "<key>BGAssetsDownloaderExtension</key><string>{exactly_1024}</string>"
    ))
    .unwrap();
    assert_eq!(app.downloader_extension.as_deref(), Some(&*exactly_1024));
}

#[test]
fn an_app_saved_before_the_extension_key_existed_still_loads() {
    // A state file written before issue 14 has no `downloaderExtension` in its apps.
    let app = parse_with("").unwrap();
    let mut json = serde_json::to_value(&app).unwrap();
    assert!(
        json.get("downloaderExtension").is_none(),
        "absent when unset: {json}"
    );
    json.as_object_mut().unwrap().remove("downloaderExtension");
    let back: App = serde_json::from_value(json).unwrap();
    assert_eq!(back, app);
}
