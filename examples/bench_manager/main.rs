//! Benchmark helper for `scripts/bench-manager`: issue 12's scale targets, measured through the
//! real path (the release `bgassets` binary as `serve` and `daemon`, the documented socket
//! protocol), next to `curl -Z` and `unzip -q` from the same origin.
//!
//! Usage: `bench_manager BGASSETS_BIN WORK_DIR` with settings from the environment (see
//! `Settings::from_env`). Prints one line per figure on stdout, progress on stderr; exits non-zero
//! when a phase cannot run (never when a target is missed: the script grades).

mod load;
mod memory;
mod phases;
mod site;
mod socket;
mod verbs;

use std::path::PathBuf;

use anyhow::{Context, bail};

/// What the run measures, from `BENCH_*` environment variables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How many small on-demand packs (`BENCH_PACKS`, 2000).
    pub packs: usize,
    /// Bytes of each small pack's file (`BENCH_PACK_KIB`, 64 KiB).
    pub pack_bytes: usize,
    /// The served rate for the small packs (`BENCH_RATE`, 20MB).
    pub rate: String,
    /// The large pack, MiB (`BENCH_BIG_MIB`, 200).
    pub big_mib: usize,
    /// How long the status clients ask (`BENCH_LOAD_SECS`, 60).
    pub load_secs: u64,
    /// How many status clients (`BENCH_CLIENTS`, 50).
    pub clients: usize,
    /// Packs in the manifest for the RSS figure (`BENCH_RSS_PACKS`, 10000).
    pub rss_packs: usize,
    /// Only the RSS figure (`BENCH_ONLY=rss`); every phase when unset.
    pub only_rss: bool,
    /// Only the `ensure` burst and the installs, next to `curl -Z` + `unzip -q`
    /// (`BENCH_ONLY=installs`): no large pack, no status load, no RSS phase.
    pub only_installs: bool,
    /// The pack counts of the verbs phase (`BENCH_VERBS_PACKS`, 1000,4000).
    pub verbs_packs: Vec<usize>,
    /// Only the verbs phase (`BENCH_ONLY=verbs`).
    pub only_verbs: bool,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        fn number(name: &str, default: usize) -> anyhow::Result<usize> {
            match std::env::var(name) {
                Ok(text) => text
                    .parse()
                    .with_context(|| format!("{name}={text} is not a number")),
                Err(_) => Ok(default),
            }
        }
        Ok(Self {
            packs: number("BENCH_PACKS", 2000)?,
            pack_bytes: number("BENCH_PACK_KIB", 64)? << 10,
            rate: std::env::var("BENCH_RATE").unwrap_or_else(|_| "20MB".into()),
            big_mib: number("BENCH_BIG_MIB", 200)?,
            load_secs: number("BENCH_LOAD_SECS", 60)? as u64,
            clients: number("BENCH_CLIENTS", 50)?,
            rss_packs: number("BENCH_RSS_PACKS", 10_000)?,
            only_rss: match std::env::var("BENCH_ONLY").as_deref() {
                Ok("rss") => true,
                Ok("installs" | "verbs") => false,
                Ok(other) => {
                    bail!(
                        "BENCH_ONLY={other}: the phases run alone are `rss`, `installs` and `verbs`"
                    )
                }
                Err(_) => false,
            },
            only_installs: std::env::var("BENCH_ONLY").as_deref() == Ok("installs"),
            verbs_packs: std::env::var("BENCH_VERBS_PACKS")
                .unwrap_or_else(|_| "1000,4000".into())
                .split(',')
                .map(|n| {
                    n.trim()
                        .parse()
                        .with_context(|| format!("BENCH_VERBS_PACKS: {n} is not a number"))
                })
                .collect::<anyhow::Result<_>>()?,
            only_verbs: std::env::var("BENCH_ONLY").as_deref() == Ok("verbs"),
        })
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (bin, work) = match args.as_slice() {
        [bin, work] => (PathBuf::from(bin), PathBuf::from(work)),
        _ => bail!("usage: bench_manager BGASSETS_BIN WORK_DIR"),
    };
    let settings = Settings::from_env()?;
    eprintln!("== settings: {settings:?}");
    let site = site::build(&bin, &work, &settings)?;
    phases::run(&bin, &work, &site, &settings)
}
