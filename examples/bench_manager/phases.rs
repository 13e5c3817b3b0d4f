//! The benchmark's phases: the `ensure` burst and the installs it leads to, the same archives
//! through `curl -Z` and `unzip -q`, many clients asking `status` while a large pack downloads;
//! then the daemon's memory with a manifest of many packs (`memory.rs`) and the verbs at scale
//! (`verbs.rs`). The processes these phases start (`serve`, `daemon`) and what they read of
//! them (memory, packs) are here.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::Settings;
use crate::site::Site;
use crate::socket::Socket;

pub const APP: &str = "org.bgassets.bench";

/// A child process killed when dropped.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `bgassets serve DIR [--rate RATE]`; returns the process and its base URL.
pub fn serve(bin: &Path, dir: &Path, rate: Option<&str>) -> anyhow::Result<(Running, String)> {
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

/// `bgassets daemon --data-dir DIR`, once its socket answers; returns it and its pid.
pub fn daemon(bin: &Path, dir: &Path) -> anyhow::Result<(Running, u32)> {
    std::fs::create_dir_all(dir)?;
    let log = std::fs::File::create(dir.with_extension("log"))?;
    let child = Command::new(bin)
        .args(["daemon", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting bgassets daemon")?;
    let pid = child.id();
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Socket::controller(dir).is_err() {
        if Instant::now() > deadline {
            bail!("the daemon in {} did not answer within 60 s", dir.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((running, pid))
}

/// An Info.plist for the bench app reading `manifest_url`.
pub fn info_plist(dir: &Path, manifest_url: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("Info.plist");
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{APP}</string>
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

/// `VmRSS` and `VmHWM` of `pid`, in MB.
pub fn memory(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib * 1024.0 / 1e6)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The packs of the bench app in a status document.
pub fn packs(status: &Value) -> Vec<Value> {
    status["apps"]
        .as_array()
        .and_then(|apps| apps.iter().find(|a| a["bundleId"] == APP))
        .and_then(|app| app["packs"].as_array().cloned())
        .unwrap_or_default()
}

/// Runs every phase and prints the figures.
pub fn run(bin: &Path, work: &Path, site: &Site, settings: &Settings) -> anyhow::Result<()> {
    let run = work.join("run");
    if run.exists() {
        std::fs::remove_dir_all(&run)?;
    }
    std::fs::create_dir_all(&run)?;
    if settings.only_verbs {
        return crate::verbs::verbs(bin, &run, site, settings);
    }
    if !settings.only_rss {
        installs_and_load(bin, &run, site, settings)?;
    }
    if settings.only_installs {
        return Ok(());
    }
    crate::memory::many_packs(bin, &run, site, settings)?;
    if settings.only_rss {
        return Ok(());
    }
    crate::verbs::verbs(bin, &run, site, settings)
}

/// The `ensure` burst, the installs next to `curl -Z` and `unzip -q`, and `status` under load.
fn installs_and_load(
    bin: &Path,
    run: &Path,
    site: &Site,
    settings: &Settings,
) -> anyhow::Result<()> {
    let (_small, small_url) = serve(bin, &site.small, Some(&settings.rate))?;
    // Big downloads through both status loads (followers, then whole documents) and beyond.
    let big_rate = ((settings.big_mib as u64) << 20) / (2 * settings.load_secs + 20).max(1);
    let (_big, big_url) = serve(bin, &site.big, Some(&big_rate.to_string()))?;
    let manifest = if settings.only_installs {
        let path = site.small.join("manifest.json");
        serde_json::from_str(&std::fs::read_to_string(&path)?)
            .with_context(|| format!("{}", path.display()))?
    } else {
        app_manifest(site, &big_url)?
    };
    std::fs::write(site.small.join("app.json"), manifest.to_string())?;
    let plist = info_plist(&run.join("app"), &format!("{small_url}/app.json"))?;
    let data = run.join("data");
    let (_daemon, pid) = daemon(bin, &data)?;
    let mut socket = Socket::controller(&data)?;
    socket.call("register", json!({ "path": plist }))?;

    let (answered, installed) = ensure_all(&mut socket, site)?;
    let (curl, unzip) = reference(run, &small_url, site)?;
    let n = site.ids.len();
    let reference = curl + unzip;
    println!("ensure burst: {n} requests answered in {answered:.3} s (target <= 2 s)");
    println!(
        "installs: {n} packs installed in {installed:.2} s; curl -Z --parallel-max 8 {curl:.2} s + unzip -q {unzip:.2} s = {reference:.2} s; ratio {:.2} (target <= 1.5)",
        installed / reference
    );
    let (rss, hwm) = memory(pid);
    println!("daemon memory after the installs: RSS {rss:.1} MB, peak {hwm:.1} MB");
    if settings.only_installs {
        return Ok(());
    }
    crate::load::status_load(&data, &mut socket, settings)
}

/// The small site's manifest with the large pack added (absolute URL on its own server).
fn app_manifest(site: &Site, big_url: &str) -> anyhow::Result<Value> {
    let read = |dir: &Path| -> anyhow::Result<Value> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    };
    let mut manifest = read(&site.small)?;
    let mut big = read(&site.big)?["assetPacks"][0].clone();
    let url = format!("{big_url}/{}", big["url"].as_str().unwrap_or_default());
    big["url"] = url.into();
    if let Some(packs) = manifest["assetPacks"].as_array_mut() {
        packs.push(big);
    }
    Ok(manifest)
}

/// Sends every `ensure` at once; returns (seconds until all answered, until all installed).
fn ensure_all(socket: &mut Socket, site: &Site) -> anyhow::Result<(f64, f64)> {
    let requests: Vec<(&str, Value)> = site
        .ids
        .iter()
        .map(|id| ("ensure", json!({ "app": APP, "pack": id })))
        .collect();
    eprintln!("== sending {} ensure requests at once", requests.len());
    let started = Instant::now();
    let ids = socket.send_all(&requests)?;
    let mut refused = 0;
    for _ in &ids {
        let (_, result) = socket.receive()?;
        if let Err(error) = result {
            refused += 1;
            if refused == 1 {
                eprintln!("ensure refused: {error}");
            }
        }
    }
    let answered = started.elapsed().as_secs_f64();
    if refused > 0 {
        bail!("{refused} ensure request(s) refused");
    }
    eprintln!("== answered in {answered:.3} s; waiting for the installs");
    let deadline = started + Duration::from_secs(1800);
    loop {
        let status = socket.call("status", Value::Null)?;
        let packs = packs(&status);
        let small = |p: &&Value| p["id"].as_str().is_some_and(|id| id != "Big");
        let done = packs
            .iter()
            .filter(small)
            .filter(|p| !p["installedVersion"].is_null())
            .count();
        if let Some(failed) = packs
            .iter()
            .filter(small)
            .find(|p| p["activity"]["state"] == "failed")
        {
            bail!("pack {} failed: {}", failed["id"], failed["activity"]);
        }
        if done == site.ids.len() {
            return Ok((answered, started.elapsed().as_secs_f64()));
        }
        if Instant::now() > deadline {
            bail!(
                "only {done} of {} packs installed after 30 minutes",
                site.ids.len()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The same archives with `curl -Z --parallel-max 8`, then `unzip -q` each; returns the seconds.
fn reference(run: &Path, base: &str, site: &Site) -> anyhow::Result<(f64, f64)> {
    let dir = run.join("reference");
    std::fs::create_dir_all(dir.join("out"))?;
    let mut config = String::new();
    for id in &site.ids {
        config.push_str(&format!(
            "url = \"{base}/{id}.zip\"\noutput = \"{}\"\n",
            dir.join(format!("{id}.zip")).display()
        ));
    }
    std::fs::write(dir.join("curl.cfg"), config)?;
    eprintln!(
        "== curl -Z --parallel-max 8 of the same {} archives",
        site.ids.len()
    );
    let started = Instant::now();
    let status = Command::new("curl")
        .args([
            "-sS",
            "--no-progress-meter",
            "--fail",
            "-Z",
            "--parallel-max",
            "8",
            "-K",
        ])
        .arg(dir.join("curl.cfg"))
        .status()
        .context("running curl")?;
    let curl = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("curl failed: {status}");
    }
    let started = Instant::now();
    for id in &site.ids {
        let status = Command::new("unzip")
            .args(["-q", "-o"])
            .arg(dir.join(format!("{id}.zip")))
            .arg("-d")
            .arg(dir.join("out").join(id))
            .status()
            .context("running unzip")?;
        if !status.success() {
            bail!("unzip {id}.zip failed: {status}");
        }
    }
    Ok((curl, started.elapsed().as_secs_f64()))
}
