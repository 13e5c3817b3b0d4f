//! The demo site: the demo app's Info.plist and its asset packs, built by the real packager.
//!
//! `assets/demo/` holds the app's `Info.plist`, one pack manifest per pack (in the shape of
//! `bgassets pack template` output, comments and trailing commas included) and `content.txt`, the
//! recipe for the packs' files. [`build_site`] generates those files deterministically (their
//! bytes depend only on their paths, see `generator`), builds every pack with the real packager
//! and indexes them into a folder `bgassets serve` can serve. The result is cached: a folder
//! already built from the same recipe is reused.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::generator::Generator;
use crate::model::size::parse_size;
use crate::pack::{BuildError, build, index};

/// The demo app's Info.plist; its manifest URL points at `http://127.0.0.1:8420/`.
pub const INFO_PLIST: &str = include_str!("../../assets/demo/Info.plist");
/// The manifest URL written in [`INFO_PLIST`].
pub const DEFAULT_MANIFEST_URL: &str = "http://127.0.0.1:8420/manifest.json";
const CONTENT: &str = include_str!("../../assets/demo/content.txt");
const PACKS: [(&str, &str); 11] = [
    (
        "tutorial",
        include_str!("../../assets/demo/packs/tutorial.json"),
    ),
    (
        "core-levels",
        include_str!("../../assets/demo/packs/core-levels.json"),
    ),
    ("fonts", include_str!("../../assets/demo/packs/fonts.json")),
    (
        "soundtrack",
        include_str!("../../assets/demo/packs/soundtrack.json"),
    ),
    (
        "hd-textures",
        include_str!("../../assets/demo/packs/hd-textures.json"),
    ),
    (
        "voices-en",
        include_str!("../../assets/demo/packs/voices-en.json"),
    ),
    (
        "voices-fr",
        include_str!("../../assets/demo/packs/voices-fr.json"),
    ),
    (
        "bonus-levels",
        include_str!("../../assets/demo/packs/bonus-levels.json"),
    ),
    (
        "achievements",
        include_str!("../../assets/demo/packs/achievements.json"),
    ),
    (
        "upscaler",
        include_str!("../../assets/demo/packs/upscaler.json"),
    ),
    (
        "credits",
        include_str!("../../assets/demo/packs/credits.json"),
    ),
];

/// The demo app's own download, which its extension schedules at install (not a pack): served
/// beside the manifest.
pub const CONFIG: &str =
    "{\"app\": \"Starfield Explorer\", \"starDensity\": 0.8, \"motd\": \"Welcome, explorer\"}\n";

/// A built demo: the folder to serve and the app's Info.plist.
#[derive(Debug, Clone)]
pub struct DemoSite {
    /// Holds `manifest.json` and `packs/*.zip`: pass it to `bgassets serve`.
    pub site: PathBuf,
    /// The demo app's Info.plist (manifest URL on port 8420).
    pub info_plist: PathBuf,
}

/// The default folder for the demo: `bgassets-demo-VERSION` in the temporary directory.
pub fn default_dir() -> PathBuf {
    std::env::temp_dir().join(format!("bgassets-demo-{}", env!("CARGO_PKG_VERSION")))
}

/// The demo app's Info.plist with its manifest URL replaced by `manifest_url`.
pub fn info_plist_for(manifest_url: &str) -> String {
    INFO_PLIST.replace(DEFAULT_MANIFEST_URL, manifest_url)
}

/// Builds the demo into `dir` (sources, packs, manifest), or reuses an identical earlier build.
pub fn build_site(dir: &Path) -> Result<DemoSite, BuildError> {
    let site = dir.join("site");
    let result = DemoSite {
        site: site.clone(),
        info_plist: dir.join("Info.plist"),
    };
    let stamp_path = dir.join("complete.stamp");
    let stamp = fingerprint();
    if fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(result);
    }
    clear_earlier_build(dir)?;
    write_file(&dir.join(MARKER), b"made by bgassets; rebuilt when stale\n")?;
    let sources = dir.join("sources");
    let packs_dir = site.join("packs");
    fs::create_dir_all(&packs_dir).map_err(BuildError::write(&packs_dir))?;
    generate_sources(&sources)?;
    let mut archives = Vec::new();
    for (name, text) in PACKS {
        let manifest = dir.join("manifests").join(format!("{name}.json"));
        write_file(&manifest, text.as_bytes())?;
        let archive = packs_dir.join(format!("{name}.zip"));
        build::build(&manifest, &sources.join(name), &archive, None)?;
        archives.push(archive);
    }
    index::index(&archives, None, &site.join("manifest.json"), |_, _| {})?;
    write_file(&site.join("config.json"), CONFIG.as_bytes())?;
    write_file(&result.info_plist, INFO_PLIST.as_bytes())?;
    write_file(&stamp_path, stamp.as_bytes())?;
    Ok(result)
}

/// Written first into a demo folder bgassets makes: only a folder holding it (or an earlier
/// build's `complete.stamp`) is ever deleted to rebuild the demo.
const MARKER: &str = ".bgassets-demo";

/// Deletes a stale demo build at `dir`; an empty folder is used as it is, and anything else
/// found there is refused (a symlink, or a folder bgassets did not make: the temporary
/// directory is shared with other users).
fn clear_earlier_build(dir: &Path) -> Result<(), BuildError> {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return Ok(());
    };
    let empty = || fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    if meta.is_dir() && empty() {
        return Ok(());
    }
    let ours =
        meta.is_dir() && (dir.join(MARKER).is_file() || dir.join("complete.stamp").is_file());
    if !ours {
        return Err(BuildError::Refused {
            path: dir.to_path_buf(),
            problem: "exists and was not made by bgassets; move it away to build the demo there"
                .into(),
        });
    }
    let parent = dir.parent().unwrap_or(Path::new("/"));
    crate::store::remove_tree(parent, dir)
        .map(drop)
        .map_err(|e| BuildError::Refused {
            path: dir.to_path_buf(),
            problem: e.to_string(),
        })
}

/// Changes whenever the recipe or the manifests change, so a stale cache is rebuilt.
fn fingerprint() -> String {
    let mut all = format!("{CONTENT}{CONFIG}");
    for (name, text) in PACKS {
        all.push_str(name);
        all.push_str(text);
    }
    format!(
        "{} {}\n",
        env!("CARGO_PKG_VERSION"),
        crate::model::Sha256Digest::of(all.as_bytes())
    )
}

/// One line of `content.txt`, its `{a..b}` range expanded.
struct FileRecipe {
    pack: String,
    path: String,
    size: u64,
    style: String,
}

fn recipes() -> Result<Vec<FileRecipe>, BuildError> {
    let mut recipes = Vec::new();
    for (number, line) in CONTENT.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |problem: &str| {
            BuildError::Index(format!(
                "assets/demo/content.txt line {}: {problem}",
                number + 1
            ))
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [pack, path, size, style] = fields[..] else {
            return Err(bad("expected PACK PATH SIZE STYLE"));
        };
        let size = parse_size(size).map_err(|e| bad(&e.to_string()))?;
        for path in expand(path).map_err(|p| bad(&p))? {
            recipes.push(FileRecipe {
                pack: pack.to_string(),
                path,
                size,
                style: style.to_string(),
            });
        }
    }
    Ok(recipes)
}

/// `level-{1..3}.map` → `level-1.map`, `level-2.map`, `level-3.map`.
fn expand(path: &str) -> Result<Vec<String>, String> {
    let (Some(open), Some(close)) = (path.find('{'), path.find('}')) else {
        return Ok(vec![path.to_string()]);
    };
    let range = &path[open + 1..close];
    let (from, to) = range
        .split_once("..")
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("`{range}` is not a range like 1..24"))?;
    Ok((from..=to)
        .map(|n| format!("{}{n}{}", &path[..open], &path[close + 1..]))
        .collect())
}

fn generate_sources(sources: &Path) -> Result<(), BuildError> {
    for recipe in recipes()? {
        let path = sources.join(&recipe.pack).join(&recipe.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(BuildError::write(parent))?;
        }
        let file = fs::File::create(&path).map_err(BuildError::write(&path))?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let mut generator = Generator::new(&recipe.path, &recipe.style);
        let mut left = recipe.size;
        let mut chunk = vec![0u8; 64 * 1024];
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            generator.fill(&mut chunk[..n]);
            writer
                .write_all(&chunk[..n])
                .map_err(BuildError::write(&path))?;
            left -= n as u64;
        }
        writer.flush().map_err(BuildError::write(&path))?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(BuildError::write(parent))?;
    }
    fs::write(path, bytes).map_err(BuildError::write(path))
}
