//! What the publish tests share: small sites built with the real packager, `bgassets pack
//! publish|prune` run as a child process with the test store's credentials (and nothing else
//! of the environment's AWS settings), and reading back what the store holds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bgassets::model::{ServerManifest, Sha256Digest};

use crate::support::seaweed::{ACCESS_KEY, SECRET_KEY, Seaweed};

/// One pack of a test site: its id, its one file's bytes, its version.
pub struct PackSpec<'a> {
    pub id: &'a str,
    pub bytes: Vec<u8>,
    pub version: u64,
}

/// Builds packs into `dir/site/packs/ID.zip` and indexes them into `dir/site/manifest.json`;
/// returns the site folder.
pub fn make_site(dir: &Path, packs: &[PackSpec]) -> PathBuf {
    let site = dir.join("site");
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(site.join("packs")).unwrap();
    let mut archives = Vec::new();
    for pack in packs {
        let root = dir.join("sources").join(pack.id);
        crate::support::write(&root.join("data.bin"), &pack.bytes);
        let manifest = dir.join("manifests").join(format!("{}.json", pack.id));
        crate::support::write(
            &manifest,
            format!(
                r#"{{"assetPackID": "{}", "downloadPolicy": {{"essential": {{"installationEventTypes": ["firstInstallation"]}}}}, "fileSelectors": [{{"file": "data.bin"}}]}}"#,
                pack.id
            )
            .as_bytes(),
        );
        let archive = site.join("packs").join(format!("{}.zip", pack.id));
        bgassets::pack::build::build(&manifest, &root, &archive, Some(pack.version)).unwrap();
        archives.push(archive);
    }
    bgassets::pack::index::index(&archives, None, &site.join("manifest.json"), |_, _| {}).unwrap();
    site
}

/// `bgassets ARGS` with the store's credentials; `secret` overrides the secret key.
pub fn command(args: &[&str], home: &Path, secret: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgassets"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret.unwrap_or(SECRET_KEY))
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null());
    command
}

/// Runs `bgassets pack publish SITE s3://DEST --endpoint E EXTRA…` to completion.
pub fn publish(seaweed: &Seaweed, site: &Path, dest: &str, extra: &[&str]) -> Output {
    let endpoint = seaweed.endpoint();
    let mut args = vec![
        "pack",
        "publish",
        site.to_str().unwrap(),
        dest,
        "--endpoint",
        &endpoint,
    ];
    args.extend_from_slice(extra);
    command(&args, site.parent().unwrap(), None)
        .output()
        .unwrap()
}

/// stdout and stderr together, for assertions and failure messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The manifest published under `prefix` in `bucket`, if any.
pub fn published_manifest(seaweed: &Seaweed, bucket: &str, prefix: &str) -> Option<ServerManifest> {
    let key = format!("{prefix}/manifest.json");
    let (status, body) = seaweed.get(bucket, &key);
    if status == 404 {
        return None;
    }
    assert_eq!(status, 200, "GET {key}: {}", String::from_utf8_lossy(&body));
    Some(ServerManifest::parse(&key, std::str::from_utf8(&body).unwrap()).unwrap())
}

/// Checks every archive `manifest` names is in the store with the bytes it names; returns the
/// archive keys.
pub fn assert_archives_complete(
    seaweed: &Seaweed,
    bucket: &str,
    prefix: &str,
    manifest: &ServerManifest,
) -> Vec<String> {
    manifest
        .asset_packs
        .iter()
        .map(|pack| {
            assert!(
                pack.url.starts_with("packs/") && pack.url.ends_with(".zip"),
                "{}",
                pack.url
            );
            let key = format!("{prefix}/{}", pack.url);
            let (status, body) = seaweed.get(bucket, &key);
            assert_eq!(status, 200, "the manifest names {key}, which is not there");
            assert_eq!(Sha256Digest::of(&body), pack.sha256, "{key}");
            key
        })
        .collect()
}

/// Writes a small object `name` under `dest` with the library's own client, as another tool
/// (or a publish under way) would.
pub fn put_object(seaweed: &Seaweed, dest: &str, name: &str) {
    let remote = test_remote(seaweed, dest);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(remote.put(
            name,
            b"not a pack".to_vec().into(),
            "no-store",
            "application/zip",
        ))
        .unwrap();
}

/// Deletes `name` under `dest` with the library's own client, as a concurrent prune would.
pub fn delete_object(seaweed: &Seaweed, dest: &str, name: &str) {
    let remote = test_remote(seaweed, dest);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(remote.delete(name)).unwrap();
}

/// A client for `dest` on the test store.
pub fn test_remote(seaweed: &Seaweed, dest: &str) -> bgassets::publish::remote::Remote {
    use bgassets::publish::credentials::Credentials;
    use bgassets::publish::remote::Remote;
    let destination = bgassets::publish::Destination::parse(dest).unwrap();
    let credentials = Credentials {
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: SECRET_KEY.into(),
        session_token: None,
        source: "the test".into(),
    };
    Remote::new(
        &destination,
        Some(&seaweed.endpoint()),
        &credentials,
        "us-east-1",
    )
    .unwrap()
}
