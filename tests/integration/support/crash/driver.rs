//! The crash loop: installs and updates the app version after version, killing `bgassets sync`
//! at the moments [`super::watch`] watches for, and checking what [`super`]
//! checks; returns the figures it measured.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bgassets::server::Faults;

use crate::support::crash::watch::{Ended, Moment, Trigger, run};
use crate::support::crash::{self, *};
use crate::support::faults::FaultsExt;
use crate::support::manager::{Site, Spec, plist};

/// The server's rate, so downloads last long enough to be killed in.
const RATE: u64 = 60_000_000;

/// The figures one loop measured.
#[derive(Debug, Default)]
pub struct Figures {
    pub kills: BTreeMap<Moment, u32>,
    /// Runs that finished before their moment came.
    pub finished_first: u32,
    /// Versions installed (the first install is version 1).
    pub versions: u64,
    /// Pack bytes the server sent, and what one clean run per version takes.
    pub downloaded: u64,
    pub clean: u64,
    /// Leftovers found right after a kill (before the next start swept them): entries, bytes.
    pub left_entries: usize,
    pub left_bytes_max: u64,
    pub seconds: f64,
    pub seen: Seen,
}

/// Archive file name (`<folder>@<n>.zip`) → download size, from the served manifest.
fn archive_sizes(site: &Site) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(site.root().join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["assetPacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = format!(
                "{}@{}.zip",
                folder(p["assetPackID"].as_str().unwrap()),
                p["version"]
            );
            (name, p["downloadSize"].as_u64().unwrap())
        })
        .collect()
}

/// After a round's clean run: the state loads and says `version` for every pack, the files
/// are byte-identical to the specs, and nothing is left over.
fn check_round(data: &Path, specs: &[Spec], version: u64) {
    let installed_versions = check_state(data);
    let containers: Vec<_> = std::fs::read_dir(data.join("containers"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(containers.len(), 1, "one container");
    let container = containers[0].path();
    for spec in specs {
        assert_eq!(
            installed_versions.get(spec.id.as_str()),
            Some(&Some(version)),
            "{}",
            spec.id
        );
        let expected: BTreeMap<String, Vec<u8>> = spec.files.iter().cloned().collect();
        assert!(
            installed(&container, &spec.id) == expected,
            "{} v{version} differs from its source",
            spec.id
        );
    }
    let left = leftovers(data);
    assert!(
        left.is_empty(),
        "left behind after a clean start: {left:#?}"
    );
    let downloads = download_files(data);
    assert!(
        downloads.is_empty(),
        "archives or partials kept: {downloads:#?}"
    );
}

pub fn crash_loop(kills: u32, seed: u64) -> Figures {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let (data, canary) = (work.path().join("data"), work.path().join("canary"));
    std::fs::create_dir_all(&canary).unwrap();
    std::fs::write(canary.join("keep.txt"), b"the user's").unwrap();
    let faults = Faults::default().rate(RATE);
    let mut specs = specs(1);
    let site = runtime.block_on(Site::start(&specs, faults));
    let plist = plist(work.path(), &site.server.manifest_url(), "1", "");
    let log = work.path().join("sync.log");
    let known = Arc::new(Mutex::new(BTreeMap::new()));
    let reader = Reader::start(data.join("containers"), known.clone());
    let per_round = (kills / 10).max(3);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut figures = Figures::default();
    let (mut total, mut turn) = (0u32, 0usize);
    for version in 1.. {
        assert!(
            version <= u64::from(kills) * 2 + 2,
            "kills keep missing their moments: {figures:?}"
        );
        if version > 1 {
            specs = crash::specs(version);
            site.publish(&specs);
        }
        for spec in &specs {
            known
                .lock()
                .unwrap()
                .insert((folder(&spec.id), version), print_of(spec));
        }
        let sizes = archive_sizes(&site);
        figures.clean += sizes.values().sum::<u64>();
        figures.versions = version;
        for _ in 0..per_round.min(kills - total) {
            let trigger = Trigger::random(Moment::ROTATION[turn % 5], &mut rng);
            turn += 1;
            match run(&data, &plist, &log, Some(trigger), &sizes) {
                Ended::Killed { seen, after } => {
                    total += 1;
                    *figures.kills.entry(trigger.moment).or_default() += 1;
                    check_state(&data);
                    let left = leftovers(&data);
                    let bytes: u64 = left.iter().map(|(_, b)| b).sum();
                    figures.left_entries += left.len();
                    figures.left_bytes_max = figures.left_bytes_max.max(bytes);
                    eprintln!(
                        "kill {total:>2}, v{version}, {}: {seen}, after {:.2} s; {} leftovers, {bytes} bytes",
                        trigger.moment.name(),
                        after.as_secs_f64(),
                        left.len()
                    );
                }
                Ended::Exited(status) => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    assert!(status.success(), "{status}: {log}");
                    figures.finished_first += 1;
                    break;
                }
            }
        }
        match run(&data, &plist, &log, None, &sizes) {
            Ended::Exited(status) => assert!(
                status.success(),
                "{status}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
            Ended::Killed { .. } => unreachable!("no trigger"),
        }
        check_round(&data, &specs, version);
        if total >= kills {
            break;
        }
    }
    figures.seen = reader.stop();
    if std::env::var_os("CRASH_LOOP_REQUESTS").is_some() {
        for r in site
            .server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/packs/"))
        {
            eprintln!("{} {} {:?} {}", r.path, r.status, r.range, r.bytes_sent);
        }
    }
    figures.downloaded = site
        .server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/packs/"))
        .map(|r| r.bytes_sent)
        .sum();
    figures.seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        std::fs::read(canary.join("keep.txt")).unwrap(),
        b"the user's"
    );
    assert_eq!(
        std::fs::read_dir(&canary).unwrap().count(),
        1,
        "nothing written beside the data dir"
    );
    figures
}

pub fn print(figures: &Figures) {
    let kills: u32 = figures.kills.values().sum();
    let by_moment: Vec<String> = figures
        .kills
        .iter()
        .map(|(m, n)| format!("{} {n}", m.name()))
        .collect();
    let extra = figures.downloaded.saturating_sub(figures.clean);
    eprintln!(
        "crash loop: {kills} kills ({}), {} runs finished before their moment, versions 1..={} \
         of {} packs, {:.1} s\n\
         downloaded {} bytes; one clean run per version {} bytes; the crashes cost {} bytes \
         more ({:.1}%)\n\
         left behind by the kills (swept at the next start): {} entries, at most {} bytes at \
         once; left after every clean start: 0\n\
         reader: {} folders resolved, {} whole versions seen, {} half, {} too slow",
        by_moment.join(", "),
        figures.finished_first,
        figures.versions,
        PACKS.len(),
        figures.seconds,
        figures.downloaded,
        figures.clean,
        extra,
        extra as f64 * 100.0 / figures.clean.max(1) as f64,
        figures.left_entries,
        figures.left_bytes_max,
        figures.seen.looks,
        figures.seen.whole.values().sum::<u64>(),
        figures.seen.half.len(),
        figures.seen.late,
    );
}
