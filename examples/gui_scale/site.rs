//! The benchmark's site: one pack archive made by the real packager (`bgassets pack build`,
//! `pack index`), served by a rate-capped `bgassets serve` so downloads last; and one manifest
//! per app listing that archive under `packs` ids, served by an uncapped `bgassets serve`. Each
//! app gets an Info.plist reading its manifest. The archive is reused while its size matches.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The apps, their manifests and the servers behind them.
pub struct Site {
    /// Each app's bundle id and Info.plist, in order.
    pub apps: Vec<(String, PathBuf)>,
    /// The pack ids of each app, in manifest order.
    pub packs: Vec<Vec<String>>,
    _servers: [Running; 2],
}

/// Bundle id of app `a`.
fn bundle_id(a: usize) -> String {
    format!("org.bgassets.scale{a:02}")
}

/// Builds (or reuses) the archive of `archive_mib` MiB under `work/archive`, starts the two
/// servers, and writes `apps` manifests of `packs` packs each and their Info.plists under
/// `run`.
pub fn build(
    bin: &Path,
    work: &Path,
    run: &Path,
    (apps, packs): (usize, usize),
    archive_mib: usize,
    rate: &str,
) -> anyhow::Result<Site> {
    let archives = work.join("archive");
    archive(bin, &archives, archive_mib)?;
    let (archive_server, archive_url) = serve(bin, &archives, Some(rate))?;
    let manifests = run.join("manifests");
    std::fs::create_dir_all(&manifests)?;
    let (manifest_server, manifest_url) = serve(bin, &manifests, None)?;
    let index = archives.join("manifest.json");
    let text = std::fs::read_to_string(&index).with_context(|| format!("{}", index.display()))?;
    let mut manifest: Value = serde_json::from_str(&text)?;
    let mut template = manifest["assetPacks"][0].clone();
    let url = format!("{archive_url}/Seed.zip");
    template["url"] = url.into();
    let mut site = Site {
        apps: Vec::new(),
        packs: Vec::new(),
        _servers: [archive_server, manifest_server],
    };
    for a in 0..apps {
        let ids: Vec<String> = (0..packs).map(|i| format!("A{a:02}P{i:05}")).collect();
        let listed: Vec<Value> = ids
            .iter()
            .map(|id| {
                let mut pack = template.clone();
                pack["assetPackID"] = id.as_str().into();
                pack
            })
            .collect();
        manifest["assetPacks"] = listed.into();
        let name = format!("app{a:02}.json");
        let path = manifests.join(&name);
        std::fs::write(&path, manifest.to_string())
            .with_context(|| format!("writing {}", path.display()))?;
        let plist = info_plist(
            &run.join("apps").join(format!("app{a:02}")),
            &bundle_id(a),
            &format!("{manifest_url}/{name}"),
        )?;
        site.apps.push((bundle_id(a), plist));
        site.packs.push(ids);
    }
    Ok(site)
}

/// One on-demand pack `Seed` of `mib` MiB of random bytes, built and indexed into `dir`.
fn archive(bin: &Path, dir: &Path, mib: usize) -> anyhow::Result<()> {
    let stamp = dir.join("stamp");
    let wanted = format!("{mib}\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources)?;
    let data = sources.join("data.bin");
    let mut file = std::fs::File::create(&data).with_context(|| format!("{}", data.display()))?;
    let mut urandom = std::fs::File::open("/dev/urandom").context("opening /dev/urandom")?;
    std::io::copy(
        &mut std::io::Read::take(&mut urandom, (mib as u64) << 20),
        &mut file,
    )
    .with_context(|| format!("writing {}", data.display()))?;
    let pack = sources.join("pack.json");
    let text = serde_json::json!({
        "assetPackID": "Seed",
        "downloadPolicy": { "onDemand": {} },
        "fileSelectors": [ { "file": "data.bin" } ],
        "platforms": ["macOS", "linux", "windows"],
        "version": 1,
    });
    std::fs::write(&pack, text.to_string())?;
    let archive = dir.join("Seed.zip");
    run(Command::new(bin)
        .args(["pack", "build", "--root"])
        .arg(&sources)
        .arg("-o")
        .arg(&archive)
        .arg(&pack))?;
    run(Command::new(bin)
        .args(["pack", "index"])
        .arg(&archive)
        .arg("-o")
        .arg(dir.join("manifest.json")))?;
    std::fs::remove_dir_all(&sources).with_context(|| format!("clearing {}", sources.display()))?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

/// `bgassets serve DIR [--rate RATE]`; returns the process and its base URL.
fn serve(bin: &Path, dir: &Path, rate: Option<&str>) -> anyhow::Result<(Running, String)> {
    let mut command = Command::new(bin);
    command.arg("serve").arg(dir);
    if let Some(rate) = rate {
        command.args(["--rate", rate]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting bgassets serve")?;
    let stdout = child.stdout.take().context("serve's stdout")?;
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let announced: Value = serde_json::from_str(&line)
        .with_context(|| format!("serve announced `{line}`, not JSON"))?;
    let base = announced["listening"]
        .as_str()
        .context("no `listening` in serve's announcement")?
        .trim_end_matches('/')
        .to_string();
    Ok((running, base))
}

/// An Info.plist in `dir` for `bundle_id`, reading `manifest_url`.
fn info_plist(dir: &Path, bundle_id: &str, manifest_url: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("Info.plist");
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{bundle_id}</string>
<key>CFBundleVersion</key><string>1</string>
<key>CFBundleShortVersionString</key><string>1.0</string>
<key>BAManifestURL</key><string>{manifest_url}</string>
<key>BAHasManagedAssetPacks</key><true/>
<key>BAMaxInstallSize</key><integer>100000000000</integer>
</dict></plist>
"#
    );
    std::fs::write(&path, text)?;
    Ok(path)
}
