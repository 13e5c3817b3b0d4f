//! Mirrors a publish writes into the manifest (`pack publish --mirror-base URL`): the same
//! site published to another bucket, CDN or region has every archive under the same
//! content-addressed name, so each pack lists `BASE` + its archive's name as a mirror, which
//! managers fail over to (see `docs/manifest.md`, Mirrors).

use url::Url;

use crate::model::ManifestPack;

/// Checks a `--mirror-base`: an absolute http(s) URL of a folder, with no query or fragment
/// (an archive's name is added to it); a missing final `/` is added.
pub fn mirror_base(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text).map_err(|e| format!("`{text}` is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "`{text}` must be an http:// or https:// URL with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}` has a query or fragment; a mirror base is a folder the archives' names \
             are added to"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Lists archive `name` under each of `bases` as a mirror of `pack` (once each).
pub fn add(pack: &mut ManifestPack, name: &str, bases: &[Url]) -> Result<(), String> {
    for base in bases {
        let mirror = base
            .join(name)
            .map_err(|e| format!("mirror base {base}: cannot name {name} under it: {e}"))?
            .to_string();
        if !pack.mirrors.contains(&mirror) {
            pack.mirrors.push(mirror);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirror_base_is_an_http_folder_without_query() {
        assert_eq!(
            mirror_base("https://b.example.com/starfield")
                .unwrap()
                .as_str(),
            "https://b.example.com/starfield/"
        );
        assert_eq!(
            mirror_base("http://127.0.0.1:8333/games/v/")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8333/games/v/"
        );
        for bad in [
            "b.example.com/starfield",
            "ftp://b.example.com/",
            "https://b.example.com/?sig=1",
            "https://b.example.com/#x",
            "file:///srv/site/",
        ] {
            assert!(mirror_base(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn each_base_names_the_archive_once() {
        let mut pack: ManifestPack = serde_json::from_str(&format!(
            r#"{{"assetPackID": "P", "version": 1, "downloadPolicy": {{"onDemand": {{}}}},
                "url": "packs/x.zip", "downloadSize": 1, "installSize": 1, "sha256": "{}"}}"#,
            "ab".repeat(32)
        ))
        .unwrap();
        let bases = [
            mirror_base("https://b.example.com/s").unwrap(),
            mirror_base("https://c.example.com/").unwrap(),
            mirror_base("https://b.example.com/s/").unwrap(),
        ];
        add(&mut pack, "packs/x.zip", &bases).unwrap();
        assert_eq!(
            pack.mirrors,
            [
                "https://b.example.com/s/packs/x.zip",
                "https://c.example.com/packs/x.zip"
            ]
        );
    }
}
