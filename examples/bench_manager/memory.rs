//! The daemon's memory with a manifest of many packs (`BENCH_RSS_PACKS`, 10,000): a fresh
//! daemon registers an app listing them (the registration answers once the manifest is read and
//! planned), then one `status` is read; its resident and peak memory (`VmRSS`, `VmHWM`) are
//! printed with the times.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use crate::Settings;
use crate::phases::{daemon, info_plist, memory, packs, serve};
use crate::site::{Site, many_manifest};
use crate::socket::Socket;

/// Registers an app of `settings.rss_packs` packs on a fresh daemon and prints its memory.
pub fn many_packs(bin: &Path, run: &Path, site: &Site, settings: &Settings) -> anyhow::Result<()> {
    let many_site = run.join("many-site");
    many_manifest(&site.small, settings.rss_packs, &many_site)?;
    let (_many, many_url) = serve(bin, &many_site, None)?;
    let many_plist = info_plist(&run.join("many-app"), &format!("{many_url}/manifest.json"))?;
    let many_data = run.join("data-many");
    let (_many_daemon, many_pid) = daemon(bin, &many_data)?;
    let (rss, hwm) = memory(many_pid);
    eprintln!("== daemon started: RSS {rss:.1} MB, peak {hwm:.1} MB");
    let mut socket = Socket::controller(&many_data)?;
    let started = Instant::now();
    socket.call("register", json!({ "path": many_plist }))?;
    let registered = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let status = socket.call("status", Value::Null)?;
    let status_time = started.elapsed().as_secs_f64() * 1e3;
    let (rss, hwm) = memory(many_pid);
    println!(
        "{} packs listed: register {registered:.2} s, status {status_time:.1} ms ({} packs, {} bytes), daemon RSS {rss:.1} MB, peak {hwm:.1} MB (goal <= 150 MB)",
        settings.rss_packs,
        packs(&status).len(),
        status.to_string().len()
    );
    Ok(())
}
