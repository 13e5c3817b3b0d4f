//! A pack's mirrors as the manager hands them to the engine: resolved against the manifest's
//! URL and checked, each one, against the app's `BADownloadDomainAllowList` and the HTTPS rule,
//! like the pack's own URL. A mirror that may not be used is left out and said in the pack's
//! timeline, never dropped silently; the pack still downloads from the origins that may.

use url::Url;

use super::state::AppRecord;
use crate::model::ManifestPack;

/// The mirrors of `listed` that `record`'s app may download from, and one sentence for each
/// one it may not.
pub fn usable(
    record: &AppRecord,
    listed: &ManifestPack,
    insecure_hosts: &[String],
) -> (Vec<Url>, Vec<String>) {
    let base = record
        .manifest_base
        .clone()
        .unwrap_or_else(|| record.app.manifest_url.clone());
    let resolved = match listed.resolve_mirrors(&base) {
        Ok(resolved) => resolved,
        Err(problem) => return (Vec::new(), vec![problem]),
    };
    let mut usable = Vec::new();
    let mut refused = Vec::new();
    for mirror in resolved {
        match super::fetch::check_url(&record.app, &mirror, insecure_hosts) {
            Ok(()) => usable.push(mirror),
            Err(error) => refused.push(format!("mirror left out: {}", error.message)),
        }
    }
    (usable, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::App;

    fn record(allow_list: &str) -> AppRecord {
        let plist = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.example.game</string>
<key>CFBundleVersion</key><string>1</string>
<key>BAManifestURL</key><string>https://cdn.example.com/game/manifest.json</string>
<key>BAInitialDownloadRestrictions</key><dict>
<key>BADownloadDomainAllowList</key><array>{allow_list}</array></dict>
</dict></plist>"#
        );
        AppRecord {
            app: App::parse("Info.plist", plist.as_bytes()).unwrap(),
            source: "/tmp/Info.plist".into(),
            icon: None,
            event: crate::model::InstallationEvent::FirstInstallation,
            manifest_etag: None,
            manifest_base: None,
            last_checked_ms: None,
            manifest_error: None,
            paused: None,
            packs: Default::default(),
            extension_error: None,
            content_asked_for: None,
            downloads: Default::default(),
        }
    }

    fn listed(mirrors: &[&str]) -> ManifestPack {
        let mut pack: ManifestPack = serde_json::from_str(&format!(
            r#"{{"assetPackID": "P", "version": 1, "downloadPolicy": {{"onDemand": {{}}}},
                "url": "packs/P.zip", "downloadSize": 10, "installSize": 10,
                "sha256": "{}"}}"#,
            "ab".repeat(32)
        ))
        .unwrap();
        pack.mirrors = mirrors.iter().map(|m| m.to_string()).collect();
        pack
    }

    #[test]
    fn mirrors_resolve_against_the_manifest_and_keep_their_query() {
        let record = record("<string>*.example.com</string><string>mirror.example.org</string>");
        let (usable, refused) = usable(
            &record,
            &listed(&["../backup/P.zip", "https://mirror.example.org/P.zip?sig=1"]),
            &[],
        );
        let usable: Vec<&str> = usable.iter().map(Url::as_str).collect();
        assert_eq!(
            usable,
            [
                "https://cdn.example.com/backup/P.zip",
                "https://mirror.example.org/P.zip?sig=1"
            ]
        );
        assert!(refused.is_empty(), "{refused:?}");
    }

    #[test]
    fn a_mirror_outside_the_allow_list_or_over_plain_http_is_left_out_and_said() {
        let record = record("<string>*.example.com</string>");
        let (usable, refused) = usable(
            &record,
            &listed(&[
                "https://evil.example.net/P.zip",
                "http://cdn2.example.com/P.zip",
                "https://cdn2.example.com/P.zip",
            ]),
            &[],
        );
        assert_eq!(usable.len(), 1);
        assert_eq!(usable[0].as_str(), "https://cdn2.example.com/P.zip");
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused[0].contains("host `evil.example.net` is not in BADownloadDomainAllowList"),
            "{refused:?}"
        );
        assert!(refused[1].contains("HTTPS is required"), "{refused:?}");
    }

    #[test]
    fn a_refused_mirror_s_credentials_and_signature_stay_out_of_the_timeline() {
        let record = record("<string>*.example.com</string>");
        let (usable, refused) = usable(
            &record,
            &listed(&[
                "https://user:hunter2@evil.example.net/P.zip?X-Amz-Signature=5ec7e7",
                "http://user:hunter2@cdn2.example.com/P.zip?X-Amz-Signature=5ec7e7",
            ]),
            &[],
        );
        assert!(usable.is_empty());
        assert_eq!(refused.len(), 2, "{refused:?}");
        for said in &refused {
            assert!(
                !said.contains("hunter2") && !said.contains("5ec7e7"),
                "{said}"
            );
            assert!(
                said.contains("example."),
                "the mirror is still named: {said}"
            );
        }
    }
}
