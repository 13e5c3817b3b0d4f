//! What the crash loop checks: the app's packs at each version (generated, so any version can be
//! told apart), a reader thread that keeps resolving each pack's current folder and checks that
//! every file set it sees is one whole version, the leftovers a crash left in the data dir,
//! byte-identical installs, and state files that load.

pub mod driver;
pub mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::manager::{ESSENTIAL, PREFETCH, Spec};
use crate::support::random_bytes;

/// The app's packs: id, policy, files, bytes per file. Incompressible, so archive bytes are
/// about file bytes.
pub const PACKS: [(&str, &str, usize, usize); 3] = [
    ("Levels", ESSENTIAL, 8, 256 * 1024),
    ("Textures", ESSENTIAL, 3, 1536 * 1024),
    ("Music", PREFETCH, 2, 3 * 1024 * 1024),
];

/// Version `version` of every pack. Each version's files differ from every other's, and even
/// versions hold one more file, so a mix of two versions is never a version.
pub fn specs(version: u64) -> Vec<Spec> {
    PACKS
        .iter()
        .enumerate()
        .map(|(p, &(id, policy, count, size))| {
            let seed = |file: u64| (version << 32) | ((p as u64) << 16) | file;
            let mut files: Vec<(String, Vec<u8>)> = (0..count)
                .map(|i| {
                    (
                        format!("{id}/part-{i}.bin"),
                        random_bytes(size, seed(i as u64)),
                    )
                })
                .collect();
            if version.is_multiple_of(2) {
                files.push((format!("{id}/only-even.txt"), random_bytes(100, seed(999))));
            }
            Spec {
                id: id.to_string(),
                policy,
                files,
                version,
                languages: vec![],
                group: None,
            }
        })
        .collect()
}

/// A file set as the reader sees it: each file's length and first 32 bytes, by relative name.
pub type Print = BTreeMap<String, (u64, Vec<u8>)>;

pub fn print_of(spec: &Spec) -> Print {
    spec.files
        .iter()
        .map(|(name, data)| {
            let head = data[..data.len().min(32)].to_vec();
            (name.clone(), (data.len() as u64, head))
        })
        .collect()
}

/// The regular files under `dir` by relative name, with their bytes read by `read`.
pub fn files_under<T>(
    dir: &Path,
    read: &impl Fn(&Path) -> std::io::Result<T>,
) -> std::io::Result<BTreeMap<String, T>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let meta = std::fs::symlink_metadata(&path)?;
            if meta.is_dir() {
                pending.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.insert(name, read(&path)?);
            }
        }
    }
    Ok(found)
}

fn head_of(path: &Path) -> std::io::Result<(u64, Vec<u8>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::new();
    file.by_ref().take(32).read_to_end(&mut head)?;
    Ok((len, head))
}

/// What the reader saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Folders resolved and checked.
    pub looks: u64,
    /// Whole versions seen, per pack folder and version.
    pub whole: BTreeMap<(String, u64), u64>,
    /// File sets that were no version: each described. Must stay empty.
    pub half: Vec<String>,
    /// Resolved folders deleted under the reader more than `RETIRE_AFTER` after it resolved
    /// them (a reader too slow for the promise, not a broken one).
    pub late: u64,
}

/// A thread reading the packs of every container in `containers` until stopped.
pub struct Reader {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Seen>,
}

impl Reader {
    /// `known` holds each pack folder's versions and their prints; versions are added as the
    /// loop publishes them.
    pub fn start(containers: PathBuf, known: Arc<Mutex<BTreeMap<(String, u64), Print>>>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = Seen::default();
            while !flag.load(Ordering::Relaxed) {
                let folders: Vec<String> = PACKS.iter().map(|p| folder(p.0)).collect();
                for container in entries(&containers) {
                    for folder in &folders {
                        look(&container.join(folder), folder, &known, &mut seen);
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            seen
        });
        Self { stop, thread }
    }

    pub fn stop(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the reader thread panicked")
    }
}

/// The folder a pack id installs to (the ids of [`PACKS`] are plain names, their own folders).
pub fn folder(id: &str) -> String {
    id.to_string()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn look(link: &Path, folder: &str, known: &Mutex<BTreeMap<(String, u64), Print>>, seen: &mut Seen) {
    let resolved_at = Instant::now();
    let Ok(version_dir) = std::fs::canonicalize(link) else {
        return; // not installed (yet)
    };
    seen.looks += 1;
    let print = files_under(&version_dir, &head_of);
    let known = known.lock().unwrap();
    let matched = print.as_ref().ok().and_then(|print| {
        known
            .iter()
            .find(|((f, _), p)| f == folder && *p == print)
            .map(|((_, v), _)| *v)
    });
    match (matched, print) {
        (Some(version), _) => *seen.whole.entry((folder.to_string(), version)).or_default() += 1,
        (None, _)
            if !version_dir.exists()
                && resolved_at.elapsed() > bgassets::install::swap::RETIRE_AFTER =>
        {
            seen.late += 1
        }
        (None, print) => seen.half.push(format!(
            "{} ({}): {:?}",
            link.display(),
            version_dir.display(),
            print.map(|p| p.keys().cloned().collect::<Vec<_>>())
        )),
    }
}

/// The archives and partials the engine's saved queue still refers to (kept to resume).
fn owned_downloads(data: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(data.join("downloads.json")).unwrap_or_default();
    let queue: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut owned = Vec::new();
    for download in queue["downloads"].as_array().into_iter().flatten() {
        if let Some(destination) = download["request"]["destination"].as_str() {
            owned.push(PathBuf::from(destination));
            owned.push(PathBuf::from(format!("{destination}.partial")));
        }
    }
    owned
}

/// What a crash left behind in `data` that nothing needs: staging entries, version folders no
/// link points at, and archives or partials in `downloads/` the engine's queue does not refer
/// to, with their bytes.
pub fn leftovers(data: &Path) -> Vec<(PathBuf, u64)> {
    let bytes = |path: &Path| -> u64 {
        files_under(path, &|p: &Path| Ok(std::fs::metadata(p)?.len()))
            .map(|f| f.values().sum())
            .unwrap_or_else(|_| std::fs::metadata(path).map_or(0, |m| m.len()))
    };
    let mut found = Vec::new();
    for container in entries(&data.join("containers")) {
        for entry in entries(&container.join(".staging")) {
            found.push((entry.clone(), bytes(&entry)));
        }
        let linked: Vec<PathBuf> = entries(&container)
            .iter()
            .filter(|p| p.is_symlink())
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        for version in entries(&container.join(".versions")) {
            let real = std::fs::canonicalize(&version).unwrap_or(version.clone());
            if !linked.contains(&real) {
                found.push((version.clone(), bytes(&version)));
            }
        }
    }
    let owned = owned_downloads(data);
    for file in download_files(data) {
        if !owned.contains(&file) {
            let len = std::fs::metadata(&file).map_or(0, |m| m.len());
            found.push((file, len));
        }
    }
    found
}

/// Every file in `data/downloads/<app>/`.
pub fn download_files(data: &Path) -> Vec<PathBuf> {
    entries(&data.join("downloads"))
        .iter()
        .flat_map(|d| entries(d))
        .collect()
}

/// The files installed for `id` under `container`, read whole.
pub fn installed(container: &Path, id: &str) -> BTreeMap<String, Vec<u8>> {
    files_under(&container.join(folder(id)), &|p: &Path| std::fs::read(p))
        .unwrap_or_else(|e| panic!("{id} in {}: {e}", container.display()))
}

/// Checks that the manager's state and the engine's queue parse (strictly), that nothing was
/// set aside as unreadable, and returns each pack's installed version per the state.
pub fn check_state(data: &Path) -> BTreeMap<String, Option<u64>> {
    for aside in ["state.corrupt.json", "downloads.corrupt.json"] {
        assert!(!data.join(aside).exists(), "{aside} was set aside");
    }
    if let Ok(text) = std::fs::read_to_string(data.join("downloads.json")) {
        let queue: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("downloads.json does not load: {e}\n{text}"));
        assert!(queue["downloads"].is_array(), "{text}");
    }
    let Ok(text) = std::fs::read_to_string(data.join("state.json")) else {
        return BTreeMap::new();
    };
    let state = bgassets::manager::state::parse(&text)
        .unwrap_or_else(|e| panic!("state.json does not load: {e}\n{text}"));
    state
        .apps
        .values()
        .flat_map(|app| app.packs.iter())
        .map(|(id, pack)| {
            (
                id.clone(),
                pack.observed.installed.as_ref().map(|i| i.version),
            )
        })
        .collect()
}
