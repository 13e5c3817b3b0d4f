//! The world the manager lives in during one sequence: the app's six packs (every policy, one
//! language group), each version built once with the real packager and cached for the whole
//! run, a site the real mock server serves (which versions are listed, under which folder),
//! and the app's Info.plist. What each archive holds is read back from the archive itself, so
//! "installed bytes are verified bytes" is checked against what the server really served.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The app's bundle id.
pub const APP: &str = "org.example.model";

/// One pack of the app: its id, policy, language group and size of its one file.
pub struct PackDef {
    pub id: &'static str,
    pub policy: &'static str,
    /// Essential at the first installation / at a subsequent update.
    pub essential_first: bool,
    pub essential_update: bool,
    pub group: Option<(&'static str, &'static str)>,
    pub size: usize,
}

const ESSENTIAL: &str =
    r#"{"essential": {"installationEventTypes": ["firstInstallation", "subsequentUpdate"]}}"#;
const ESSENTIAL_ON_UPDATE: &str =
    r#"{"essential": {"installationEventTypes": ["subsequentUpdate"]}}"#;
const PREFETCH: &str = r#"{"prefetch": {"installationEventTypes": ["firstInstallation"]}}"#;
const ON_DEMAND: &str = r#"{"onDemand": {}}"#;

/// The packs, in manifest order. `Voice-fr` is listed before `Voice-en`, so the fallback
/// variant (the manifest's first) is not the alphabetically first.
pub const PACKS: [PackDef; 6] = [
    pack("Core", ESSENTIAL, true, true, None, 24 * 1024),
    pack("Patch", ESSENTIAL_ON_UPDATE, false, true, None, 12 * 1024),
    pack("Maps", PREFETCH, false, false, None, 40 * 1024),
    pack("Bonus", ON_DEMAND, false, false, None, 16 * 1024),
    pack(
        "Voice-fr",
        PREFETCH,
        false,
        false,
        Some(("Voice", "fr")),
        20 * 1024,
    ),
    pack(
        "Voice-en",
        PREFETCH,
        false,
        false,
        Some(("Voice", "en")),
        20 * 1024,
    ),
];

const fn pack(
    id: &'static str,
    policy: &'static str,
    essential_first: bool,
    essential_update: bool,
    group: Option<(&'static str, &'static str)>,
    size: usize,
) -> PackDef {
    PackDef {
        id,
        policy,
        essential_first,
        essential_update,
        group,
        size,
    }
}

/// The index in [`PACKS`] of the pack `id`.
pub fn index_of(id: &str) -> Option<usize> {
    PACKS.iter().position(|p| p.id == id)
}

/// A pack version's files, by name inside the installed folder, as its archive holds them.
pub type Files = BTreeMap<String, Vec<u8>>;

/// One built archive: where it is and what it installs.
#[derive(Clone)]
pub struct Built {
    pub archive: PathBuf,
    pub files: Files,
}

/// The folder the archives are built in, and those built so far by (pack index, version).
type Cache = (tempfile::TempDir, BTreeMap<(usize, u64), Built>);

/// Archives built so far in this process, in one temp folder.
fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new((tempfile::tempdir().unwrap(), BTreeMap::new())))
}

/// Version `version` of pack `index`, built by the packager on first use.
pub fn built(index: usize, version: u64) -> Built {
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    let (dir, built) = &mut *cache;
    if let Some(found) = built.get(&(index, version)) {
        return found.clone();
    }
    let def = &PACKS[index];
    let root = dir
        .path()
        .join("sources")
        .join(def.id)
        .join(version.to_string());
    let mut rng = fastrand::Rng::with_seed((index as u64) << 32 | version);
    let mut data = vec![0u8; def.size];
    rng.fill(&mut data);
    std::fs::create_dir_all(root.join(def.id)).unwrap();
    std::fs::write(root.join(def.id).join("data.bin"), &data).unwrap();
    let mut manifest = serde_json::json!({
        "assetPackID": def.id,
        "downloadPolicy": serde_json::from_str::<serde_json::Value>(def.policy).unwrap(),
        "fileSelectors": [{"directory": def.id}],
        "version": version,
    });
    if let Some((group, language)) = def.group {
        manifest["localizationGroup"] = group.into();
        manifest["languages"] = vec![language].into();
    }
    let manifest_path = root.join("pack.json");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let archive = dir
        .path()
        .join("archives")
        .join(format!("{}-{version}.zip", def.id));
    bgassets::pack::build::build(&manifest_path, &root, &archive, None).unwrap();
    let entry = Built {
        files: archive_files(&archive),
        archive,
    };
    built.insert((index, version), entry.clone());
    entry
}

/// The files an archive installs: every file entry but the pack's own `.bgassets/` manifest.
fn archive_files(archive: &Path) -> Files {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(archive).unwrap()).unwrap();
    let mut files = Files::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if entry.is_dir() || name.starts_with(".bgassets/") {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(name, bytes);
    }
    files
}

/// What the site lists: per pack, its version and whether the manifest lists it, and the
/// folder every archive URL points into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub versions: [u64; 6],
    pub listed: [bool; 6],
    pub folder: &'static str,
}

impl Default for Listing {
    fn default() -> Self {
        Self {
            versions: [1; 6],
            listed: [true; 6],
            folder: "packs",
        }
    }
}

/// Writes `listing` into the served folder `site`: archives (never overwritten: a version
/// keeps its bytes) and then `manifest.json`, replaced atomically by the indexer.
pub fn publish(site: &Path, listing: &Listing) {
    let mut archives = Vec::new();
    for index in (0..PACKS.len()).filter(|&i| listing.listed[i]) {
        let built = built(index, listing.versions[index]);
        let name = built.archive.file_name().unwrap();
        let served = site.join(listing.folder).join(name);
        if !served.exists() {
            std::fs::create_dir_all(served.parent().unwrap()).unwrap();
            std::fs::copy(&built.archive, &served).unwrap();
        }
        archives.push(served);
    }
    bgassets::pack::index::index(&archives, None, &site.join("manifest.json"), |_, _| {}).unwrap();
}

/// Writes the app's Info.plist for bundle version `version` under `dir`; returns its path.
pub fn plist(dir: &Path, manifest_url: &str, version: u32) -> PathBuf {
    let path = dir.join(format!("Model-{version}.app/Contents/Info.plist"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>{APP}</string>
<key>CFBundleName</key><string>Model</string>
<key>CFBundleVersion</key><string>{version}</string>
<key>BAManifestURL</key><string>{manifest_url}</string>
<key>BAHasManagedAssetPacks</key><true/>
</dict></plist>"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The regular files under `dir`, by name relative to it; `None` when `dir` does not exist.
pub fn files_under(dir: &Path) -> Option<Files> {
    let mut found = Files::new();
    let mut pending = vec![std::fs::canonicalize(dir).ok()?];
    let root = pending[0].clone();
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path
                    .strip_prefix(&root)
                    .ok()?
                    .to_string_lossy()
                    .into_owned();
                found.insert(name, std::fs::read(&path).ok()?);
            }
        }
    }
    Some(found)
}
