//! Killing a real manager process at a chosen moment. `bgassets sync` runs on a data dir while
//! its files are polled every millisecond; when the chosen moment shows on disk it is sent
//! SIGKILL (and reaped, so its process id is free again):
//!
//! - downloading: a pack's `.partial` has passed a random size but is not complete;
//! - verifying: a `.partial` holds every byte (the digest and size are being checked) or has
//!   just been renamed to its archive;
//! - extracting: a staging folder exists, then a random 0–20 ms;
//! - swapping: a version folder new in this run exists, then a random 0–600 ms (before the link
//!   is swapped, or while the replaced version waits to be deleted);
//! - saving state: `state.json` has been replaced (renamed over) a random 1–8 times.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take before the harness gives up.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Moment {
    Downloading,
    Verifying,
    Extracting,
    Swapping,
    SavingState,
}

impl Moment {
    /// The order kills go through: the order of the moments in an install.
    pub const ROTATION: [Moment; 5] = [
        Moment::Downloading,
        Moment::Verifying,
        Moment::Extracting,
        Moment::Swapping,
        Moment::SavingState,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Moment::Downloading => "downloading",
            Moment::Verifying => "verifying",
            Moment::Extracting => "extracting",
            Moment::Swapping => "swapping",
            Moment::SavingState => "saving state",
        }
    }
}

/// A moment with its random parameters.
#[derive(Clone, Copy, Debug)]
pub struct Trigger {
    pub moment: Moment,
    partial_at: u64,
    delay: Duration,
    saves: u32,
}

impl Trigger {
    pub fn random(moment: Moment, rng: &mut fastrand::Rng) -> Self {
        let delay = match moment {
            Moment::Extracting => Duration::from_millis(rng.u64(0..=20)),
            Moment::Swapping => Duration::from_millis(rng.u64(0..=600)),
            _ => Duration::ZERO,
        };
        Self {
            moment,
            partial_at: rng.u64(100_000..=2_000_000),
            delay,
            saves: rng.u32(1..=8),
        }
    }
}

/// What the data dir holds at one instant, as far as the triggers care.
struct Look {
    /// Partial downloads: file name and length.
    partials: Vec<(String, u64)>,
    archives: usize,
    staging: usize,
    versions: BTreeSet<PathBuf>,
    state_inode: Option<u64>,
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn look(data: &Path) -> Look {
    let mut look = Look {
        partials: Vec::new(),
        archives: 0,
        staging: 0,
        versions: BTreeSet::new(),
        state_inode: std::fs::metadata(data.join("state.json"))
            .ok()
            .map(|m| m.ino()),
    };
    for file in entries(&data.join("downloads"))
        .iter()
        .flat_map(|d| entries(d))
    {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".zip.partial") {
            let len = std::fs::metadata(&file).map_or(0, |m| m.len());
            look.partials.push((name, len));
        } else if name.ends_with(".zip") {
            look.archives += 1;
        }
    }
    for container in entries(&data.join("containers")) {
        look.staging += entries(&container.join(".staging"))
            .iter()
            .filter(|p| p.is_dir())
            .count();
        look.versions.extend(entries(&container.join(".versions")));
    }
    look
}

/// How a run ended.
#[derive(Debug)]
pub enum Ended {
    /// Killed at the trigger's moment; `seen` says what was on disk.
    Killed { seen: String, after: Duration },
    /// It finished before the moment came.
    Exited(ExitStatus),
}

/// Runs `bgassets sync PLIST --data-dir DATA` once; with a trigger, kills it at that moment.
/// `sizes` maps archive file names (`<folder>@<n>.zip`) to their full sizes.
pub fn run(
    data: &Path,
    plist: &Path,
    log: &Path,
    trigger: Option<Trigger>,
    sizes: &BTreeMap<String, u64>,
) -> Ended {
    let before = look(data);
    let started = Instant::now();
    let output = std::fs::File::create(log).expect("log file");
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("sync")
        .arg(plist)
        .arg("--data-dir")
        .arg(data)
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("log file"))
        .stderr(output)
        .spawn()
        .expect("bgassets sync starts");
    let mut saves = 0u32;
    let mut last_inode = before.state_inode;
    let mut armed: Option<(Instant, String)> = None;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Ended::Exited(status);
        }
        assert!(
            started.elapsed() < RUN_TIMEOUT,
            "a run took over {RUN_TIMEOUT:?}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        let Some(trigger) = trigger else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let now = look(data);
        if now.state_inode.is_some() && now.state_inode != last_inode {
            saves += 1;
            last_inode = now.state_inode;
        }
        let seen = match trigger.moment {
            Moment::Downloading => now
                .partials
                .iter()
                .find(|(name, len)| {
                    *len >= trigger.partial_at
                        && sizes.get(name.trim_end_matches(".partial")) > Some(len)
                })
                .map(|(name, len)| format!("{name} at {len} bytes")),
            Moment::Verifying => now
                .partials
                .iter()
                .find(|(name, len)| sizes.get(name.trim_end_matches(".partial")) == Some(len))
                .map(|(name, _)| format!("{name} complete"))
                .or_else(|| {
                    (now.archives > before.archives).then(|| "an archive renamed into place".into())
                }),
            Moment::Extracting => (now.staging > 0).then(|| "a staging folder".into()),
            Moment::Swapping => now
                .versions
                .difference(&before.versions)
                .next()
                .map(|v| format!("new version {}", v.file_name().unwrap().to_string_lossy())),
            Moment::SavingState => {
                (saves >= trigger.saves).then(|| format!("state.json replaced {saves} times"))
            }
        };
        if armed.is_none()
            && let Some(seen) = seen
        {
            armed = Some((Instant::now(), seen));
        }
        if let Some((at, seen)) = &armed
            && at.elapsed() >= trigger.delay
        {
            child.kill().expect("SIGKILL");
            let status = child.wait().expect("reaped");
            if std::os::unix::process::ExitStatusExt::signal(&status) != Some(9) {
                // It exited on its own in the instant before the kill.
                return Ended::Exited(status);
            }
            let seen = if trigger.delay.is_zero() {
                seen.clone()
            } else {
                format!("{seen} + {} ms", trigger.delay.as_millis())
            };
            return Ended::Killed {
                seen,
                after: started.elapsed(),
            };
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
