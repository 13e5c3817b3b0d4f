//! The manager's verbs at scale: `BENCH_VERBS_PACKS` (1000,4000) on-demand packs of one app,
//! ensured (sent 1,000 at a time on one connection) from an origin that trickles (1,000 bytes
//! a second, so none finishes; the manifest comes from another, unlimited one), then a `pause`
//! of the app and a `resume` of the app, each timed until answered. Each count runs on a fresh
//! daemon; the times should grow with the count, not its square.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::Settings;
use crate::phases::{APP, daemon, info_plist, serve};
use crate::site::Site;
use crate::socket::Socket;

/// Requests written before their answers are read.
const BATCH: usize = 1000;

/// Runs the verbs phase for every count of `settings.verbs_packs`.
pub fn verbs(bin: &Path, run: &Path, site: &Site, settings: &Settings) -> anyhow::Result<()> {
    for &count in &settings.verbs_packs {
        let dir = run.join(format!("verbs-{count}"));
        let (origin, manifests) = (dir.join("origin"), dir.join("manifest"));
        std::fs::create_dir_all(&origin)?;
        std::fs::create_dir_all(&manifests)?;
        let (_origin, origin_url) = serve(bin, &origin, Some("1000"))?;
        let ids = trickle_site(&site.small, count, &origin_url, &origin, &manifests)?;
        let (_manifest, url) = serve(bin, &manifests, None)?;
        let plist = info_plist(&dir.join("app"), &format!("{url}/manifest.json"))?;
        let data = dir.join("data");
        let (_daemon, _pid) = daemon(bin, &data)?;
        let mut socket = Socket::controller(&data)?;
        socket.call("register", json!({ "path": plist }))?;
        let requests: Vec<(&str, Value)> = ids
            .iter()
            .map(|id| ("ensure", json!({ "app": APP, "pack": id })))
            .collect();
        let started = Instant::now();
        // In batches: a client that writes thousands of requests before it reads an answer
        // fills both sockets' buffers, and the manager stops reading until answers are read.
        for batch in requests.chunks(BATCH) {
            for _ in socket.send_all(batch)? {
                let (_, result) = socket.receive()?;
                result.context("an ensure was refused")?;
            }
        }
        let ensured = started.elapsed().as_secs_f64();
        let app = json!({ "selection": { "app": APP } });
        let started = Instant::now();
        let paused = socket.call("pause", app.clone())?;
        let pause = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let resumed = socket.call("resume", app)?;
        let resume = started.elapsed().as_secs_f64();
        if paused.as_u64().unwrap_or(0) == 0 || resumed.as_u64().unwrap_or(0) == 0 {
            bail!("pause changed {paused}, resume changed {resumed}: nothing was in flight");
        }
        println!(
            "verbs at {count} packs: {count} ensures answered in {ensured:.3} s; pause of the app {pause:.3} s ({paused} changed); resume of the app {resume:.3} s ({resumed} changed)"
        );
    }
    Ok(())
}

/// A manifest of `count` packs, written to `manifests`, that all download the first pack's
/// archive of `site`, copied to `origin` (served at `origin_url`, trickling); returns their ids.
fn trickle_site(
    site: &Path,
    count: usize,
    origin_url: &str,
    origin: &Path,
    manifests: &Path,
) -> anyhow::Result<Vec<String>> {
    let path = site.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    let mut manifest: Value = serde_json::from_str(&text)?;
    let mut template = manifest["assetPacks"][0].clone();
    let archive = site.join(template["url"].as_str().unwrap_or_default());
    template["url"] = format!("{origin_url}/pack.zip").into();
    template["downloadPolicy"] = json!({ "onDemand": {} });
    let ids: Vec<String> = (0..count).map(|i| format!("Verb{i:05}")).collect();
    let packs: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut pack = template.clone();
            pack["assetPackID"] = id.clone().into();
            pack
        })
        .collect();
    manifest["assetPacks"] = packs.into();
    std::fs::copy(&archive, origin.join("pack.zip"))
        .with_context(|| format!("{}", archive.display()))?;
    let target = manifests.join("manifest.json");
    std::fs::write(&target, manifest.to_string())
        .with_context(|| format!("{}", target.display()))?;
    Ok(ids)
}
