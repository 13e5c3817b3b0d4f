//! The benchmark's site, made by the real packager (`bgassets pack build`, `pack index`):
//! `packs` on-demand packs of random bytes, one large on-demand pack (`Big`) in a site of its
//! own, and a manifest of `rss_packs` packs for the memory figure. Reused when the stamp matches.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::Settings;

/// Where the built site is.
pub struct Site {
    /// The small packs' site (manifest.json and archives).
    pub small: PathBuf,
    /// The large pack's site.
    pub big: PathBuf,
    /// The small packs' ids, in manifest order.
    pub ids: Vec<String>,
}

/// Builds the site under `work/site` (or reuses an identical earlier build).
pub fn build(bin: &Path, work: &Path, settings: &Settings) -> anyhow::Result<Site> {
    let root = work.join("site");
    let ids: Vec<String> = (0..settings.packs).map(|i| format!("P{i:05}")).collect();
    let site = Site {
        small: root.join("small"),
        big: root.join("big"),
        ids,
    };
    let stamp = root.join("stamp");
    let wanted = format!(
        "{} {} {}\n",
        settings.packs, settings.pack_bytes, settings.big_mib
    );
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        eprintln!("== reusing the site in {}", root.display());
        return Ok(site);
    }
    if root.exists() {
        std::fs::remove_dir_all(&root).with_context(|| format!("clearing {}", root.display()))?;
    }
    let started = std::time::Instant::now();
    let sources = root.join("sources");
    let mut jobs = Vec::new();
    for id in &site.ids {
        jobs.push((id.clone(), settings.pack_bytes, site.small.clone()));
    }
    jobs.push(("Big".to_string(), settings.big_mib << 20, site.big.clone()));
    eprintln!(
        "== building {} pack archives with {}",
        jobs.len(),
        bin.display()
    );
    let chunks: Vec<Vec<_>> = jobs
        .chunks(jobs.len().div_ceil(2))
        .map(<[_]>::to_vec)
        .collect();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let sources = sources.clone();
                scope.spawn(move || -> anyhow::Result<()> {
                    for (id, bytes, out) in chunk {
                        build_pack(bin, &sources, &out, &id, bytes)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(result) => result?,
                Err(_) => bail!("a pack-building thread panicked"),
            }
        }
        Ok(())
    })?;
    index(bin, &site.small)?;
    index(bin, &site.big)?;
    std::fs::remove_dir_all(&sources).with_context(|| format!("clearing {}", sources.display()))?;
    std::fs::write(&stamp, wanted).with_context(|| format!("writing {}", stamp.display()))?;
    eprintln!("== site built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(site)
}

/// Writes `bytes` random bytes and a pack manifest for `id`, and builds `out/id.zip`.
fn build_pack(
    bin: &Path,
    sources: &Path,
    out: &Path,
    id: &str,
    bytes: usize,
) -> anyhow::Result<()> {
    let dir = sources.join(id);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let data = dir.join("data.bin");
    let mut file = std::fs::File::create(&data).with_context(|| format!("{}", data.display()))?;
    let mut urandom = std::fs::File::open("/dev/urandom").context("opening /dev/urandom")?;
    std::io::copy(
        &mut std::io::Read::take(&mut urandom, bytes as u64),
        &mut file,
    )
    .with_context(|| format!("writing {}", data.display()))?;
    file.flush()?;
    let manifest = dir.join("pack.json");
    let text = serde_json::json!({
        "assetPackID": id,
        "downloadPolicy": { "onDemand": {} },
        "fileSelectors": [ { "file": "data.bin" } ],
        "platforms": ["macOS", "linux", "windows"],
        "version": 1,
    });
    std::fs::write(&manifest, text.to_string())
        .with_context(|| format!("writing {}", manifest.display()))?;
    let archive = out.join(format!("{id}.zip"));
    let status = Command::new(bin)
        .args(["pack", "build", "--root"])
        .arg(&dir)
        .arg("-o")
        .arg(&archive)
        .arg(&manifest)
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {} pack build", bin.display()))?;
    if !status.success() {
        bail!("bgassets pack build {id} failed: {status}");
    }
    std::fs::remove_file(&data).with_context(|| format!("removing {}", data.display()))?;
    Ok(())
}

/// `bgassets pack index DIR/*.zip -o DIR/manifest.json`.
fn index(bin: &Path, dir: &Path) -> anyhow::Result<()> {
    let mut archives: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    archives.sort();
    let status = Command::new(bin)
        .args(["pack", "index"])
        .args(&archives)
        .arg("-o")
        .arg(dir.join("manifest.json"))
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {} pack index", bin.display()))?;
    if !status.success() {
        bail!("bgassets pack index {} failed: {status}", dir.display());
    }
    Ok(())
}

/// A manifest listing `count` copies of the first pack of `site`'s manifest under fresh ids,
/// written to `out` (for the memory figure: the packs are listed, not downloaded).
pub fn many_manifest(site: &Path, count: usize, out: &Path) -> anyhow::Result<()> {
    let path = site.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    let mut manifest: serde_json::Value = serde_json::from_str(&text)?;
    let template = manifest["assetPacks"][0].clone();
    let base = site.join(template["url"].as_str().unwrap_or_default());
    let packs: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let mut pack = template.clone();
            pack["assetPackID"] = format!("Many{i:05}").into();
            pack["url"] = format!("file-{i}.zip").into();
            pack
        })
        .collect();
    manifest["assetPacks"] = packs.into();
    std::fs::create_dir_all(out)?;
    std::fs::copy(&base, out.join("file-0.zip")).with_context(|| format!("{}", base.display()))?;
    let target = out.join("manifest.json");
    std::fs::write(&target, manifest.to_string()).with_context(|| format!("{}", target.display()))
}
