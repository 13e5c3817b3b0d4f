//! `bgassets pack template|build|index|install|publish|prune`: the packager's command line
//! (publish and prune are in `pack_publish.rs`).

use std::fs;
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::model::size::{format_bytes, parse_size};
use crate::model::{PackId, pack_manifest};
use crate::pack::{archive, build, index};

/// `bgassets pack …`
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Write a pack manifest template (like `ba-package template`).
    Template(TemplateArgs),
    /// Build a reproducible pack archive from a pack manifest's file selectors.
    Build(BuildArgs),
    /// Write the server manifest for built pack archives.
    Index(IndexArgs),
    /// Install a pack archive into a container folder as the manager does: every entry checked,
    /// extracted into staging, swapped in atomically. Prints the install's speed.
    Install(InstallArgs),
    /// Upload a site made by `pack index` to an S3-compatible store: archives under
    /// content-addressed names, the manifest last.
    Publish(super::pack_publish::PublishArgs),
    /// Delete published archives that none of the newest N publishes named.
    Prune(super::pack_publish::PruneArgs),
}

/// `bgassets pack template`'s arguments.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// The pack's id (ASCII letters, digits, `.`, `_`, `-`, `/`).
    pub id: String,
    /// Where to write the template; standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// `bgassets pack build`'s arguments.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The pack manifest (JSON; comments and trailing commas allowed).
    pub manifest: PathBuf,
    /// The folder the file selectors are relative to.
    #[arg(long)]
    pub root: PathBuf,
    /// The archive to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The pack's version, overriding the manifest's `version` (default 1).
    #[arg(long)]
    pub version: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `bgassets pack index`'s arguments.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Pack archives made by `bgassets pack build`.
    #[arg(required = true)]
    pub archives: Vec<PathBuf>,
    /// The URL the archives are served under (absolute, or relative to the manifest). Without
    /// it, each pack's URL is its path relative to the manifest's folder.
    #[arg(long)]
    pub base_url: Option<String>,
    /// The server manifest to write.
    #[arg(short, long)]
    pub output: PathBuf,
}

/// `bgassets pack install`'s arguments.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// A pack archive made by `bgassets pack build`.
    pub archive: PathBuf,
    /// The container folder: the pack goes into `DIR/<pack folder>`, named from the archive's
    /// embedded manifest.
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// The most the extracted files may take (`40MB`, `1.5GiB`); the archive's declared install
    /// size by default.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `pack` subcommand.
pub fn run(command: PackCommand) -> anyhow::Result<()> {
    match command {
        PackCommand::Template(args) => template(args),
        PackCommand::Build(args) => build_pack(args),
        PackCommand::Index(args) => index_packs(args),
        PackCommand::Install(args) => install_pack(args),
        PackCommand::Publish(args) => super::pack_publish::publish(args),
        PackCommand::Prune(args) => super::pack_publish::prune(args),
    }
}

fn template(args: TemplateArgs) -> anyhow::Result<()> {
    let id = PackId::parse(&args.id).map_err(|problem| anyhow::anyhow!("pack id: {problem}"))?;
    let text = pack_manifest::template(&id);
    match args.output {
        Some(path) => {
            fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn build_pack(args: BuildArgs) -> anyhow::Result<()> {
    let bar = progress_bar();
    let report = build::build_with_progress(
        &args.manifest,
        &args.root,
        &args.output,
        args.version,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .with_context(|| format!("cannot build a pack from {}", args.manifest.display()))?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: pack `{}` version {}, {} files, {} ({} installed), sha256 {}",
            report.output.display(),
            report.id,
            report.version,
            report.files,
            format_bytes(report.download_size),
            format_bytes(report.install_size),
            report.sha256
        );
    }
    Ok(())
}

fn index_packs(args: IndexArgs) -> anyhow::Result<()> {
    let bar = progress_bar();
    let manifest = index::index(
        &args.archives,
        args.base_url.as_deref(),
        &args.output,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .with_context(|| format!("cannot write the server manifest {}", args.output.display()))?;
    bar.finish_and_clear();
    println!(
        "{}: {} packs, {} in all",
        args.output.display(),
        manifest.asset_packs.len(),
        format_bytes(manifest.asset_packs.iter().map(|p| p.download_size).sum())
    );
    Ok(())
}

fn install_pack(args: InstallArgs) -> anyhow::Result<()> {
    let info = archive::read_info(&args.archive)
        .with_context(|| format!("cannot install {}", args.archive.display()))?;
    let folder = info.manifest.id.folder_name();
    let started = std::time::Instant::now();
    let installed = crate::install::install(&crate::install::InstallRequest {
        archive: &args.archive,
        container: &args.into,
        folder: &folder,
        max_install_size: args.max_size.unwrap_or(info.install_size),
    })
    .with_context(|| format!("cannot install {}", args.archive.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    // A replaced version is deleted shortly after the swap; wait for it before exiting.
    crate::install::wait_retired();
    let megabytes_per_second = installed.bytes as f64 / 1e6 / seconds.max(1e-9);
    if args.json {
        let report = serde_json::json!({
            "assetPackID": info.manifest.id,
            "version": info.manifest.version,
            "path": installed.path,
            "files": installed.files,
            "bytes": installed.bytes,
            "seconds": seconds,
            "megabytesPerSecond": megabytes_per_second,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: pack `{}` version {}, {} files, {} bytes ({}) in {seconds:.3} s, \
             {megabytes_per_second:.1} MB/s",
            installed.path.display(),
            info.manifest.id,
            info.manifest.version,
            installed.files,
            installed.bytes,
            format_bytes(installed.bytes),
        );
    }
    Ok(())
}

/// A byte progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
